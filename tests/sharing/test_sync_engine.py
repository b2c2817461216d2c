"""The sync engine against plexsim's demo household: the picture, the cost, the drift."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from sharing.models import AuditEvent, Invite, Library, PlexUser, Server, Share, SyncRun
from sharing.sync.engine import sync_household
from tests.sharing.conftest import CABIN, DEMO_OWNER_ID, DEN

WRITES = ("INSERT", "UPDATE", "DELETE")


def _writes(queries: list[dict[str, str]]) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]


def test_it_mirrors_the_demo_household_field_by_field(db, plexsim, sync) -> None:
    result = sync()
    state = plexsim.state()

    owned = [s for s in state["servers"] if s["ownerId"] == DEMO_OWNER_ID]
    assert {s.machine_identifier: s.name for s in Server.objects.all()} == {
        s["machineIdentifier"]: s["name"] for s in owned
    }
    expected_libraries = {
        (sec["id"], sec["key"], sec["title"], sec["type"], s["machineIdentifier"])
        for s in owned
        for sec in s["sections"]
    }
    assert {
        (lib.global_id, lib.key, lib.title, lib.type, lib.server.machine_identifier)
        for lib in Library.objects.select_related("server")
    } == expected_libraries

    accounts = {a["id"]: a for a in state["accounts"]}
    relations = {
        r["userId"]: r["settings"]
        for r in state["relations"]
        if r["ownerId"] == DEMO_OWNER_ID and r["userId"] and r["accepted"]
    }
    home_members = set(state["homes"][0]["memberIds"]) - {DEMO_OWNER_ID}
    people = {u.plex_id: u for u in PlexUser.objects.all()}
    assert set(people) == set(relations) | home_members
    for plex_id, person in people.items():
        account = accounts[plex_id]
        assert person.email == (account.get("email") or "")
        assert person.home == (plex_id in home_members)
        assert person.restriction_profile == (account.get("restrictionProfile") or "")
        expected_kind = (
            "managed"
            if account.get("restricted")
            else "home"
            if plex_id in home_members
            else "friend"
        )
        assert person.kind == expected_kind
    assert people[1001003].protected is True  # Ellie has a PIN
    assert people[1001003].uuid  # Home members' uuids come from the Home list

    sections = {s["machineIdentifier"]: [sec["id"] for sec in s["sections"]] for s in owned}
    accepted = [
        s
        for s in state["shares"]
        if s["ownerId"] == DEMO_OWNER_ID and s.get("userId") and s["accepted"]
    ]
    shares = {s.shared_server_id: s for s in Share.objects.select_related("user", "server")}
    assert set(shares) == {s["id"] for s in accepted}
    for seen in accepted:
        share = shares[seen["id"]]
        wanted = sections[seen["machineIdentifier"]] if seen["allLibraries"] else seen["sectionIds"]
        assert share.user.plex_id == seen["userId"]
        assert share.server.machine_identifier == seen["machineIdentifier"]
        assert sorted(share.libraries.values_list("global_id", flat=True)) == sorted(wanted)
        assert share.all_libraries == seen["allLibraries"]
        person = relations[seen["userId"]]
        assert share.allow_sync == person["allowSync"]
        assert share.allow_camera_upload == person["allowCameraUpload"]
        assert share.allow_channels == person["allowChannels"]
        assert share.allow_tuners == person["allowTuners"]
        assert share.filter_movies == person["filterMovies"]
        assert share.filter_television == person["filterTelevision"]
        assert share.filter_music == person["filterMusic"]
        assert share.desired == share.observed_state()

    pending = [s for s in state["shares"] if s["ownerId"] == DEMO_OWNER_ID and not s["accepted"]]
    invites = {i.shared_server_id: i for i in Invite.objects.all()}
    assert set(invites) == {s["id"] for s in pending}
    assert invites[30014].email == "nina@example.com"
    assert invites[30013].username == "kai"
    assert sorted(invites[30014].libraries.values_list("global_id", flat=True)) == [
        118181361,
        118181362,
    ]
    assert result.counts.created == 2 + 8 + 9 + 12 + 2
    assert result.warnings == []


def test_it_reads_the_household_in_4_plus_2_requests_per_server(db, plexsim, sync) -> None:
    first = sync()
    seq = plexsim.requests()[-1]["seq"]
    again = sync()
    log = plexsim.requests(since=seq)

    assert first.requests == 1 + 4 + 2 * 2  # the first sync also asks for the owner's servers
    assert again.requests == 4 + 2 * 2 == len(log)
    assert {entry["path"] for entry in log} == {
        "/api/users/",
        "/api/home/users",
        "/api/v2/shared_servers/invites/owned/pending",
        "/api/v2/friends",
        f"/api/servers/{DEN}",
        f"/api/servers/{DEN}/shared_servers",
        f"/api/servers/{CABIN}",
        f"/api/servers/{CABIN}/shared_servers",
    }


def test_it_writes_nothing_when_nothing_changed(db, plexsim, sync, owner_client) -> None:
    sync()
    run = SyncRun.objects.create(owner_plex_id=DEMO_OWNER_ID)
    with CaptureQueriesContext(connection) as queries:
        result = sync_household(owner_client, DEMO_OWNER_ID, run)

    assert _writes(queries.captured_queries) == []
    assert result.counts.created == result.counts.updated == result.counts.removed == 0
    assert result.counts.unchanged == 9 + 12 + 2


def test_it_records_drift_per_field_when_plextv_changes_a_share(db, plexsim, sync) -> None:
    sync()
    plexsim.mutate(op="set_settings", userId=1001010, settings={"allowSync": False})
    plexsim.mutate(op="set_share_libraries", shareId=30006, sectionIds=[118181361])

    result = sync()

    share = Share.objects.get(shared_server_id=30006)
    assert share.allow_sync is False
    assert list(share.libraries.values_list("global_id", flat=True)) == [118181361]
    assert share.version == 2
    assert result.counts.updated == 1
    event = AuditEvent.objects.get(action="share.drift")
    assert event.source == AuditEvent.PLEXTV
    assert event.target_label == "alex.rivera on Morgan's Den"
    assert sorted(event.changes, key=lambda c: c["field"]) == [
        {"field": "allow_sync", "before": True, "after": False},
        {"field": "libraries", "before": [118181361, 118181362], "after": [118181361]},
    ]
    assert [d.field for d in share.drift()] == ["libraries", "allow_sync"]


def test_it_does_not_report_drift_again_for_the_same_difference(db, plexsim, sync) -> None:
    sync()
    plexsim.mutate(op="set_settings", userId=1001011, settings={"filterMovies": ""})
    sync()
    sync()

    assert AuditEvent.objects.filter(action="share.drift").count() == 1
    assert Share.objects.get(shared_server_id=30007).filter_movies == ""


def test_it_audits_people_who_appear_and_flags_people_who_vanish(
    db, plexsim, sync, settings
) -> None:
    settings.SYNC_PRUNE_AFTER = 2
    sync()
    added = plexsim.mutate(
        op="add_friend", username="zoe", servers=[{"machineIdentifier": DEN, "sectionIds": None}]
    )
    plexsim.mutate(op="remove_friend", userId=1001012)

    first = sync()

    zoe = PlexUser.objects.get(plex_id=added["userId"])
    assert zoe.username == "zoe"
    assert AuditEvent.objects.filter(action="person.found", target_id=str(zoe.plex_id)).exists()
    tomasz = PlexUser.objects.get(plex_id=1001012)
    assert tomasz.flagged
    assert tomasz.missing_syncs == 1
    assert tomasz.removed_locally_at is None
    assert tomasz.shares.count() == 1  # kept until the removal is confirmed
    assert first.counts.flagged == 1
    assert AuditEvent.objects.filter(action="person.missing", target_id="1001012").count() == 1

    second = sync()

    tomasz.refresh_from_db()
    assert tomasz.removed_locally_at is not None
    assert tomasz.shares.count() == 0
    assert second.counts.removed == 1
    assert AuditEvent.objects.filter(action="person.removed", target_id="1001012").exists()


def test_it_clears_the_flag_when_a_person_comes_back(db, plexsim, sync) -> None:
    sync()
    plexsim.add_fault(
        action="status",
        path="/api/users/",
        status=200,
        times=1,
        body='<MediaContainer friendlyName="myPlex" size="0" totalSize="0"/>',
    )
    sync()
    # The six friends vanish; the Home members still come from the Home list.
    assert PlexUser.objects.filter(missing_since__isnull=False).count() == 6

    sync()

    assert PlexUser.objects.filter(missing_since__isnull=False).count() == 0
    assert AuditEvent.objects.filter(action="person.back").count() == 6


def test_it_removes_a_share_unshared_at_plextv_and_audits_it(db, plexsim, sync) -> None:
    sync()
    plexsim.mutate(op="remove_share", shareId=30010)

    result = sync()

    assert not Share.objects.filter(shared_server_id=30010).exists()
    assert Share.objects.filter(shared_server_id=30009).exists()  # chen.li keeps the Den
    assert result.counts.removed == 1
    event = AuditEvent.objects.get(action="share.removed")
    assert event.target_label == "chen.li on Cabin NAS"


def test_it_replaces_invites_that_were_accepted(db, plexsim, sync) -> None:
    sync()
    plexsim.accept_invite(30013)

    sync()

    assert set(Invite.objects.values_list("shared_server_id", flat=True)) == {30014}
    kai_share = Share.objects.get(shared_server_id=30013)
    assert kai_share.user.username == "kai"
    assert AuditEvent.objects.filter(action="invite.gone", target_id="30013").exists()
