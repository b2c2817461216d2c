"""Bad answers from plex.tv never destroy the local picture (RELIABILITY scenarios 36 and 37)."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from plextv.errors import ApiChanged, PlexTVError, Unavailable
from sharing.models import AuditEvent, Invite, Library, PlexUser, Share, SyncRun
from sharing.sync import runs as services
from tests.sharing.conftest import CABIN, DEMO_OWNER_TOKEN, DEN


def _plex_get(plexsim: Any, path: str, **headers: str) -> str:
    response = requests.get(
        f"{plexsim.url}{path}",
        headers={"X-Plex-Token": DEMO_OWNER_TOKEN, "X-Plex-Client-Identifier": "t", **headers},
        timeout=10,
    )
    response.raise_for_status()
    return response.text


def _picture() -> dict[str, object]:
    """Everything a sync could change, in comparable form."""
    return {
        "people": sorted(
            PlexUser.objects.values_list(
                "plex_id", "title", "missing_since", "removed_locally_at", "version"
            )
        ),
        "shares": sorted(
            (s.shared_server_id, s.version, tuple(sorted(s.observed_state().items(), key=str)))
            for s in Share.objects.all()
        ),
        "invites": sorted(Invite.objects.values_list("shared_server_id", flat=True)),
        "events": AuditEvent.objects.count(),
    }


def test_it_flags_but_never_deletes_when_plextv_returns_no_users(db, plexsim, sync) -> None:
    sync()
    friends = PlexUser.objects.filter(home=False).count()
    plexsim.add_fault(
        action="status",
        path="/api/users/",
        status=200,
        body='<MediaContainer friendlyName="myPlex" size="0" totalSize="0"></MediaContainer>',
    )

    results = [sync() for _ in range(5)]

    assert f"plex.tv returned 0 users; {friends} expected." in results[0].warnings
    assert all(r.counts.removed == 0 for r in results)
    assert PlexUser.objects.filter(removed_locally_at__isnull=False).count() == 0
    flagged = PlexUser.objects.filter(missing_since__isnull=False)
    assert flagged.count() == friends
    assert set(flagged.values_list("missing_syncs", flat=True)) == {5}
    assert Share.objects.count() == 12


def test_it_prunes_flagged_people_once_an_admin_confirms(
    db, plexsim, sync, django_user_model
) -> None:
    sync()
    plexsim.add_fault(action="status", path="/api/users/", status=200, body="<MediaContainer/>")
    sync()
    admin = django_user_model.objects.create_user(username="admin")
    flagged = services.flagged_people()

    removed = services.confirm_prune([p.pk for p in flagged], admin)

    assert removed == len(flagged) == 6
    assert services.flagged_people() == []
    assert Share.objects.filter(user__home=False).count() == 0
    assert Share.objects.filter(user__home=True).count() == 5
    events = AuditEvent.objects.filter(action="person.pruned")
    assert events.count() == 6
    assert {e.actor_id for e in events} == {admin.pk}
    assert {e.source for e in events} == {AuditEvent.DASHBOARD}


def test_it_ignores_shares_on_a_machine_identifier_it_did_not_ask_for(db, plexsim, sync) -> None:
    sync()
    before = _picture()
    users = _plex_get(plexsim, "/api/users/").replace(DEN, "f" * 40)
    plexsim.add_fault(action="status", path="/api/users/", status=200, body=users)

    result = sync()

    assert result.counts.removed == 0
    assert _picture()["shares"] == before["shares"]


def test_it_ignores_a_server_answer_that_names_another_machine(db, plexsim, sync) -> None:
    sync()
    before = _picture()
    cabin = _plex_get(plexsim, f"/api/servers/{CABIN}")
    plexsim.add_fault(action="status", path=f"/api/servers/{DEN}", status=200, body=cabin)

    result = sync()

    assert any("libraries of another server" in w for w in result.warnings)
    assert result.counts.removed == 0
    assert _picture() == before
    den = Library.objects.filter(server__machine_identifier=DEN)
    assert den.count() == 5
    assert not den.filter(missing_since__isnull=False).exists()
    assert Library.objects.filter(server__machine_identifier=CABIN).count() == 3


BROKEN_ANSWERS = {
    "reset mid-body": {"action": "reset", "partial": True, "path": f"/api/servers/{CABIN}/*"},
    "truncated XML": {"action": "truncate", "path": "/api/home/users"},
    "HTML login page": {"action": "wrong_content_type", "path": f"/api/servers/{DEN}"},
    "5xx in the middle": {"action": "status", "status": 503, "path": f"/api/servers/{CABIN}"},
    "JSON with missing keys": {
        "action": "status",
        "status": 200,
        "path": "/api/v2/shared_servers/invites/owned/pending",
        "body": '[{"sharedServers": [{"name": "x"}]}]',
    },
}


@pytest.mark.parametrize("fault", BROKEN_ANSWERS.values(), ids=BROKEN_ANSWERS.keys())
def test_it_keeps_the_previous_picture_when_an_answer_breaks(db, plexsim, sync, fault) -> None:
    sync()
    plexsim.mutate(op="set_settings", userId=1001010, settings={"allowSync": False})
    plexsim.mutate(op="remove_friend", userId=1001012)
    before = _picture()
    plexsim.add_fault(**fault)

    with pytest.raises(PlexTVError) as raised:
        sync()

    assert isinstance(raised.value, (Unavailable, ApiChanged))
    assert raised.value.human_message
    assert _picture() == before


def test_it_fetches_every_page_of_a_paged_user_list(db, plexsim, sync) -> None:
    first_page = _plex_get(
        plexsim, "/api/users/", **{"X-Plex-Container-Start": "0", "X-Plex-Container-Size": "3"}
    )
    assert 'totalSize="9"' in first_page
    plexsim.add_fault(action="status", path="/api/users/", status=200, body=first_page, times=1)

    result = sync()

    assert PlexUser.objects.count() == 9
    assert Share.objects.count() == 12
    assert result.warnings == []


@pytest.mark.parametrize(
    ("path", "status", "body"),
    [
        ("/api/users/", 410, '<Response code="410" status="This endpoint was deprecated"/>'),
        (
            f"/api/servers/{DEN}/shared_servers",
            404,
            '<errors><error code="1002" message="The requested resource or endpoint could not '
            'be found" status="404"/></errors>',
        ),
    ],
    ids=["410 on the users list", "404 code 1002 on shared_servers"],
)
def test_it_marks_the_owner_api_changed_when_an_endpoint_is_gone(
    household, plexsim, path, status, body
) -> None:
    services.run_sync(triggered_by=SyncRun.SCHEDULE)
    before = _picture()
    plexsim.add_fault(action="status", path=path, status=status, body=body)

    run = services.run_sync(triggered_by=SyncRun.SCHEDULE)

    assert run is not None
    assert run.outcome == SyncRun.FAILED
    assert "plex.tv changed its API" in run.error_message
    assert "previous picture is kept" in run.error_message
    household.owner.refresh_from_db()
    assert household.owner.token_status == "api_changed"
    assert _picture() == before
    # With the account flagged, later syncs stop before calling plex.tv.
    seq = plexsim.requests()[-1]["seq"]
    later = services.run_sync(triggered_by=SyncRun.SCHEDULE)
    assert later is not None
    assert later.outcome == SyncRun.FAILED
    assert plexsim.requests(since=seq) == []
