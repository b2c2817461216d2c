"""Cancel and resend a pending invite."""

from __future__ import annotations

from typing import Any

import pytest

from sharing import operations
from sharing.forms import new_key
from sharing.models import Invite, Operation
from tests.console.conftest import DEN

pytestmark = pytest.mark.django_db

KAI_SHARE, NINA_SHARE = 30013, 30014


def pending_at_sim(plexsim: Any) -> dict[int, dict[str, Any]]:
    return {s["id"]: s for s in plexsim.state()["shares"] if not s["accepted"]}


def act(client, invite: Invite, which: str, capture) -> Operation:  # type: ignore[no-untyped-def]
    with capture(execute=False):
        response = client.post(f"/people/invites/{invite.pk}/{which}/", {"key": new_key()})
    assert response.status_code == 302
    return Operation.objects.get(target_type=Operation.TARGET_INVITE, target_id=str(invite.pk))


def test_the_pending_list_links_to_both_confirmations(owner, synced) -> None:
    nina = Invite.objects.get(shared_server_id=NINA_SHARE)
    html = owner.client.get("/people/", {"kind": "pending"}).content.decode()
    assert f"/people/invites/{nina.pk}/resend/confirm/" in html
    assert f"/people/invites/{nina.pk}/cancel/confirm/" in html
    confirm = owner.client.get(f"/people/invites/{nina.pk}/cancel/confirm/").content.decode()
    assert "Cancel the invite to nina@example.com?" in confirm


def test_it_cancels_an_invite(owner, synced, plexsim, django_capture_on_commit_callbacks) -> None:
    nina = Invite.objects.get(shared_server_id=NINA_SHARE)
    op = act(owner.client, nina, "cancel", django_capture_on_commit_callbacks)
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    assert NINA_SHARE not in pending_at_sim(plexsim)
    assert not Invite.objects.filter(pk=nina.pk).exists()


def test_it_resends_an_invite_with_the_same_access(
    owner, synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    kai = Invite.objects.get(shared_server_id=KAI_SHARE)
    op = act(owner.client, kai, "resend", django_capture_on_commit_callbacks)
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    pending = pending_at_sim(plexsim)
    assert KAI_SHARE not in pending
    [new] = [s for s in pending.values() if s.get("userId") == 1001016]
    assert new["machineIdentifier"] == DEN
    assert new["sectionIds"] == [118181361]
    fresh = Invite.objects.get(shared_server_id=new["id"])
    assert fresh.invited_plex_id == 1001016
    assert fresh.address == "kai@example.com"


def test_a_resend_delivered_twice_leaves_one_invite(
    owner, synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    kai = Invite.objects.get(shared_server_id=KAI_SHARE)
    op = act(owner.client, kai, "resend", django_capture_on_commit_callbacks)
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    Operation.objects.filter(pk=op.pk).update(state=Operation.RUNNING)
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    kai_pending = [s for s in pending_at_sim(plexsim).values() if s.get("userId") == 1001016]
    assert len(kai_pending) == 1


def test_it_answers_404_for_an_unknown_invite(owner, synced, plexsim) -> None:
    assert owner.client.post("/people/invites/777/cancel/", {"key": new_key()}).status_code == 404
    assert owner.client.get("/people/invites/777/resend/confirm/").status_code == 404
    assert owner.client.get("/people/invites/1/cancel/").status_code == 405
    assert plexsim.requests() == []


def test_resend_is_not_a_red_button_and_cancel_is(owner, synced) -> None:
    invite = Invite.objects.get(shared_server_id=30013)
    resend = owner.client.get(f"/people/invites/{invite.pk}/resend/confirm/").content.decode()
    cancel = owner.client.get(f"/people/invites/{invite.pk}/cancel/confirm/").content.decode()
    assert '<button type="submit">Resend invite</button>' in resend
    assert "button-danger" not in resend
    assert '<button type="submit" class="button-danger">Cancel invite</button>' in cancel
