"""Renewing access: one click on the person page, or a batch from Access over time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sharing import operations
from sharing.forms import new_key
from sharing.models import AuditEvent, Operation, Share
from tests.console.conftest import plex_writes, share_of

pytestmark = pytest.mark.django_db


def ends_in(share: Share, delta: timedelta | None) -> Share:
    share.expires_at = None if delta is None else timezone.now() + delta
    share.save(update_fields=["expires_at"])
    return share


def renew_one(client, share: Share, capture, **data):  # type: ignore[no-untyped-def]
    with capture(execute=False):
        return client.post(f"/lifecycle/shares/{share.pk}/renew/", {"key": new_key(), **data})


def test_plus_30_days_counts_from_the_current_end_and_touches_nothing_at_plex_tv(
    owner, synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    alex = ends_in(share_of("alex.rivera"), timedelta(days=10))
    old_end = alex.expires_at
    assert old_end is not None
    response = renew_one(owner.client, alex, django_capture_on_commit_callbacks, extend="30")
    assert response.status_code == 302
    [op] = Operation.objects.filter(kind="share.edit", target_id=str(alex.pk))
    assert operations.execute(op.pk).state == Operation.SUCCEEDED

    alex.refresh_from_db()
    assert alex.expires_at is not None
    assert timezone.localtime(alex.expires_at).date() == (
        timezone.localtime(old_end).date() + timedelta(days=30)
    )
    assert plex_writes(plexsim) == []
    audit = AuditEvent.objects.get(action="share.edit", target_id=str(alex.pk))
    assert audit.changes[0]["field"] == "expires_at"


def test_forever_removes_the_end(owner, synced, django_capture_on_commit_callbacks) -> None:
    alex = ends_in(share_of("alex.rivera"), timedelta(days=2))
    renew_one(owner.client, alex, django_capture_on_commit_callbacks, extend="forever")
    [op] = Operation.objects.filter(kind="share.edit")
    operations.execute(op.pk)
    alex.refresh_from_db()
    assert alex.expires_at is None


def test_it_never_shortens_access(owner, synced, django_capture_on_commit_callbacks) -> None:
    forever = ends_in(share_of("alex.rivera"), None)
    renew_one(owner.client, forever, django_capture_on_commit_callbacks, extend="30")
    later = ends_in(share_of("chen.li"), timedelta(days=100))
    soon = (timezone.localdate() + timedelta(days=5)).isoformat()
    renew_one(owner.client, later, django_capture_on_commit_callbacks, extend="date", until=soon)
    assert not Operation.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"extend": "date"},
        {"extend": "date", "until": "2001-01-01"},
        {"extend": "date", "until": "not a date"},
        {"extend": "1000"},
        {},
    ],
)
def test_bad_input_changes_nothing(owner, synced, data, django_capture_on_commit_callbacks) -> None:
    alex = ends_in(share_of("alex.rivera"), timedelta(days=2))
    response = renew_one(owner.client, alex, django_capture_on_commit_callbacks, **data)
    assert response.status_code == 302
    assert not Operation.objects.exists()


@pytest.mark.parametrize("persona", ["member", "outsider"])
def test_it_refuses_non_admins(persona, request, synced) -> None:
    who = request.getfixturevalue(persona)
    alex = share_of("alex.rivera")
    response = who.client.post(
        f"/lifecycle/shares/{alex.pk}/renew/", {"key": new_key(), "extend": "30"}
    )
    assert response.status_code == 403
    assert (
        who.client.post(
            "/lifecycle/renew/", {"key": new_key(), "extend": "30", "shares": [alex.pk]}
        ).status_code
        == 403
    )


def test_it_rejects_get(owner, synced) -> None:
    assert owner.client.get("/lifecycle/renew/").status_code == 405


def test_a_batch_renews_the_people_ticked_and_shows_its_progress(
    owner, synced, django_capture_on_commit_callbacks
) -> None:
    alex = ends_in(share_of("alex.rivera"), timedelta(days=3))
    chen = ends_in(share_of("chen.li"), timedelta(days=1))
    forever = ends_in(share_of("priya"), None)
    key = new_key()
    body = {"key": key, "extend": "90", "shares": [alex.pk, chen.pk, forever.pk]}
    with django_capture_on_commit_callbacks(execute=False):
        response = owner.client.post("/lifecycle/renew/", body)
        again = owner.client.post("/lifecycle/renew/", body)
    ops = list(Operation.objects.filter(kind="share.edit").order_by("pk"))
    assert {op.target_id for op in ops} == {str(alex.pk), str(chen.pk)}
    batch = ops[0].batch
    assert batch is not None
    assert all(op.batch == batch for op in ops)
    assert response["Location"] == f"/matrix/batches/{batch.pk}/"
    assert again["Location"] == response["Location"]  # the form sent twice: one batch
    for op in ops:
        operations.execute(op.pk)
    page = owner.client.get(f"/matrix/batches/{batch.pk}/")
    assert "2 of 2" in page.content.decode()
    forever.refresh_from_db()
    assert forever.expires_at is None


def test_a_batch_with_nobody_ticked_says_so(owner, synced) -> None:
    response = owner.client.post("/lifecycle/renew/", {"key": new_key(), "extend": "30"})
    assert response.status_code == 400
    assert "Tick at least one person" in response.content.decode()
    assert not Operation.objects.exists()
