"""Household activity, a person's plays, the watchlist and Discover in Chromium, with a real
worker reading plexsim; any console error or CSP violation fails the test."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from e2e.session import sign_in_browser
from sharing.sync.runs import run_sync

pytestmark = [pytest.mark.e2e, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def owner_page(browser_page, live_server, household, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    sign_in_browser(browser_page, live_server, household)
    assert run_sync().outcome in ("succeeded", "warning")
    return browser_page


def test_collecting_then_reading_the_household_and_a_person(
    owner_page, plexsim, celery_worker_on_broker
) -> None:
    page = owner_page
    page.goto("/")
    page.get_by_role("link", name="Activity", exact=True).click()
    page.wait_for_url("**/activity/")
    assert page.get_by_text("Not collected yet").is_visible()
    page.get_by_role("button", name="Collect now").click()
    # The status polls while the worker reads, then the page reloads with the plays.
    page.get_by_text("History collected").wait_for(timeout=30_000)
    assert page.locator("svg.columns rect.column").count() >= 28
    assert page.get_by_role("heading", name="Recent plays").is_visible()
    most = page.locator("figure.chart", has_text="Most active people")
    assert most.locator("ol.bars li").count() == 5

    page.locator("#people").get_by_label("Activity").select_option("90")
    expect(page.locator("#people tbody tr")).to_have_count(2)
    assert "grandma.ruth" in page.locator("#people").inner_text()

    page.locator("#people").get_by_role("link", name="grandma.ruth").click()
    page.wait_for_url("**/activity/people/*/")
    assert page.get_by_role("heading", name="grandma.ruth's plays").is_visible()
    rows_before = page.locator("#plays tbody tr").count()
    assert rows_before > 1
    page.get_by_label("From").fill("2099-01-01")
    page.get_by_role("button", name="Filter").click()
    page.get_by_text("No plays match these filters.").wait_for()

    page.goto("/activity/mine/")
    assert page.get_by_role("heading", name="Your plays").is_visible()
    assert page.locator("#plays tbody tr").count() > 1

    page.goto("/activity/?month=2026-13")
    assert page.get_by_role("alert").inner_text().startswith("Choose a month as YYYY-MM")


def test_the_watchlist_and_discover_round_trip(
    owner_page, plexsim, celery_worker_on_broker
) -> None:
    page = owner_page
    page.goto("/activity/watchlist/")
    # The first look asks the worker; the page reloads when the list has been read.
    page.locator(".badge-ok", has_text="Read from plex.tv").wait_for(timeout=30_000)
    assert page.locator("#watchlist-items .poster-card").count() == 3
    # Posters arrive from the worker a moment later; reload until they are ours, not the
    # placeholder, and actually decode.
    for _ in range(30):
        page.reload()
        sources = page.locator("#watchlist-items img.poster").evaluate_all(
            "imgs => imgs.map(i => [i.getAttribute('src'), i.complete && i.naturalWidth])"
        )
        if all("/activity/posters/" in src and width for src, width in sources):
            break
        page.wait_for_timeout(500)
    else:
        raise AssertionError(f"posters never arrived: {sources}")

    page.get_by_label("Type").select_option("show")
    expect(page.locator("#watchlist-items .poster-card")).to_have_count(1)
    page.get_by_label("Type").select_option("")
    expect(page.locator("#watchlist-items .poster-card")).to_have_count(3)

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#watchlist-items .poster-card", has_text="Quiet Orbit").get_by_role(
        "button", name="Remove"
    ).click()
    expect(page.locator("#watchlist-items .poster-card")).to_have_count(2, timeout=30_000)
    morgan = next(a for a in plexsim.state()["accounts"] if a["id"] == 1001001)
    assert len(morgan["watchlist"]) == 2

    page.get_by_role("link", name="Find something to add").click()
    page.get_by_label("Search movies and shows").fill("orbit")
    page.get_by_label("Type").select_option("movie")
    page.get_by_role("button", name="Search").click()
    result = page.locator("#discover-results .poster-card", has_text="Quiet Orbit")
    result.wait_for(timeout=30_000)
    result.get_by_role("button", name="Add to watchlist").click()
    result.locator(".operation .badge").get_by_text("Succeeded").wait_for(timeout=30_000)
    page.reload()
    page.locator("#discover-results").get_by_text("On your watchlist").wait_for()
    morgan = next(a for a in plexsim.state()["accounts"] if a["id"] == 1001001)
    assert len(morgan["watchlist"]) == 3

    page.get_by_label("Search movies and shows").fill("x")
    page.get_by_label("Search movies and shows").evaluate("el => el.removeAttribute('minlength')")
    page.get_by_role("button", name="Search").click()
    assert "at least 2 characters" in page.get_by_role("alert").inner_text()


def test_a_home_members_watchlist_while_viewing_as_them(
    owner_page, plexsim, celery_worker_on_broker
) -> None:
    page = owner_page
    page.goto("/switch/")
    page.get_by_role("link", name="Switch to Ellie").click()
    page.get_by_label("Ellie's PIN").fill("1111")
    page.get_by_role("button", name="Switch").click()
    page.wait_for_url("**/switch/viewing/")
    page.goto("/activity/watchlist/member/")
    assert "Viewing as Ellie" in page.locator(".switch-banner").inner_text()
    page.locator(".badge-ok", has_text="Read from plex.tv").wait_for(timeout=30_000)
    cards = page.locator("#watchlist-items .poster-card")
    expect(cards).to_have_count(2)
    page.once("dialog", lambda dialog: dialog.accept())
    cards.filter(has_text="Snack Detectives").get_by_role("button", name="Remove").click()
    expect(cards).to_have_count(1, timeout=30_000)
    ellie = next(a for a in plexsim.state()["accounts"] if a["id"] == 1001003)
    assert len(ellie["watchlist"]) == 1
    page.goto("/activity/discover/")
    assert "titles you add go to their watchlist" in page.locator(".switch-banner").inner_text()
