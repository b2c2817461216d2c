from __future__ import annotations

from collections.abc import Iterator

import pytest

from e2e.session import sign_in_browser
from sharing.sync.runs import run_sync

pytestmark = [pytest.mark.e2e, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

MOVIES, KIDS = 118181361, 118181365
ALEX_SHARE = 30006


@pytest.fixture
def owner_page(browser_page, live_server, household):
    sign_in_browser(browser_page, live_server, household)
    return browser_page


@pytest.fixture
def owner_page_without_js(chromium, live_server, household, page_problems) -> Iterator[object]:
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on(
        "console",
        lambda m: page_problems.console_errors.append(m.text) if m.type == "error" else None,
    )
    sign_in_browser(page, live_server, household)
    try:
        yield page
    finally:
        context.close()
    assert page_problems.all() == []


def sim_shares(plexsim) -> dict[int, dict]:  # type: ignore[no-untyped-def]
    return {s["id"]: s for s in plexsim.state()["shares"]}


def open_den(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/matrix/")
    page.get_by_role("navigation", name="Servers").get_by_role("link", name="Morgan's Den").click()


def test_a_bulk_grant_runs_to_completion_with_its_progress_bar(
    owner_page, plexsim, celery_worker_on_broker, settings
) -> None:
    settings.BULK_PACE_SECONDS = 0.2
    assert run_sync().outcome == "succeeded"
    page = owner_page
    open_den(page)
    page.get_by_label("Library").select_option(label="Kids Movies")
    page.get_by_label("Who").select_option(label="all friends")
    page.get_by_role("button", name="Preview the change").click()
    preview = page.locator("#bulk-preview")
    assert preview.get_by_role("heading").inner_text() == "Share Kids Movies with all friends?"
    assert "Kids Movies will be shared with 3 people:" in preview.inner_text()
    assert [r for r in plexsim.requests() if r["method"] != "GET"] == []  # nothing sent yet
    preview.get_by_role("button", name="Apply to plex.tv").click()
    page.wait_for_url("**/matrix/batches/*/")
    assert page.get_by_role("heading", level=1).inner_text() == "Share Kids Movies with 3 people"
    progress = page.locator("#batch-progress")
    progress.get_by_text("finished").wait_for(timeout=30_000)
    assert "3 of 3" in progress.inner_text()
    assert page.locator("progress").get_attribute("value") == "3"
    shares = sim_shares(plexsim)
    assert all(KIDS in shares[sid]["sectionIds"] for sid in (30006, 30009, 30011))
    page.get_by_role("link", name="Back to the matrix").click()
    assert page.locator('nav.tabs a[aria-current="page"]').inner_text() == "Morgan's Den"


def test_a_cell_click_shows_the_change_live(owner_page, plexsim, celery_worker_on_broker) -> None:
    assert run_sync().outcome == "succeeded"
    page = owner_page
    open_den(page)
    cell = page.get_by_role("button", name="Share Kids Movies with alex.rivera")
    cell.click()
    page.get_by_role("button", name="Unshare Kids Movies from alex.rivera").wait_for(timeout=20_000)
    shares = sim_shares(plexsim)
    assert KIDS in shares[30006]["sectionIds"]


def test_unsharing_the_only_library_asks_then_stops_the_share(
    owner_page, plexsim, celery_worker_on_broker
) -> None:
    plexsim.mutate(op="set_share_libraries", shareId=ALEX_SHARE, sectionIds=[MOVIES])
    assert run_sync().outcome == "succeeded"
    page = owner_page
    open_den(page)
    page.get_by_role("button", name="Unshare Movies from alex.rivera (the last one").click()
    dialog = page.get_by_role("dialog", name="Stop sharing Morgan's Den with alex.rivera?")
    dialog.wait_for()
    dialog.get_by_role("button", name="Keep").click()
    assert not dialog.is_visible()
    assert sim_shares(plexsim)[ALEX_SHARE]["sectionIds"] == [MOVIES]
    page.get_by_role("button", name="Unshare Movies from alex.rivera (the last one").click()
    dialog.get_by_role("button", name="Stop sharing").click()
    page.get_by_text("Morgan's Den is no longer shared with alex.rivera.").wait_for(timeout=20_000)
    assert ALEX_SHARE not in sim_shares(plexsim)


def test_a_stale_cell_that_turns_out_to_be_the_last_library_asks_too(
    owner_page, plexsim, celery_worker_on_broker
) -> None:
    assert run_sync().outcome == "succeeded"
    page = owner_page
    open_den(page)
    # alex has Movies and TV Shows: unshare TV Shows, then click Movies, which is now the last.
    page.get_by_role("button", name="Unshare TV Shows from alex.rivera").click()
    page.get_by_role("button", name="Share TV Shows with alex.rivera").wait_for(timeout=20_000)
    page.get_by_role("button", name="Unshare Movies from alex.rivera").click()
    dialog = page.get_by_role("dialog", name="Stop sharing Morgan's Den with alex.rivera?")
    dialog.wait_for()
    dialog.get_by_role("button", name="Stop sharing").click()
    page.get_by_text("Morgan's Den is no longer shared with alex.rivera.").wait_for(timeout=20_000)
    assert ALEX_SHARE not in sim_shares(plexsim)


def test_without_javascript_the_last_library_is_confirmed_on_a_page(
    owner_page_without_js, plexsim, celery_worker_on_broker
) -> None:
    plexsim.mutate(op="set_share_libraries", shareId=ALEX_SHARE, sectionIds=[MOVIES])
    assert run_sync().outcome == "succeeded"
    page = owner_page_without_js
    open_den(page)
    page.get_by_role("button", name="Unshare Movies from alex.rivera (the last one").click()
    page.wait_for_url("**/stop/confirm/?library=*")
    assert "Movies is the only library alex.rivera has" in page.content()
    page.get_by_role("button", name="Stop sharing").click()
    page.get_by_text("Stopping sharing Morgan's Den with alex.rivera").wait_for()
    # The page refreshes itself until the change is done, then alex's row is gone.
    page.get_by_role("row", name="alex.rivera").wait_for(state="detached", timeout=20_000)
    assert ALEX_SHARE not in sim_shares(plexsim)


def test_without_javascript_a_bulk_removal_is_previewed_and_skips_the_last_library(
    owner_page_without_js, plexsim, celery_worker_on_broker, settings
) -> None:
    settings.BULK_PACE_SECONDS = 0.1
    plexsim.mutate(op="set_share_libraries", shareId=ALEX_SHARE, sectionIds=[MOVIES])
    assert run_sync().outcome == "succeeded"
    page = owner_page_without_js
    open_den(page)
    page.get_by_label("Library").select_option(label="Movies")
    page.get_by_label("Action").select_option(label="Remove it from")
    page.get_by_label("Who").select_option(label="all friends")
    page.get_by_role("button", name="Preview the change").click()
    assert "1 person would lose their last library on Morgan's Den" in page.content()
    assert page.get_by_label("Skip them: leave their access as it is").is_checked()
    page.get_by_role("button", name="Apply to plex.tv").click()
    page.wait_for_url("**/matrix/batches/*/")
    page.get_by_text("finished").wait_for(timeout=30_000)
    shares = sim_shares(plexsim)
    assert shares[ALEX_SHARE]["sectionIds"] == [MOVIES]
    assert shares[ALEX_SHARE]["allLibraries"] is False
    assert all(MOVIES not in shares[sid]["sectionIds"] for sid in (30007, 30009, 30011))


def test_a_bulk_removal_can_stop_sharing_with_who_loses_the_last_library(
    owner_page, plexsim, celery_worker_on_broker, settings
) -> None:
    settings.BULK_PACE_SECONDS = 0.1
    plexsim.mutate(op="set_share_libraries", shareId=ALEX_SHARE, sectionIds=[MOVIES])
    assert run_sync().outcome == "succeeded"
    page = owner_page
    open_den(page)
    page.get_by_label("Library").select_option(label="Movies")
    page.get_by_label("Action").select_option(label="Remove it from")
    page.get_by_label("Who").select_option(label="all friends")
    page.get_by_role("button", name="Preview the change").click()
    preview = page.locator("#bulk-preview")
    preview.get_by_label("Stop sharing Morgan's Den with them").check()
    preview.get_by_role("button", name="Apply to plex.tv").click()
    page.wait_for_url("**/matrix/batches/*/")
    page.locator("#batch-progress").get_by_text("finished").wait_for(timeout=30_000)
    assert "4 of 4" in page.locator("#batch-progress").inner_text()
    assert ALEX_SHARE not in sim_shares(plexsim)
