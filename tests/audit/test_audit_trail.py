from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sharing.models import AuditEvent, PlexUser, Server, Share

URL = "/audit/"


@pytest.fixture
def events(owner):  # type: ignore[no-untyped-def]
    now = timezone.now()
    server = Server.objects.create(machine_identifier="m1", name="Den")
    kid = PlexUser.objects.create(plex_id=501, kind=PlexUser.MANAGED, title="Robin")
    friend = PlexUser.objects.create(plex_id=502, kind=PlexUser.FRIEND, title="Alex")
    share = Share.objects.create(user=friend, server=server)
    rows = [
        AuditEvent(
            source=AuditEvent.DASHBOARD,
            actor=owner.user,
            target_type="share",
            target_id=str(share.pk),
            target_label="Alex on Den",
            action="share.edit",
            changes=[{"field": "allow_sync", "before": False, "after": True}],
            created_at=now - timedelta(days=3),
        ),
        AuditEvent(
            source=AuditEvent.PLEXTV,
            target_type="plexuser",
            target_id=str(kid.plex_id),
            target_label="Robin",
            action="person.found",
            created_at=now - timedelta(hours=2),
        ),
        AuditEvent(
            source=AuditEvent.SYSTEM,
            target_type="invite",
            target_id="77",
            target_label='=HYPERLINK("http://evil.example")',
            action="invite.expired",
            result="failed",
            created_at=now - timedelta(minutes=5),
        ),
    ]
    AuditEvent.objects.bulk_create(rows)
    return {"kid": kid, "friend": friend}


def test_it_lists_events_newest_first_with_field_changes(owner, events) -> None:
    content = owner.client.get(URL).content.decode()
    assert content.index("invite.expired") < content.index("person.found")
    assert content.index("person.found") < content.index("share.edit")
    assert (
        '<span class="change-field" title="allow_sync">Downloads</span>: '
        "<del>not allowed</del> → <ins>allowed</ins>"
    ) in content
    assert "3 events." in content


@pytest.mark.parametrize(
    ("query", "expected", "absent"),
    [
        ("source=plex.tv", ["person.found"], ["share.edit", "invite.expired"]),
        ("q=alex", ["share.edit"], ["person.found"]),
        ("result=&source=system", ["invite.expired"], ["share.edit"]),
    ],
)
def test_it_filters_by_source_and_text(owner, events, query, expected, absent) -> None:
    content = owner.client.get(f"{URL}?{query}").content.decode()
    for action in expected:
        assert action in content
    for action in absent:
        assert action not in content


def test_it_filters_by_person_across_their_shares(owner, events) -> None:
    friend = events["friend"]
    content = owner.client.get(f"{URL}?person={friend.pk}").content.decode()
    assert "share.edit" in content
    assert "person.found" not in content
    kid = events["kid"]
    content = owner.client.get(f"{URL}?person={kid.pk}").content.decode()
    assert "person.found" in content
    assert "share.edit" not in content


def test_it_filters_by_actor_and_date(owner, events) -> None:
    content = owner.client.get(f"{URL}?actor={owner.user.pk}").content.decode()
    assert "share.edit" in content
    assert "person.found" not in content
    since = (timezone.now() - timedelta(days=1)).date().isoformat()
    content = owner.client.get(f"{URL}?since={since}").content.decode()
    assert "share.edit" not in content
    assert "invite.expired" in content


def test_it_explains_a_reversed_date_range_and_shows_nothing(owner, events) -> None:
    response = owner.client.get(f"{URL}?since=2030-01-02&until=2030-01-01")
    content = response.content.decode()
    assert response.status_code == 200
    assert "The start date is after the end date." in content
    assert "share.edit" not in content


def test_bad_filter_values_get_a_message_not_a_500(owner, events) -> None:
    for query in ("person=999999", "actor=abc", "since=yesterday", "source=nowhere", "page=-4"):
        response = owner.client.get(f"{URL}?{query}")
        assert response.status_code == 200, query


def test_it_says_when_nothing_has_happened_yet(owner) -> None:
    assert "Nothing has happened yet." in owner.client.get(URL).content.decode()


def test_it_paginates_with_the_filters_kept(owner) -> None:
    AuditEvent.objects.bulk_create(
        AuditEvent(source=AuditEvent.SYSTEM, target_type="x", action=f"tick.{n}")
        for n in range(120)
    )
    content = owner.client.get(f"{URL}?source=system&page=2").content.decode()
    assert "Page 2 of 3" in content
    assert "?source=system&amp;page=3" in content


