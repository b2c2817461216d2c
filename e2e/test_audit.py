"""The audit trail in Chromium: filtering through htmx updates the Export CSV link, and the
file it downloads holds exactly the events the page shows."""

from __future__ import annotations

import csv
import io

import pytest

from e2e.session import sign_in_browser
from sharing.models import AuditEvent

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def trail(household):
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                source=AuditEvent.DASHBOARD,
                target_type="share",
                target_label="Alex on Den",
                action="share.edit",
                changes=[{"field": "allow_sync", "before": False, "after": True}],
            ),
            AuditEvent(
                source=AuditEvent.PLEXTV,
                target_type="plexuser",
                target_label="Robin",
                action="person.found",
            ),
            AuditEvent(
                source=AuditEvent.PLEXTV,
                target_type="share",
                target_label="Kai on Den",
                action="share.drift",
                changes=[{"field": "filter_movies", "before": "", "after": "label!=Horror"}],
            ),
        ]
    )


def test_the_export_follows_the_source_filter(browser_page, live_server, household, trail):
    page = browser_page
    sign_in_browser(page, live_server, household)
    page.goto("/audit/")
    export = page.locator("#audit-export")
    assert export.get_attribute("href") == "/audit/export.csv"
    assert export.inner_text() == "Export all 3 events as CSV"

    page.get_by_label("Source").select_option("plex.tv")
    page.wait_for_url("**/audit/?*source=plex.tv*")
    page.get_by_text("Export these 2 events as CSV").wait_for()
    href = export.get_attribute("href") or ""
    assert href.startswith("/audit/export.csv?")
    assert "source=plex.tv" in href
    assert (
        "Movie filter: no filter → not labelled Horror"
        in page.locator("#audit-results").inner_text()
    )

    with page.expect_download() as download:
        export.click()
    with open(download.value.path(), encoding="utf-8") as exported:
        rows = list(csv.reader(io.StringIO(exported.read())))
    assert sorted(row[-1] for row in rows[1:]) == ["person.found", "share.drift"]
