"""Operations on Plex Home: create a managed user, invite an account, profile, PIN, removal."""

from __future__ import annotations

import contextlib

from django.db import transaction
from django.utils import timezone

from accounts.membership import end_roles
from notify import events
from plextv import PlexTV
from plextv.errors import AlreadySharing, NotFound, OutcomeUnknown
from plextv.filters import ShareSettings
from plextv.models import HomeInvite as PlexHomeInvite
from sharing.models import HomeInvite, Invite, Operation, PlexUser, Server
from sharing.operations.executor import Applied, OperationFailed, handler
from sharing.restriction_profiles import profile_label
from sharing.share_state import settings_from_access
from sharing.sync.home_invites import record_home_invites

CREATE_MANAGED = "home.create_managed"
INVITE_TO_HOME = "home.invite"
CANCEL_HOME_INVITE = "home.invite_cancel"
SET_PROFILE = "home.set_profile"
SET_PIN = "home.set_pin"
REMOVE_HOME_USER = "home.remove"

MASKED_PIN = "••••"


def _forget_pin(op: Operation) -> None:
    """The PIN has reached plex.tv: it is not kept in the database any longer than that."""
    if op.params.get("pin"):
        op.params = {**op.params, "pin": MASKED_PIN}
        op.save(update_fields=["params"])


def _share_with(
    client: PlexTV, machine: str, user_id: int, libraries: list[int], settings: ShareSettings
) -> None:
    """Share by user id; a share that exists already (an earlier delivery) is updated."""
    try:
        client.share_with_user(machine, user_id, libraries, settings)
    except (AlreadySharing, OutcomeUnknown):
        existing = next((s for s in client.server_shares(machine) if s.user_id == user_id), None)
        if existing is None:
            raise
        client.update_share(
            machine, existing.id, libraries=libraries, settings=settings, current=existing
        )


@handler(CREATE_MANAGED, label="Create a managed user")
def create_managed(client: PlexTV, op: Operation) -> Applied:
    """Create the profile once, then its PIN and shares (each step safe to repeat).

    The new user's id is written to the row as soon as plex.tv gives it, so a redelivered task
    goes on from there. After a create whose answer was lost, the Home list is read first: a
    managed user with this name that plexadmin did not know before is the one just created.
    """
    name: str = op.params["name"]
    profile: str = op.params.get("profile") or ""
    user_id = op.params.get("created_id")
    if user_id is None and op.attempts > 1:
        known = set(PlexUser.objects.values_list("plex_id", flat=True))
        user_id = next(
            (
                u.id
                for u in client.home_users()
                if u.restricted and u.title == name and u.id not in known
            ),
            None,
        )
    if user_id is None:
        created = client.create_managed_user(name, restriction_profile=profile or None)
        user_id = created.id
    op.params = {**op.params, "created_id": user_id}
    op.save(update_fields=["params"])
    pin = op.params.get("pin")
    if pin and pin != MASKED_PIN:
        client.set_managed_user_pin(user_id, pin)
        _forget_pin(op)
    settings = settings_from_access(op.params.get("access", {}))
    servers = {s.machine_identifier: s for s in Server.objects.filter(owned=True)}
    shared_on: list[str] = []
    for entry in op.params.get("servers", []):
        server = servers.get(entry["machine"])
        if server is None:
            continue
        _share_with(client, server.machine_identifier, user_id, entry["libraries"], settings)
        shared_on.append(server.name)
    now = timezone.now()
    PlexUser.objects.update_or_create(
        plex_id=user_id,
        defaults={
            "kind": PlexUser.MANAGED,
            "title": name,
            "restriction_profile": profile,
            "protected": bool(pin),
            "home": True,
            "updated_at": now,
        },
        create_defaults={
            "kind": PlexUser.MANAGED,
            "title": name,
            "restriction_profile": profile,
            "protected": bool(pin),
            "home": True,
            "created_at": now,
            "updated_at": now,
        },
    )
    return Applied(
        resync=True,
        label=name,
        message=f"{name} was added to your Home.",
        changes=[
            {"field": "restriction_profile", "before": None, "after": profile_label(profile)},
            {"field": "pin", "before": None, "after": "set" if pin else "none"},
            {"field": "servers", "before": None, "after": shared_on},
        ],
    )


def _person(op: Operation) -> PlexUser:
    person = PlexUser.objects.filter(pk=op.target_id, removed_locally_at__isnull=True).first()
    if person is None:
        raise OperationFailed("This person is gone from plexadmin; nothing was sent to plex.tv.")
    return person


def _bump(person: PlexUser, fields: list[str]) -> None:
    person.version += 1
    person.updated_at = timezone.now()
    person.save(update_fields=[*fields, "version", "updated_at"])


def _is(address: str, username: str | None, email: str | None) -> bool:
    return address.casefold() in {(username or "").casefold(), (email or "").casefold()} - {""}


def _pending_for(client: PlexTV, address: str) -> list[PlexHomeInvite]:
    return [i for i in client.pending_home_invites() if _is(address, i.username, i.email)]


