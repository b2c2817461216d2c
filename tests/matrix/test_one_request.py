"""What an edit costs plex.tv: the one share read and written, and a bulk batch that reads
each server's shares once and writes once per person, without merging into a stale answer."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from sharing import operations
from sharing.models import Operation, OperationBatch
from sharing.operations import batch_reads
from tests.matrix.conftest import (
    ALEX_SHARE,
    CHEN_SHARE,
    KIDS,
    MOVIES,
    MUSIC,
    PHOTOS,
    RUTH_SHARE,
    TV,
    library,
    page_key,
    run_all,
    share,
    sim_sections,
)

LISTING = "/api/servers/{}/shared_servers"


@pytest.fixture(autouse=True)
def no_batch_reads():  # type: ignore[no-untyped-def]
    batch_reads.clear()
    yield
    batch_reads.clear()


def share_requests(plexsim: Any) -> list[tuple[str, str]]:
    return [(r["method"], r["path"]) for r in plexsim.requests() if "shared_servers" in r["path"]]


def click(owner: Any, den: Any, target: Any) -> None:
    content = owner.client.get(f"/matrix/{den.pk}/").content.decode()
    owner.client.post(
        f"/matrix/{den.pk}/toggle/",
        {"cell": f"{target.pk}-{library(KIDS).pk}", "key": page_key(content)},
        headers={"HX-Request": "true"},
    )


def bulk_grant(owner: Any, den: Any, key: str) -> OperationBatch:
    owner.client.post(
        f"/matrix/{den.pk}/bulk/apply/",
        {"library": library(KIDS).pk, "action": "grant", "audience": "friends", "key": key},
    )
    return OperationBatch.objects.get()


def test_one_edit_reads_and_writes_only_its_share(owner, den, plexsim) -> None:
    click(owner, den, share(ALEX_SHARE))
    plexsim.clear_requests()
    run_all(Operation.objects.all())
    assert KIDS in sim_sections(plexsim, ALEX_SHARE)
    machine = den.machine_identifier
    assert share_requests(plexsim) == [
        ("GET", f"{LISTING.format(machine)}/{ALEX_SHARE}"),
        ("POST", f"/api/v2/shared_servers/{ALEX_SHARE}"),
    ]


def test_a_bulk_batch_reads_the_servers_shares_once_and_writes_once_per_person(
    owner, den, plexsim, settings
) -> None:
    settings.BULK_PACE_SECONDS = 0
    batch = bulk_grant(owner, den, "a" * 32)
    plexsim.clear_requests()
    run_all(batch.operations.order_by("pk"))
    assert batch.operations.filter(state=Operation.SUCCEEDED).count() == 3
    sent = share_requests(plexsim)
    assert sent[0] == ("GET", LISTING.format(den.machine_identifier))
    assert sorted(sent[1:]) == sorted(
        ("POST", f"/api/v2/shared_servers/{i}") for i in (ALEX_SHARE, CHEN_SHARE, RUTH_SHARE)
    )
    for shared_server_id in (ALEX_SHARE, CHEN_SHARE, RUTH_SHARE):
        assert KIDS in sim_sections(plexsim, shared_server_id)


def test_a_batch_read_older_than_its_limit_is_read_again(
    owner, den, plexsim, settings, monkeypatch
) -> None:
    settings.BULK_PACE_SECONDS = 0
    monkeypatch.setattr(batch_reads, "MAX_AGE", -1.0)
    batch = bulk_grant(owner, den, "b" * 32)
    plexsim.clear_requests()
    run_all(batch.operations.order_by("pk"))
    listing = ("GET", LISTING.format(den.machine_identifier))
    assert share_requests(plexsim).count(listing) == 3


def _change_at_plex_tv(plexsim: Any, shared_server_id: int) -> int:
    """Give the share one more library at plex.tv (not Kids Movies); returns it."""
    have = sim_sections(plexsim, shared_server_id)
    extra = next(g for g in (MOVIES, TV, MUSIC, PHOTOS) if g not in have)
    plexsim.mutate(op="set_share_libraries", shareId=shared_server_id, sectionIds=[*have, extra])
    return extra


def _later_op(batch: OperationBatch) -> tuple[Operation, Operation]:
    first, *rest = batch.operations.order_by("pk")
    operations.execute(first.pk)  # the batch's list of the server's shares is read now
    return first, rest[-1]


def test_a_share_plexadmin_changed_since_the_batch_read_is_read_on_its_own(
    owner, den, plexsim, settings
) -> None:
    settings.BULK_PACE_SECONDS = 0
    batch = bulk_grant(owner, den, "c" * 32)
    _, later = _later_op(batch)
    target = share_of(later)
    extra = _change_at_plex_tv(plexsim, target.shared_server_id)
    # plexadmin wrote this share after the list was read (another edit, a sync).
    type(target).objects.filter(pk=target.pk).update(updated_at=timezone.now())
    plexsim.clear_requests()
    assert operations.execute(later.pk).state == Operation.SUCCEEDED
    machine = den.machine_identifier
    assert share_requests(plexsim) == [
        ("GET", f"{LISTING.format(machine)}/{target.shared_server_id}"),
        ("POST", f"/api/v2/shared_servers/{target.shared_server_id}"),
    ]
    assert {KIDS, extra} <= set(sim_sections(plexsim, target.shared_server_id))


def test_a_retried_batch_edit_reads_its_share_on_its_own(owner, den, plexsim, settings) -> None:
    settings.BULK_PACE_SECONDS = 0
    batch = bulk_grant(owner, den, "d" * 32)
    _, later = _later_op(batch)
    target = share_of(later)
    extra = _change_at_plex_tv(plexsim, target.shared_server_id)
    Operation.objects.filter(pk=later.pk).update(attempts=1)  # a redelivery
    plexsim.clear_requests()
    assert operations.execute(later.pk).state == Operation.SUCCEEDED
    assert share_requests(plexsim)[0] == (
        "GET",
        f"{LISTING.format(den.machine_identifier)}/{target.shared_server_id}",
    )
    assert {KIDS, extra} <= set(sim_sections(plexsim, target.shared_server_id))


def test_a_share_gone_at_plex_tv_fails_with_the_same_message(owner, den, plexsim) -> None:
    click(owner, den, share(ALEX_SHARE))
    plexsim.mutate(op="remove_share", shareId=ALEX_SHARE)
    op = Operation.objects.get()
    assert operations.execute(op.pk).state == Operation.FAILED
    op.refresh_from_db()
    assert f"plex.tv no longer has {den.name} shared with" in op.message


def share_of(op: Operation) -> Any:
    return share(type(share(ALEX_SHARE)).objects.get(pk=op.target_id).shared_server_id)


def test_stopping_a_share_sends_one_delete_and_reads_nothing(owner, den, plexsim) -> None:
    from sharing import matrix

    target = share(RUTH_SHARE)
    op = matrix.stop(target, None, "s" * 32)
    assert op is not None
    plexsim.clear_requests()
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    assert share_requests(plexsim) == [
        ("DELETE", f"{LISTING.format(den.machine_identifier)}/{RUTH_SHARE}")
    ]
