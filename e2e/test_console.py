"""The sharing console in Chromium, with a real worker applying every change at plexsim."""

from __future__ import annotations

import pytest

from e2e.session import sign_in_browser
from sharing.models import PlexUser
from sharing.sync.runs import run_sync

pytestmark = [pytest.mark.e2e, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

MOVIES, TV, MUSIC = 118181361, 118181362, 118181363
ALEX = 1001010
SASHA = 1001020


@pytest.fixture
def owner_page(browser_page, live_server, household):
    sign_in_browser(browser_page, live_server, household)
    assert run_sync().outcome in ("succeeded", "warning")
    return browser_page


def wait_for_success(page) -> None:  # type: ignore[no-untyped-def]
    page.locator(".operation .badge").get_by_text("Succeeded").wait_for(timeout=30_000)


def test_an_invite_with_two_libraries_is_pending_then_accepted_after_sync(
    owner_page, plexsim, celery_worker_on_broker
) -> None:
    page = owner_page
    page.goto("/people/")
    page.get_by_role("link", name="Invite a friend").click()
    page.get_by_label("E-mail or Plex username").fill("sasha")
    page.get_by_label("Morgan's Den · Movies").check()
    page.get_by_label("Morgan's Den · TV Shows").check()
    page.get_by_role("button", name="Send invite").click()
    page.wait_for_url(lambda url: "/people/?op=" in url)
    wait_for_success(page)

    page.goto("/people/?kind=pending")
    row = page.locator("#people-results tr", has_text="sasha")
    assert "pending" in row.inner_text()
    [share] = [
        s
        for s in plexsim.state()["shares"]
        if s.get("userId") == SASHA and s["machineIdentifier"].startswith("07b33a")
    ]
    assert sorted(share["sectionIds"]) == [MOVIES, TV]

    plexsim.accept_invite(share["id"])
    assert run_sync().outcome in ("succeeded", "warning")
    page.goto("/people/?kind=friend&q=sasha")
    row = page.locator("#people-results tr", has_text="sasha")
    assert "Morgan's Den · 2 libraries" in row.inner_text()
    assert "pending" not in row.inner_text()


def test_editing_libraries_and_filters_lands_at_plexsim_and_in_the_page(
    owner_page, plexsim, celery_worker_on_broker
) -> None:
    page = owner_page
    alex = PlexUser.objects.get(plex_id=ALEX)
    page.goto(f"/people/{alex.pk}/")
    card = page.locator(".share-card", has_text="Morgan's Den")
    card.get_by_label("TV Shows", exact=True).uncheck()
    card.get_by_label("Music", exact=True).check()
    card.locator(".filter-group", has_text="Movies").get_by_label("PG", exact=True).check()
    card.get_by_label("Hide items with labels").first.fill("Horror")
    card.get_by_role("button", name="Save").click()
    wait_for_success(page)
    share = next(s for s in plexsim.state()["shares"] if s["id"] == 30006)
    assert sorted(share["sectionIds"]) == [MOVIES, MUSIC]
    relation = next(
        r
        for r in plexsim.state()["relations"]
        if r.get("userId") == ALEX and r["ownerId"] == 1001001
    )
    assert relation["settings"]["filterMovies"] == "contentRating=PG|label!=Horror"
    # The card reloads after the operation finishes and shows what plex.tv now holds.
    page.locator(".share-card", has_text="Morgan's Den").get_by_label(
        "Music", exact=True
    ).wait_for()
    assert page.locator(".share-card").get_by_label("Music", exact=True).is_checked()
    assert not page.locator(".share-card").get_by_label("TV Shows", exact=True).is_checked()


def test_removing_a_friend_asks_first_then_removes_them_everywhere(
    owner_page, plexsim, celery_worker_on_broker
) -> None:
    page = owner_page
    alex = PlexUser.objects.get(plex_id=ALEX)
    page.goto(f"/people/{alex.pk}/")
    page.get_by_role("link", name="Remove friend…").click()
    dialog = page.locator("#remove-friend-dialog")
    assert dialog.is_visible()
    assert [s for s in plexsim.state()["shares"] if s.get("userId") == ALEX]
    dialog.get_by_role("button", name="Remove friend").click()
    # htmx puts the change's live status on the page the admin is on.
    wait_for_success(page)
    assert not dialog.is_visible()
    assert [s for s in plexsim.state()["shares"] if s.get("userId") == ALEX] == []
    page.goto("/people/")
    assert page.locator("#people-results").get_by_text("alex.rivera").count() == 0


def test_creating_a_managed_user_with_a_pin(owner_page, plexsim, celery_worker_on_broker) -> None:
    page = owner_page
    page.goto("/people/")
    page.get_by_role("link", name="Create a managed user").click()
    page.get_by_label("Name").fill("Robin")
    page.get_by_label("Restriction profile").select_option(label="Older Kid")
    page.get_by_label("PIN (optional)").fill("4321")
    page.get_by_label("Morgan's Den · Kids Movies").check()
    page.get_by_role("button", name="Create managed user").click()
    page.wait_for_url(lambda url: "/people/?op=" in url)
    wait_for_success(page)
    robin = next(a for a in plexsim.state()["accounts"] if a.get("title") == "Robin")
    assert robin["homePin"] == "4321"
    assert robin["restrictionProfile"] == "older_kid"
    page.goto("/people/?kind=managed")
    assert page.locator("#people-results").get_by_text("Robin").count() == 1