@handler(INVITE_TO_HOME, label="Invite into Home")
def invite_to_home(client: PlexTV, op: Operation) -> Applied:
    """Invite an account into the Home, once.

    plex.tv's Home and its pending invitations are read first: a member is not invited, and
    an invitation already pending is not sent a second time (plex.tv would send another).
    On a redelivery (the worker died after sending) the pending invitation is this one.
    """
    address: str = op.params["address"]
    redelivery = op.attempts > 1
    if any(_is(address, u.username, u.email) for u in client.home_users()):
        if redelivery:
            return Applied(label=address, message=f"{address} is in your Home now.")
        raise OperationFailed(f"{address} is already in your Home.", retryable=False)
    pending = _pending_for(client, address)
    if pending and not redelivery:
        with transaction.atomic():
            record_home_invites(pending, None)
        raise OperationFailed(
            f"{address} already has a pending invitation into your Home: nothing was sent "
            "again. Cancel it from People to send a new one.",
            retryable=False,
        )
    if not pending:
        client.invite_to_home(address)
        pending = _pending_for(client, address)
    with transaction.atomic():
        record_home_invites(pending, op.actor_id)
    return Applied(
        resync=True,
        label=address,
        message=f"{address} was invited to your Home; they join when they accept.",
        changes=[{"field": "home", "before": False, "after": "invited"}],
    )


@handler(CANCEL_HOME_INVITE, label="Cancel a Home invite")
def cancel_home_invite(client: PlexTV, op: Operation) -> Applied:
    """Withdraw an invitation into the Home.

    The call that withdraws it is the one that removes a Home member, so the Home is read
    first: someone who has accepted meanwhile is a member, and stays one.
    """
    row = HomeInvite.objects.filter(pk=op.target_id).first()
    label = str(op.params.get("label", ""))
    if row is None:
        return Applied(label=label, message="The Home invite was already gone.")
    if any(u.id == row.plex_id for u in client.home_users()):
        message = f"{row.address} accepted and is in your Home now; nothing was withdrawn."
    elif not any(i.user_id == row.plex_id for i in client.pending_home_invites()):
        message = "The Home invite was no longer pending at plex.tv."
    else:
        try:
            client.cancel_home_invite(row.plex_id)
            message = f"The Home invite to {row.address} was withdrawn."
        except NotFound:
            message = "The Home invite was no longer pending at plex.tv."
    row.delete()
    return Applied(
        resync=True,
        label=label or row.address,
        message=message,
        changes=[{"field": "home", "before": "invited", "after": None}],
    )


@handler(SET_PROFILE, label="Change restriction profile")
def set_profile(client: PlexTV, op: Operation) -> Applied:
    person = _person(op)
    profile: str = op.params.get("profile") or ""
    before = person.restriction_profile
    client.set_restriction_profile(person.plex_id, profile or None)
    person.restriction_profile = profile
    _bump(person, ["restriction_profile"])
    return Applied(
        label=person.display_name,
        message=f"Restriction profile: {profile_label(profile)}.",
        changes=[
            {
                "field": "restriction_profile",
                "before": profile_label(before),
                "after": profile_label(profile),
            }
        ],
    )


@handler(SET_PIN, label="Set or remove PIN")
def set_pin(client: PlexTV, op: Operation) -> Applied:
    person = _person(op)
    pin = op.params.get("pin")
    if pin == MASKED_PIN:
        return Applied(label=person.display_name, message="PIN set.")
    client.set_managed_user_pin(person.plex_id, pin or None)
    _forget_pin(op)
    before = person.protected
    person.protected = bool(pin)
    _bump(person, ["protected"])
    return Applied(
        label=person.display_name,
        message="PIN set." if pin else "PIN removed.",
        changes=[
            {
                "field": "pin",
                "before": "set" if before else "none",
                "after": "set" if pin else "none",
            }
        ],
    )


@handler(REMOVE_HOME_USER, label="Remove from Home")
def remove_home_user(client: PlexTV, op: Operation) -> Applied:
    """A managed user is deleted with its shares; a full account only leaves the Home."""
    person = _person(op)
    with contextlib.suppress(NotFound):  # already out of the Home
        client.remove_home_user(person.plex_id)
    now = timezone.now()
    with transaction.atomic():
        if person.kind == PlexUser.MANAGED:
            person.shares.all().delete()
            Invite.objects.filter(invited_plex_id=person.plex_id).delete()
            person.removed_locally_at = now
            _bump(person, ["removed_locally_at"])
        else:
            person.home = False
            person.kind = PlexUser.FRIEND
            _bump(person, ["home", "kind"])
        end_roles([person.plex_id], actor=op.actor)
        events.emit(
            events.PERSON_REMOVED,
            key=f"op-{op.pk}",
            person=person.pk,
            context={
                "person": person.display_name,
                "where": "your Home",
                "their": "the Home",
                "path": "/audit/",
            },
        )
    return Applied(
        resync=True,
        label=person.display_name,
        message=f"{person.display_name} was removed from your Home.",
        changes=[{"field": "home", "before": True, "after": False}],
    )