def test_queries_do_not_grow_with_the_number_of_events(owner) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            owner.client.get(URL)
        return len(queries)

    AuditEvent.objects.create(
        source=AuditEvent.DASHBOARD, actor=owner.user, target_type="x", action="a"
    )
    few = count()
    AuditEvent.objects.bulk_create(
        AuditEvent(source=AuditEvent.DASHBOARD, actor=owner.user, target_type="x", action="b")
        for _ in range(40)
    )
    assert count() == few


def test_htmx_gets_only_the_results(owner, events) -> None:
    response = owner.client.get(f"{URL}?source=system", headers={"HX-Request": "true"})
    content = response.content.decode()
    assert content.lstrip().startswith('<section id="audit-results"')
    assert "<html" not in content


def test_the_csv_export_has_one_row_per_change_and_defuses_formulas(owner, events) -> None:
    response = owner.client.get("/audit/export.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="plexadmin-audit-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][0] == "time (UTC)"
    assert rows[0][-1] == "action code"
    assert len(rows) == 4
    by_action = {row[-1]: row for row in rows[1:]}
    edit = by_action["share.edit"]
    assert edit[1:10] == [
        "Dashboard",
        owner.account.display_name,
        "Edited a share",
        "Share",
        "Alex on Den",
        "Downloads",
        "not allowed",
        "allowed",
        "ok",
    ]
    assert by_action["person.found"][2] == "plex.tv"
    assert by_action["invite.expired"][5].startswith("'=HYPERLINK")


def test_the_csv_export_applies_the_filters(owner, events) -> None:
    response = owner.client.get("/audit/export.csv?source=plex.tv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row[-1] for row in rows[1:]] == ["person.found"]
    bad = owner.client.get("/audit/export.csv?since=2030-01-02&until=2030-01-01")
    assert bad.status_code == 400


@pytest.mark.parametrize("url", [URL, "/audit/export.csv"])
def test_only_admins_see_it(url, co_admin, member, outsider, anonymous, events) -> None:
    assert co_admin.client.get(url).status_code == 200
    assert member.client.get(url).status_code == 403
    assert outsider.client.get(url).status_code == 403
    response = anonymous.client.get(url)
    assert response.status_code == 302
    assert "/accounts/" in response["Location"]


def test_it_rejects_post(owner) -> None:
    assert owner.client.post(URL).status_code == 405
    assert owner.client.post("/audit/export.csv").status_code == 405


def test_actions_read_as_words_with_the_code_on_hover(owner, events) -> None:
    content = owner.client.get(URL).content.decode()
    assert '<strong title="share.edit">Edited a share</strong>' in content
    assert '<strong title="invite.expired">Invite expired</strong>' in content


def _export_link(content: str) -> str:
    start = content.index('id="audit-export" href="') + len('id="audit-export" href="')
    return content[start : content.index('"', start)].replace("&amp;", "&")


def test_the_export_link_follows_the_filters_of_an_htmx_update(owner, events) -> None:
    """The filter form updates only the results through htmx: the export link is among them."""
    response = owner.client.get(f"{URL}?q=&source=plex.tv&since=", headers={"HX-Request": "true"})
    content = response.content.decode()
    assert content.lstrip().startswith('<section id="audit-results"')
    link = _export_link(content)
    assert link == "/audit/export.csv?q=&source=plex.tv&since="
    assert "Export these 1 event as CSV" in content
    exported = owner.client.get(link)
    rows = list(csv.reader(io.StringIO(b"".join(exported.streaming_content).decode())))
    assert [row[-1] for row in rows[1:]] == ["person.found"]


def test_the_export_link_keeps_the_filters_but_not_the_page(owner) -> None:
    AuditEvent.objects.bulk_create(
        AuditEvent(source=AuditEvent.SYSTEM, target_type="x", action=f"tick.{n}") for n in range(60)
    )
    content = owner.client.get(f"{URL}?source=system&page=2").content.decode()
    assert _export_link(content) == "/audit/export.csv?source=system"
    assert "Export these 60 events as CSV" in content
    everything = owner.client.get(URL).content.decode()
    assert _export_link(everything) == "/audit/export.csv"
    assert "Export all 60 events as CSV" in everything


def test_invalid_filters_say_why_in_the_results_and_offer_no_export(owner, events) -> None:
    response = owner.client.get(
        f"{URL}?since=2030-01-02&until=2030-01-01", headers={"HX-Request": "true"}
    )
    content = response.content.decode()
    assert "These filters are not valid: The start date is after the end date." in content
    assert 'id="audit-export"' not in content
    bad_date = owner.client.get(f"{URL}?since=yesterday", headers={"HX-Request": "true"})
    assert "Since: Enter a valid date." in bad_date.content.decode()
