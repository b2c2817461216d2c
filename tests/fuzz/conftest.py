"""The fuzz's fixture household: plexsim's demo household synced, the five personas, and one
object of every kind a URL can point at (an operation, a batch, a flagged person, a PIN)."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from accounts.models import Household, Member, PinLogin, User, hash_browser_key
from accounts.services import BROWSER_KEY
from accounts.tasks import refresh_account_picture
from activity.models import DiscoverSearch, Poster
from lifecycle.models import CleanUp, CleanUpEntry
from members.models import AccessRequest, SignInAction
from notify.models import Channel, Delivery
from plexadmin.models import Heartbeat
from sharing.models import Invite, Library, Operation, OperationBatch, PlexUser, Server, Share
from tests.console.conftest import DEN, run_sync
from tests.fuzz import values
from tests.personas import Persona

# The anonymous visitor's browser started the fixture's "Sign in with Plex" attempt, so the
# PIN pages answer it (and 404 for every other browser).
ANONYMOUS_BROWSER_KEY = "fuzz-anonymous-browser-key"


@dataclass
class Cast:
    personas: list[Persona]  # the least privileged first, so the owner acts last
    household: values.Household
    owner_id: int

    def by_name(self, name: str) -> Persona:
        return next(p for p in self.personas if p.name == name)

    def sign_in_again(self, name: str) -> None:
        """Back to the persona's own sign-in (or none), whatever the last request did."""
        persona = self.by_name(name)
        if persona.user is not None:
            persona.client.force_login(persona.user)
            return
        persona.client.logout()
        session = persona.client.session
        session[BROWSER_KEY] = ANONYMOUS_BROWSER_KEY
        session.save()


def _join_objects(actor: Persona) -> dict[str, list[str]]:
    """An access profile, an invite link (its code known) and a join waiting for approval."""
    from joins import services as join_services
    from joins.models import AccessProfile, Redemption

    grants = {"servers": [{"machine": DEN, "libraries": [118181361], "access": {}}]}
    profile = AccessProfile.objects.create(name="Fuzz friends", grants=grants)
    link, code = join_services.create_link(
        {"label": "Fuzz link", "grants": grants, "max_uses": 3, "needs_approval": True},
        actor.user,
    )
    waiting = Redemption.objects.create(
        link=link, plex_id=987654321, username="fuzzer", state=Redemption.APPROVAL, counted=True
    )
    return {
        "join_profile": [str(profile.pk)],
        "join_link": [str(link.pk)],
        "join_code": [code],
        "redemption": [str(waiting.pk)],
    }


def _allowance_objects(member_user: Any) -> dict[str, list[str]]:
    """A member's invite allowance (Movies on the Den) and one link made within it."""
    from members import allowances
    from members.models import Allowance

    grants = {"servers": [{"machine": DEN, "libraries": [118181361], "access": {}}]}
    Allowance.objects.create(member=member_user.member, max_people=3, grants=grants)
    link, _code = allowances.create_link(
        member_user.member, allowances.LinkRequest("Fuzz member link", {118181361}, 1, None)
    )
    return {"member_link": [str(link.pk)], "allowance_member": [str(member_user.member.pk)]}


