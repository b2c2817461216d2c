"""Joining through an invite link in Chromium: the admin makes a 2-use link with two
libraries, new people join on their own through plexsim's sign-up, a third is refused.

A real Celery worker polls the invitee's PIN and runs the sharing operation, as in production.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from accounts.models import PinLogin
from e2e.session import sign_in_browser
from sharing.sync.runs import run_sync
from tests.personas import household, plex_settings  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

MOVIES, TV = 118181361, 118181362
DEN = "07b33a43085dc2635f0bb026696069991fae76dc"


@pytest.fixture
def owner_page(browser_page, live_server, household, plexsim, settings):  # type: ignore[no-untyped-def]  # noqa: F811
    settings.PLEX_AUTH_URL = f"{plexsim.url}/auth"
    settings.PUBLIC_BASE_URL = live_server.url
    sign_in_browser(browser_page, live_server, household)
    assert run_sync().outcome in ("succeeded", "warning")
    yield browser_page
    PinLogin.objects.filter(status=PinLogin.Status.PENDING).update(status=PinLogin.Status.CANCELLED)


def create_link(page) -> str:  # type: ignore[no-untyped-def]
    page.goto("/links/new/")
    page.locator("#id_label").fill("Film club")
    page.locator("#id_max_uses").fill("2")
    den = page.locator("fieldset", has_text="Morgan's Den")
    den.get_by_label("Movies", exact=True).check()
    den.get_by_label("TV Shows", exact=True).check()
    page.get_by_role("button", name="Create link").click()
    page.get_by_role("heading", name="“Film club” is ready").wait_for()
    assert page.locator(".qr svg").count() == 1
    return str(page.locator("#invite-url").input_value())


def join_as_new_account(chromium, live_server, plexsim, url: str, name: str) -> list[str]:  # type: ignore[no-untyped-def]
    """A second browser opens the link and signs up at plexsim; returns the hosts it asked
    while on our pages."""
    context = chromium.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(30_000)
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    try:
        response = page.goto(url)
        assert response is not None
        assert page.url == f"{live_server.url}/join/"  # the code is gone from the address
        landing_requests = list(asked)
        page.get_by_text("Movies").first.wait_for()
        page.get_by_role("button", name="Sign in with Plex").click()
        page.get_by_role("link", name="Continue to Plex").click()
        page.wait_for_url(f"{plexsim.url}/auth#?**")
        page.locator("#new-email").fill(f"{name}@example.com")
        page.locator("#new-username").fill(name)
        page.locator("#new-password").fill("a-long-password")
        page.get_by_role("button", name="Create account").click()
        page.get_by_role("button", name="Approve").click()
        page.wait_for_url(f"{live_server.url}/join/status/")
        page.get_by_role("heading", name="You're in").wait_for(timeout=40_000)
        assert "Movies" in page.content()
        return landing_requests
    finally:
        context.close()


def test_new_people_join_with_exactly_the_links_libraries_and_a_third_is_refused(
    owner_page, chromium, live_server, plexsim, celery_worker_on_broker
) -> None:
    url = create_link(owner_page)
    assert url.startswith(f"{live_server.url}/join/")
    asked = join_as_new_account(chromium, live_server, plexsim, url, "newbie")
    ours = urlsplit(live_server.url).netloc
    assert {urlsplit(u).netloc for u in asked} == {ours}  # nothing from any other host
    accounts = {a["username"]: a["id"] for a in plexsim.state()["accounts"] if a.get("username")}
    [share] = [s for s in plexsim.state()["shares"] if s.get("userId") == accounts["newbie"]]
    assert share["machineIdentifier"] == DEN
    assert sorted(share["sectionIds"]) == [MOVIES, TV]
    assert share["accepted"] is True

    join_as_new_account(chromium, live_server, plexsim, url, "second")
    third = chromium.new_context(base_url=live_server.url)
    try:
        page = third.new_page()
        page.goto(url)
        assert "This invite can't be used" in page.content()
    finally:
        third.close()

    owner_page.goto("/links/")
    row = owner_page.locator("#links tr", has_text="Film club")
    assert "2 / 2" in row.inner_text()
    assert "used up" in row.inner_text()
    # The operations asked for a sync; the worker may hold its lock: wait for the person.
    from sharing.models import PlexUser

    for _ in range(60):
        if PlexUser.objects.filter(username="newbie").exists():
            break
        owner_page.wait_for_timeout(500)
        run_sync()
    owner_page.goto("/people/?q=newbie")
    assert "newbie" in owner_page.content()
