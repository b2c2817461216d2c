"""The access length chosen when inviting: carried on the operation, applied to the new share."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from lifecycle.models import AppliedTerm
from lifecycle.terms import apply_terms
from sharing.forms import new_key
from sharing.models import AuditEvent, Operation, Share
from tests.console.conftest import DEN, share_of

pytestmark = pytest.mark.django_db

MOVIES, TV = 118181361, 118181362


def invite(client, capture, **extra: Any) -> Operation:  # type: ignore[no-untyped-def]
    data = {
        "key": new_key(),
        "who": "new.friend@example.com",
        "libraries": [MOVIES, TV],
        "allow_tuners": "0",
        **extra,
    }
    with capture(execute=False):
        response = client.post("/people/invite/send/", data)
    assert response.status_code == 302, response.content.decode()[:400]
    return Operation.objects.get(kind="friend.invite")


def test_the_invite_form_offers_an_access_length(owner, synced) -> None:
    page = owner.client.get("/people/invite/").content.decode()
    assert 'name="access_days"' in page
    assert "30 days" in page


def test_the_length_chosen_is_on_the_operation(
    owner, synced, django_capture_on_commit_callbacks
) -> None:
    op = invite(owner.client, django_capture_on_commit_callbacks, access_days="30")
    assert op.params["access_days"] == 30


def test_no_length_means_no_end(owner, synced, django_capture_on_commit_callbacks) -> None:
    op = invite(owner.client, django_capture_on_commit_callbacks)
    assert "access_days" not in op.params


def test_a_length_that_is_not_offered_is_refused(
    owner, synced, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        response = owner.client.post(
            "/people/invite/send/",
            {"key": new_key(), "who": "x@example.com", "libraries": [MOVIES], "allow_tuners": "0",
             "access_days": "100000"},
        )  # fmt: skip
    assert response.status_code == 400
    assert not Operation.objects.exists()


def accepted_invite(days: int, address: str, *, created_before: Share) -> Operation:
    """A finished invite of `address` to the Den, made just before `created_before` appeared."""
    op = Operation.objects.create(
        kind="friend.invite",
        target_type="invitee",
        target_id=address,
        params={"address": address, "servers": [{"machine": DEN, "libraries": [MOVIES]}],
                "access_days": days},
        state=Operation.SUCCEEDED,
        idempotency_key=new_key(),
        created_at=created_before.created_at - timedelta(minutes=5),
    )  # fmt: skip
    return op


def test_the_share_the_invite_brought_gets_its_end_once(synced) -> None:
    alex = share_of("alex.rivera")
    op = accepted_invite(30, "alex.rivera@example.com", created_before=alex)

    assert apply_terms() == 1
    alex.refresh_from_db()
    assert alex.expires_at is not None
    assert timezone.localtime(alex.expires_at).date() == (
        timezone.localtime(alex.created_at).date() + timedelta(days=30)
    )
    assert AuditEvent.objects.filter(action="lifecycle.term", target_id=str(alex.pk)).exists()

    # The admin gives "forever" afterwards: the invite's length is not applied again.
    Share.objects.filter(pk=alex.pk).update(expires_at=None)
    assert apply_terms() == 0
    alex.refresh_from_db()
    assert alex.expires_at is None
    assert AppliedTerm.objects.filter(operation=op).count() == 1


def test_access_someone_had_before_the_invite_keeps_no_end(synced) -> None:
    alex = share_of("alex.rivera")
    Operation.objects.create(
        kind="friend.invite",
        target_type="invitee",
        target_id="alex.rivera",
        params={"address": "alex.rivera", "servers": [{"machine": DEN, "libraries": [MOVIES]}],
                "access_days": 7},
        state=Operation.SUCCEEDED,
        idempotency_key=new_key(),
        created_at=alex.created_at + timedelta(minutes=5),
    )  # fmt: skip
    assert apply_terms() == 0
    alex.refresh_from_db()
    assert alex.expires_at is None


def test_a_managed_user_gets_the_length_chosen_on_its_form(
    owner, synced, django_capture_on_commit_callbacks
) -> None:
    data = {"key": new_key(), "name": "Kiddo", "libraries": [MOVIES], "allow_tuners": "0",
            "access_days": "7"}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=False):
        response = owner.client.post("/people/home/new/create/", data)
    assert response.status_code == 302, response.content.decode()[:400]
    op = Operation.objects.get(kind="home.create_managed")
    assert op.params["access_days"] == 7

    # Once plex.tv made the profile (its id on the row) and a sync saw its share:
    kid = share_of("alex.rivera")
    Operation.objects.filter(pk=op.pk).update(
        state=Operation.SUCCEEDED,
        params={**op.params, "created_id": kid.user.plex_id, "servers": [{"machine": DEN}]},
        created_at=kid.created_at - timedelta(minutes=1),
    )
    assert apply_terms() == 1
    kid.refresh_from_db()
    assert kid.expires_at is not None
