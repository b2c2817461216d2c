"""Operations on Plex Home: create a managed user, invite an account, profile, PIN, removal."""

from __future__ import annotations

import contextlib

from django.db import transaction
from django.utils import timezone

from notify import events
from plextv import PlexTV
from plextv.errors import AlreadySharing, NotFound, OutcomeUnknown
from plextv.filters import ShareSettings
from sharing.models import Invite, Operation, PlexUser, Server
from sharing.operations.executor import Applied, OperationFailed, handler
from sharing.operations.invites import access_settings, request_sync

CREATE_MANAGED = "home.create_managed"
INVITE_TO_HOME = "home.invite"
SET_PROFILE = "home.set_profile"
SET_PIN = "home.set_pin"
REMOVE_HOME_USER = "home.remove"

PROFILE_LABELS = {
    "": "none",
    "little_kid": "Younger Kid",
    "older_kid": "Older Kid",
    "teen": "Teen",
}
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
        client.update_share(machine, existing.id, libraries=libraries, settings=settings)


@handler(CREATE_MANAGED)
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
    settings = access_settings(op.params.get("access", {}))
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
    request_sync()
    return Applied(
        label=name,
        message=f"{name} was added to your Home.",
        changes=[
            {"field": "restriction_profile", "before": None, "after": PROFILE_LABELS[profile]},
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


@handler(INVITE_TO_HOME)
def invite_to_home(client: PlexTV, op: Operation) -> Applied:
    address: str = op.params["address"]
    wanted = address.casefold()

    def in_home() -> bool:
        return any(
            wanted in {(u.username or "").casefold(), (u.email or "").casefold()}
            for u in client.home_users()
        )

    # A repeated delivery finds the invitation already made (plex.tv would refuse a second).
    if op.attempts > 1 and in_home():
        return Applied(label=address, message=f"{address} is already in your Home.")
    client.invite_to_home(address)
    request_sync()
    return Applied(
        label=address,
        message=f"{address} was invited to your Home.",
        changes=[{"field": "home", "before": False, "after": True}],
    )


@handler(SET_PROFILE)
def set_profile(client: PlexTV, op: Operation) -> Applied:
    person = _person(op)
    profile: str = op.params.get("profile") or ""
    before = person.restriction_profile
    client.set_restriction_profile(person.plex_id, profile or None)
    person.restriction_profile = profile
    _bump(person, ["restriction_profile"])
    return Applied(
        label=person.display_name,
        message=f"Restriction profile is now {PROFILE_LABELS.get(profile, profile)}.",
        changes=[
            {
                "field": "restriction_profile",
                "before": PROFILE_LABELS.get(before, before),
                "after": PROFILE_LABELS.get(profile, profile),
            }
        ],
    )


@handler(SET_PIN)
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


@handler(REMOVE_HOME_USER)
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
    request_sync()
    return Applied(
        label=person.display_name,
        message=f"{person.display_name} was removed from your Home.",
        changes=[{"field": "home", "before": True, "after": False}],
    )
