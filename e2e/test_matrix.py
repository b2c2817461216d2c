from __future__ import annotations

import pytest

from e2e.session import sign_in_browser
from sharing.services import run_sync
from tests.personas import household, plex_settings  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

KIDS = 118181365


@pytest.fixture
def owner_page(browser_page, live_server, household):  # noqa: F811
    sign_in_browser(browser_page, live_server, household)
    return browser_page


def test_a_bulk_grant_runs_to_completion_with_its_progress_bar(
    owner_page, plexsim, celery_worker_on_broker, settings
) -> None:
    settings.BULK_PACE_SECONDS = 0.2
    assert run_sync().outcome == "succeeded"
    page = owner_page
    page.goto("/matrix/")
    page.get_by_role("navigation", name="Servers").get_by_role("link", name="Morgan's Den").click()
    page.get_by_label("Library").select_option(label="Kids Movies")
    page.get_by_label("Who").select_option(label="all friends")
    page.get_by_role("button", name="Apply to plex.tv").click()
    page.wait_for_url("**/matrix/batches/*/")
    assert page.get_by_role("heading", level=1).inner_text() == "Share Kids Movies with 3 people"
    progress = page.locator("#batch-progress")
    progress.get_by_text("finished").wait_for(timeout=30_000)
    assert "3 of 3" in progress.inner_text()
    assert page.locator("progress").get_attribute("value") == "3"
    shares = {s["id"]: s for s in plexsim.state()["shares"]}
    assert all(KIDS in shares[sid]["sectionIds"] for sid in (30006, 30009, 30011))


def test_a_cell_click_shows_the_change_live(owner_page, plexsim, celery_worker_on_broker) -> None:
    assert run_sync().outcome == "succeeded"
    page = owner_page
    page.goto("/matrix/")
    page.get_by_role("navigation", name="Servers").get_by_role("link", name="Morgan's Den").click()
    cell = page.get_by_role("button", name="Share Kids Movies with alex.rivera")
    cell.click()
    page.get_by_role("button", name="Unshare Kids Movies from alex.rivera").wait_for(timeout=20_000)
    shares = {s["id"]: s for s in plexsim.state()["shares"]}
    assert KIDS in shares[30006]["sectionIds"]
