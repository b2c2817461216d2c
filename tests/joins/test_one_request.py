"""What a redemption costs plex.tv: the one share read and written when plexadmin knows the
person's share, the share created without reading the server's list when it knows none, and
the whole list read only when plex.tv says a share exists that plexadmin did not know of."""

from __future__ import annotations

from typing import Any

import pytest

from joins import services
from joins.models import Redemption
from sharing import operations
from sharing.models import Operation, Share
from tests.console.conftest import run_sync
from tests.joins.conftest import DEN, MOVIES, MUSIC, TV, make_link, new_account
from tests.joins.test_join_flow import sim_shares

pytestmark = pytest.mark.django_db

LISTING = f"/api/servers/{DEN}/shared_servers"


def share_requests(plexsim: Any) -> list[tuple[str, str]]:
    return [(r["method"], r["path"]) for r in plexsim.requests() if "shared_servers" in r["path"]]


def redeem(user_id: int, username: str, capture: Any, **link: Any) -> Operation:
    """`username` uses a fresh link; returns the redemption's operation, not yet run."""
    made, _code = make_link(**link)
    with capture(execute=False):
        redemption = services.redeem(made.pk, services.Account(user_id, username, "", ""))
    assert redemption.operation is not None
    return redemption.operation


def friend(plexsim: Any, username: str, sections: list[int]) -> int:
    """A friend with a share of `sections` on the den, read into plexadmin by a sync."""
    result = plexsim.mutate(
        op="add_friend",
        username=username,
        password="pw",
        servers=[{"machineIdentifier": DEN, "sectionIds": sections}],
    )
    run_sync()
    return int(result["userId"])


def test_a_new_account_is_shared_with_without_reading_the_servers_shares(
    synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    user_id = new_account(plexsim, "fresh")
    op = redeem(user_id, "fresh", django_capture_on_commit_callbacks)
    plexsim.clear_requests()
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    assert share_requests(plexsim) == [("POST", LISTING)]
    [share] = sim_shares(plexsim, user_id)
    assert sorted(share["sectionIds"]) == [MOVIES, TV]


def test_a_known_share_is_read_and_written_on_its_own(
    synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    user_id = friend(plexsim, "regular", [MUSIC])
    known = Share.objects.get(user__plex_id=user_id, server__machine_identifier=DEN)
    op = redeem(user_id, "regular", django_capture_on_commit_callbacks)
    plexsim.clear_requests()
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    assert share_requests(plexsim) == [
        ("GET", f"{LISTING}/{known.shared_server_id}"),
        ("POST", f"/api/v2/shared_servers/{known.shared_server_id}"),
    ]
    [share] = sim_shares(plexsim, user_id)
    assert sorted(share["sectionIds"]) == [MOVIES, TV, MUSIC]  # gained, nothing taken


def test_an_approved_request_costs_the_same(
    owner, synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    user_id = friend(plexsim, "waiting", [MUSIC])
    made, _code = make_link(needs_approval=True)
    with django_capture_on_commit_callbacks(execute=False):
        services.redeem(made.pk, services.Account(user_id, "waiting", "", ""))
        response = owner.client.post(f"/links/approvals/{Redemption.objects.get().pk}/approve/")
    assert response.status_code == 302
    op = Operation.objects.get(kind=services.REDEEM)
    plexsim.clear_requests()
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    assert ("GET", LISTING) not in share_requests(plexsim)
    assert len([r for r in share_requests(plexsim) if r[0] == "POST"]) == 1
    [share] = sim_shares(plexsim, user_id)
    assert sorted(share["sectionIds"]) == [MOVIES, TV, MUSIC]


def test_a_redelivered_run_reads_the_share_it_made_and_sends_nothing_more(
    synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    from accounts.plex import owner_client
    from joins.handlers import redeem_link

    user_id = new_account(plexsim, "again")
    op = redeem(user_id, "again", django_capture_on_commit_callbacks)
    redeem_link(owner_client(), op)  # the share is made, then the worker dies
    [made] = sim_shares(plexsim, user_id)
    plexsim.clear_requests()
    Operation.objects.filter(pk=op.pk).update(attempts=1)
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    assert share_requests(plexsim) == [("GET", f"{LISTING}/{made['id']}")]
    [share] = sim_shares(plexsim, user_id)
    assert share["id"] == made["id"]
    assert sorted(share["sectionIds"]) == [MOVIES, TV]


def test_a_share_plexadmin_did_not_know_of_is_found_in_the_list_and_only_gains(
    synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    result = plexsim.mutate(
        op="add_friend",
        username="unsynced",
        password="pw",
        servers=[{"machineIdentifier": DEN, "sectionIds": [MUSIC]}],
    )  # no sync: plexadmin does not know this share
    user_id = int(result["userId"])
    op = redeem(user_id, "unsynced", django_capture_on_commit_callbacks)
    plexsim.clear_requests()
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    sent = share_requests(plexsim)
    assert sent[0] == ("POST", LISTING)  # plex.tv answers "already sharing"
    assert sent.count(("GET", LISTING)) == 1
    [share] = sim_shares(plexsim, user_id)
    assert sorted(share["sectionIds"]) == [MOVIES, TV, MUSIC]


def test_a_known_share_gone_at_plex_tv_is_made_again_with_only_the_links_libraries(
    synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    user_id = friend(plexsim, "leaver", [MUSIC])
    known = Share.objects.get(user__plex_id=user_id, server__machine_identifier=DEN)
    plexsim.mutate(op="remove_share", shareId=known.shared_server_id)
    op = redeem(user_id, "leaver", django_capture_on_commit_callbacks)
    plexsim.clear_requests()
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    assert share_requests(plexsim) == [
        ("GET", f"{LISTING}/{known.shared_server_id}"),
        ("POST", LISTING),
    ]
    [share] = sim_shares(plexsim, user_id)
    assert sorted(share["sectionIds"]) == [MOVIES, TV]