def _objects(actor: Persona) -> dict[str, list[str]]:
    den = Server.objects.get(machine_identifier=DEN)
    friend = PlexUser.objects.filter(kind=PlexUser.FRIEND, shares__server=den).first()
    managed = PlexUser.objects.filter(kind=PlexUser.MANAGED).first()
    home = PlexUser.objects.filter(kind=PlexUser.HOME).first()
    assert friend, "the demo household has a friend on Morgan's Den"
    assert managed, "the demo household has a managed Home profile"
    assert home, "the demo household has a Home member with an account"
    share = Share.objects.filter(user=friend, server=den).first()
    assert share is not None
    batch = OperationBatch.objects.create(title="Movies for everyone", actor=actor.user)
    failed = Operation.objects.create(
        kind="share.edit",
        target_type=Operation.TARGET_SHARE,
        target_id=str(share.pk),
        params={"label": "fuzz", "changes": {"allow_sync": True}, "before": {}},
        actor=actor.user,
        idempotency_key=f"fuzz-{uuid.uuid4().hex}",
        batch=batch,
        state=Operation.FAILED,
        message="plex.tv did not answer.",
    )
    # A person the last syncs did not find, so the sync page shows its prune form.
    flagged = PlexUser.objects.filter(kind=PlexUser.FRIEND).exclude(pk=friend.pk).first()
    assert flagged is not None
    flagged.missing_since = timezone.now() - timedelta(hours=2)
    flagged.missing_syncs = 2
    flagged.save(update_fields=["missing_since", "missing_syncs"])
    pin = PinLogin.objects.create(
        kind=PinLogin.Kind.OAUTH,
        pin_id=4242,
        code="FUZZ",
        client_identifier="fuzz",
        browser_key_hash=hash_browser_key(ANONYMOUS_BROWSER_KEY),
        expires_at=timezone.now() + timedelta(minutes=15),
    )
    invite = Invite.objects.first()
    assert invite is not None, "the demo household has pending invites"
    members = Member.objects.exclude(role=Member.Role.OWNER).order_by("pk")
    channel = Channel.objects.create(
        owner=actor.user, kind=Channel.EMAIL, name="Morgan's mail", address="morgan@example.com"
    )
    delivery = Delivery.objects.create(
        channel=channel,
        address=channel.address,
        recipient=channel.recipient,
        state=Delivery.FAILED,
        attempts=8,
        subject="Alex was removed",
        error="the mail server did not answer",
    )
    search = DiscoverSearch.objects.create(
        query="dune", normalized="dune", state=DiscoverSearch.DONE, finished_at=timezone.now()
    )
    cleanup = CleanUp.objects.create(
        actor=actor.user, idle_days=60, ends_at=timezone.now() + timedelta(days=14)
    )
    CleanUpEntry.objects.create(cleanup=cleanup, user=friend, server=den, share=share)
    poster_url = "https://metadata-static.plex.tv/fuzz/poster.png"
    poster = Poster.objects.create(
        url=poster_url, url_hash=hashlib.sha256(poster_url.encode()).hexdigest()
    )
    member_user = User.objects.filter(member__role=Member.Role.MEMBER).order_by("pk").first()
    asked = AccessRequest.objects.create(
        requester=member_user, share=share, kind=AccessRequest.TIME, until=timezone.now()
    )
    action = SignInAction.objects.create(
        requester=member_user, kind=SignInAction.ACCEPT, pin_login=pin, state=SignInAction.FAILED
    )
    joins = _join_objects(actor)
    return {
        **joins,
        **_allowance_objects(member_user),
        "member_request": [str(asked.pk)],
        "member_action": [str(action.pk)],
        "person": [str(friend.pk), str(managed.pk), str(home.pk)],
        "home_person": [str(managed.pk), str(home.pk)],
        "share": [str(share.pk)],
        "invite": [str(invite.pk)],
        "operation": [str(failed.pk)],
        "server": [str(den.pk)],
        "library": [str(Library.objects.filter(server=den).first().pk)],  # type: ignore[union-attr]
        "batch": [str(batch.pk)],
        "device": ["5002"],
        "pin": [str(pin.public_id)],
        "member": [str(m.pk) for m in members],
        "admin_object": [str(friend.pk)],
        "content_type": [str(ContentType.objects.get_for_model(PlexUser).pk)],
        "user": [str(User.objects.order_by("pk").first().pk)],  # type: ignore[union-attr]
        "channel": [str(channel.pk)],
        "delivery": [str(delivery.pk)],
        "search": [str(search.pk)],
        "poster": [poster.url_hash],
        "cleanup": [str(cleanup.pk)],
    }


@pytest.fixture
def cast(
    household: Household,
    plexsim: Any,
    anonymous: Persona,
    outsider: Persona,
    member: Persona,
    co_admin: Persona,
    owner: Persona,
) -> Cast:
    run_sync()
    # The account page lists what the worker last read, devices included (their remove forms).
    refresh_account_picture()
    # Beat and a worker are running, as in a real installation, so /healthz answers 200.
    for name in (Heartbeat.BEAT, Heartbeat.WORKER):
        Heartbeat.record(name, detail="fuzz")
    objects = _objects(owner)
    plexsim.clear_requests()
    cast = Cast(
        personas=[anonymous, outsider, member, co_admin, owner],
        household=values.Household(objects),
        owner_id=household.owner_id,
    )
    cast.sign_in_again(anonymous.name)
    return cast
