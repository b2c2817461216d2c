"""The sync page in Chromium: "Sync now" queues a run on a real worker and the page follows it."""

from __future__ import annotations

import time

import pytest

from e2e.session import sign_in_browser
from sharing.models import PlexUser, Share, SyncRun

pytestmark = [pytest.mark.e2e, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# The demo household (plexsim README): 2 servers, 8 libraries, 9 people, 12 shares, 2 invites.
DEMO_ROWS = 2 + 8 + 9 + 12 + 2
DEMO_COMPARED = 9 + 12 + 2  # what a resync compares: people, shares, invites


def finished_run(*, after: int = 0, seconds: float = 30.0) -> SyncRun:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run = SyncRun.objects.filter(pk__gt=after).order_by("id").first()
        if run is not None and not run.active:
            return run
        time.sleep(0.1)
    raise AssertionError(f"no sync after {after} finished in {seconds} s")


@pytest.fixture
def signed_in_page(celery_worker_on_broker, browser_page, live_server, household):
    """The owner's browser. Signing in queues the household's first sync, which the worker
    (started first, so the task reaches it) runs before the test goes on."""
    sign_in_browser(browser_page, live_server, household)
    return browser_page


def cells(page, run: SyncRun) -> list[str]:  # type: ignore[no-untyped-def]
    return [text.strip() for text in page.locator(f"#sync-run-{run.pk} td").all_inner_texts()]


def test_sync_now_runs_on_the_worker_and_the_page_follows_it_to_the_end(
    signed_in_page, plexsim
) -> None:
    page = signed_in_page
    first = finished_run()
    assert first.outcome == SyncRun.SUCCEEDED
    # Slow plex.tv down so that the run is visibly under way before it finishes.
    plexsim.add_fault(action="delay", path="/api/users/", delay=2.5)

    page.goto("/sharing/sync/")
    assert cells(page, first)[2:4] == ["Succeeded", str(DEMO_ROWS)]
    page.get_by_role("button", name="Sync now").click()

    page.get_by_role("button", name="Syncing…").wait_for()
    assert page.get_by_role("button", name="Syncing…").is_disabled()
    run = SyncRun.objects.filter(pk__gt=first.pk).get()
    row = page.locator(f"#sync-run-{run.pk}")
    assert row.locator(".badge").inner_text() in ("Queued", "Running")
    assert "Sync now (" in row.inner_text()  # the trigger, with the admin who pressed it

    # The section polls every two seconds while a run is active, and stops when it is done.
    row.locator(".badge").get_by_text("Succeeded", exact=True).wait_for(timeout=20_000)
    page.get_by_role("button", name="Sync now").wait_for()
    assert page.locator("#sync-runs").get_attribute("hx-trigger") is None

    values = cells(page, run)
    created, updated, flagged, removed, unchanged, requests = values[3:9]
    assert (created, updated, flagged, removed) == ("0", "0", "0", "0")
    assert unchanged == str(DEMO_COMPARED)
    assert requests == str(1 + 4 + 2 * 2)  # "Sync now" rediscovers servers: one more request
    assert values[9].endswith(" s")
    assert float(values[9].removesuffix(" s")) >= 2.5
    assert (PlexUser.objects.count(), Share.objects.count()) == (9, 12)
