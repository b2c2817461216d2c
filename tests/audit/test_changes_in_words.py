"""Changes in the audit trail read in words, on the page and in the CSV: library names instead
of ids, flags and filters as sentences, the Home and restriction profiles by name."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from sharing import operations
from sharing.forms import new_key
from sharing.models import AuditEvent, Operation
from sharing.templatetags.audit_tags import change_in_words
from tests.console.conftest import (  # noqa: F401  (fixtures)
    edit_form,
    person,
    run_sync,
    share_of,
    synced,
)

pytestmark = pytest.mark.django_db

MOVIES, TV, MUSIC = 118181361, 118181362, 118181363


def _run(client: Any, url: str, data: dict[str, Any], capture: Any) -> None:
    with capture(execute=False):
        response = client.post(url, data)
    assert response.status_code in (200, 302), response.content.decode()[:500]
    op = Operation.objects.filter(state=Operation.QUEUED).get()
    assert operations.execute(op.pk).state == Operation.SUCCEEDED


@pytest.fixture
def trail(owner, synced, edit_form, plexsim, django_capture_on_commit_callbacks):  # noqa: F811
    """Real events from the real code paths: a share edit, a Home invite, a new restriction
    profile, and a change made on plex.tv that the sync reports as drift."""
    share = share_of("alex.rivera")
    body = edit_form(
        share,
        libraries=[MOVIES, MUSIC],
        allow_sync=None,
        allow_channels="on",
        filter_movies__excluded_labels="Horror, Gore",
    )
    _run(owner.client, f"/people/shares/{share.pk}/edit/", body, django_capture_on_commit_callbacks)
    _run(
        owner.client,
        "/people/home/invite/send/",
        {"key": new_key(), "who": "priya"},
        django_capture_on_commit_callbacks,
    )
    ellie = person(title="Ellie")
    _run(
        owner.client,
        f"/people/{ellie.pk}/profile/",
        {"key": new_key(), "profile": "teen"},
        django_capture_on_commit_callbacks,
    )
    plexsim.mutate(op="set_settings", userId=1001010, settings={"filterMovies": "label=Kids"})
    run_sync()
    return share


def test_the_page_shows_changes_in_words(owner, trail) -> None:
    content = owner.client.get("/audit/").content.decode()
    changes = content[content.index("<tbody>") : content.index("</tbody>")]
    assert (
        '<span class="change-field" title="libraries">Libraries</span>: '
        "<del>Movies, TV Shows</del> → <ins>Movies, Music</ins>"
    ) in changes
    assert "<del>allowed</del> → <ins>not allowed</ins>" in changes
    assert "Movie filter</span>: <del>no filter</del> → <ins>not labelled Horror or Gore</ins>" in (
        changes
    )
    assert "<del>not labelled Horror or Gore</del> → <ins>only labelled Kids</ins>" in changes
    assert (
        "Plex Home</span>: <del>not in the Home</del> → <ins>invited into the Home</ins>" in changes
    )
    assert "Restriction profile</span>: <del>Younger Kid</del> → <ins>Teen</ins>" in changes
    for code in (str(MOVIES), "{&#x27;", "[", "False", "True", "little_kid", "label!="):
        assert code not in changes, code


def test_the_csv_says_the_same_words(owner, trail) -> None:
    response = owner.client.get("/audit/export.csv?source=dashboard")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    lines = {(row[6], row[7], row[8]) for row in rows[1:]}
    assert ("Libraries", "Movies, TV Shows", "Movies, Music") in lines
    assert ("Downloads", "allowed", "not allowed") in lines
    assert ("Plex Home", "not in the Home", "invited into the Home") in lines
    assert ("Restriction profile", "Younger Kid", "Teen") in lines
    text = "\n".join(",".join(row) for row in rows[1:])
    assert str(MOVIES) not in text
    assert {row[10] for row in rows[1:]} >= {"share.edit", "home.invite", "home.set_profile"}


def test_a_library_removed_since_reads_as_such() -> None:
    change = change_in_words(
        {"field": "libraries", "before": [11, "12"], "after": []}, {11: "Movies"}
    )
    assert change.before == "library 12 (no longer on the server), Movies"
    assert change.after == "none"


@pytest.mark.parametrize(
    ("change", "label", "before", "after"),
    [
        (
            {"field": "allow_tuners", "before": 0, "after": 2},
            "Live TV tuners",
            "No Live TV",
            "Live TV and DVR",
        ),
        (
            {"field": "filter_music", "before": None, "after": "contentRating=G%2CPG"},
            "Music filter",
            "no filter",
            "only rated G or PG",
        ),
        (
            {
                "field": "filter_television",
                "before": {"content_ratings": [], "labels": ["Kids"], "excluded_labels": []},
                "after": "",
            },
            "TV filter",
            "only labelled Kids",
            "no filter",
        ),
        (
            {"field": "filter_all", "before": "year>=1990", "after": "contentRating!=R"},
            "Filter for all",
            "other rules: year>=1990",
            "not rated R",
        ),
        ({"field": "protected", "before": False, "after": True}, "PIN", "no PIN", "PIN set"),
        ({"field": "pin", "before": "none", "after": "set"}, "PIN", "no PIN", "PIN set"),
        (
            {"field": "restriction_profile", "before": "", "after": "older_kid"},
            "Restriction profile",
            "No restrictions",
            "Older Kid",
        ),
        (
            {"field": "restriction_profile", "before": None, "after": "Younger Kid"},
            "Restriction profile",
            "—",
            "Younger Kid",
        ),
        ({"field": "kind", "before": "friend", "after": "home"}, "Kind", "Friend", "Home member"),
        (
            {"field": "servers", "before": None, "after": ["Den", "Cabin"]},
            "Servers",
            "—",
            "Den, Cabin",
        ),
        (
            {"field": "expires_at", "before": "2027-01-15T00:00:00+00:00", "after": None},
            "Access until",
            "2027-01-15 00:00 UTC",
            "—",
        ),
        ({"field": "view_state_sync", "before": None, "after": True}, "View-state sync", "—", "on"),
        (
            {"field": "some_new_thing", "before": {"a_b": True}, "after": [1, None]},
            "Some new thing",
            "A b: yes",
            "1, —",
        ),
        ({"before": 1}, "Change", "1", "—"),
    ],
)
def test_each_kind_of_change_reads_in_words(change, label, before, after) -> None:
    words = change_in_words(change, {})
    assert (words.label, words.before, words.after) == (label, before, after)


def test_odd_stored_changes_do_not_break_the_page(owner) -> None:
    AuditEvent.objects.create(
        source=AuditEvent.SYSTEM,
        target_type="share",
        action="share.edit",
        changes=[{"field": "libraries", "before": "all", "after": [None, "x"]}, "junk", 7],
    )
    AuditEvent.objects.create(
        source=AuditEvent.SYSTEM, target_type="share", action="share.edit", changes={"x": 1}
    )
    response = owner.client.get("/audit/")
    assert response.status_code == 200
    export = owner.client.get("/audit/export.csv")
    assert len(b"".join(export.streaming_content).decode().splitlines()) == 3
