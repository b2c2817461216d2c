"""Operations on invitations and on whole friendships: invite, cancel, resend, stop, remove."""

from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.membership import end_roles
from notify import events
from plextv import PlexTV
from plextv.errors import AlreadySharing, NotFound, OutcomeUnknown
from plextv.filters import Filters, ShareSettings
from plextv.models import SharedServer
from sharing.directory import end_roles_of_uninvited
from sharing.models import Invite, Library, Operation, PlexUser, Server, Share
from sharing.operations.executor import Applied, handler
from sharing.share_state import access_of_settings, settings_from_access

INVITE_FRIEND = "friend.invite"
CANCEL_INVITE = "invite.cancel"
RESEND_INVITE = "invite.resend"
STOP_SHARING = "share.stop"
REMOVE_FRIEND = "friend.remove"


def record_invite(
    shared: SharedServer, server: Server, address: str, library_ids: list[int], actor_id: Any
) -> None:
    """The pending invite as plex.tv answered it, so People shows it before the next sync."""
    if shared.accepted:
        return  # a Home member's share is accepted at once: it is a share, not an invite
    now = timezone.now()
    values = {
        "server": server,
        "email": address if "@" in address else (shared.email or ""),
        "username": "" if "@" in address else address,
        "invited_plex_id": shared.user_id,
        "all_libraries": shared.all_libraries,
        "sent_by_id": actor_id,
        "updated_at": now,
    }
    invite, _ = Invite.objects.update_or_create(
        shared_server_id=shared.id,
        defaults=values,
        create_defaults={**values, "created_at": now},
    )
    invite.libraries.set(Library.objects.filter(server=server, global_id__in=library_ids))


FLAG_WORDS = {
    "allow_sync": "downloads",
    "allow_camera_upload": "camera upload",
    "allow_channels": "channels",
    "allow_subtitle_admin": "subtitle admin",
}
TUNER_WORDS = {1: "Live TV", 2: "Live TV and DVR"}


@dataclass
class Added:
    """What a worker-side "already sharing" added to a share the person had."""

    server: str
    libraries: list[str]
    permissions: list[str]
    kept_all: bool

    def sentence(self, who: str) -> str:
        if self.kept_all:
            return (
                f"{who} already had every library of {self.server}; nothing was changed "
                "(edit their permissions on their page)."
            )
        added = [*self.libraries, *self.permissions]
        if not added:
            return (
                f"{who} already had access to {self.server} with everything asked; nothing changed."
            )
        return (
            f"{who} already had access to {self.server}: added {', '.join(added)}; "
            "their other libraries, filters and permissions are kept."
        )


def _union(current: ShareSettings, asked: ShareSettings) -> tuple[ShareSettings, list[str]]:
    """The person's settings with the permissions asked for added; their filters untouched."""
    values: dict[str, Any] = {}
    words: list[str] = []
    for name, word in FLAG_WORDS.items():
        if getattr(asked, name) and not getattr(current, name):
            values[name] = True
            words.append(word)
    if asked.allow_tuners > current.allow_tuners:
        values["allow_tuners"] = asked.allow_tuners
        words.append(TUNER_WORDS.get(asked.allow_tuners, "Live TV"))
    return dataclasses.replace(current, **values), words


def add_to_share(
    client: PlexTV,
    server: Server,
    existing: SharedServer,
    libraries: list[int],
    asked: ShareSettings,
) -> Added:
    """Add the libraries and permissions asked for to a share the person has: never remove
    a library, reset a filter or turn off a permission they had, never add more than asked.

    A share of every library stays that way (writing its list out would drop the libraries
    added to the server later), so only a share with a list of libraries is written to.
    """
    if existing.all_libraries:
        return Added(server.name, [], [], kept_all=True)
    had = {section.global_id for section in existing.shared_sections}
    new_ids = [gid for gid in libraries if gid not in had]
    merged, words = _union(existing.settings, asked)
    if new_ids or words:
        client.update_share(
            server.machine_identifier,
            existing.id,
            libraries=sorted(had | set(new_ids)),
            settings=merged,
            current=existing,
        )
    titles = dict(Library.objects.filter(global_id__in=new_ids).values_list("global_id", "title"))
    return Added(server.name, [titles.get(g, str(g)) for g in new_ids], words, kept_all=False)


def _existing_share(client: PlexTV, machine: str, address: str) -> SharedServer | None:
    wanted = address.casefold()
    for share in client.server_shares(machine):
        names = {(share.username or "").casefold(), (share.email or "").casefold()}
        names |= {(share.invited_email or "").casefold()}
        if wanted in names - {""}:
            return share
    return None


def _pending_share(client: PlexTV, machine: str, share_id: int) -> SharedServer | None:
    """The invite's share as plex.tv holds it (the one share, 1 request), None when gone."""
    try:
        return client.server_share(machine, share_id)
    except NotFound:
        return None


def _same_as_asked(share: SharedServer, libraries: list[int]) -> bool:
    return not share.all_libraries and {s.global_id for s in share.shared_sections} == set(
        libraries
    )


@handler(INVITE_FRIEND, label="Invite a friend")
def invite_friend(client: PlexTV, op: Operation) -> Applied:
    """Share each chosen server with `address`, never narrowing a share they already have.

    When plex.tv says "already sharing" (someone shared meanwhile), what was asked is added to
    the person's share instead (`add_to_share`) and the message says exactly that. When the
    invite's answer was lost, or this is a redelivery, a pending share with exactly the
    libraries asked is taken as this invite; anything else is treated as a share they had.
    """
    address: str = op.params["address"]
    asked = settings_from_access(op.params.get("access", {}))
    servers = {s.machine_identifier: s for s in Server.objects.filter(owned=True)}
    invited: list[str] = []
    notes: list[str] = []
    for entry in op.params["servers"]:
        server = servers.get(entry["machine"])
        if server is None:
            continue
        machine = server.machine_identifier
        try:
            shared = client.invite_friend(
                machine, address, libraries=entry["libraries"], settings=asked
            )
        except (AlreadySharing, OutcomeUnknown) as exc:
            existing = _existing_share(client, machine, address)
            if existing is None:
                raise
            # A lost answer, or a redelivery after a worker died, may have made this share.
            again = isinstance(exc, OutcomeUnknown) or op.attempts > 1
            ours = again and existing.accepted is not True
            if not (ours and _same_as_asked(existing, entry["libraries"])):
                notes.append(
                    add_to_share(client, server, existing, entry["libraries"], asked).sentence(
                        address
                    )
                )
                continue
            shared = existing
        with transaction.atomic():
            record_invite(shared, server, address, entry["libraries"], op.actor_id)
        invited.append(server.name)
    sentences = [f"Invited {address} to {', '.join(invited)}."] if invited else []
    return Applied(
        resync=True,
        label=address,
        message=" ".join([*sentences, *notes]) or "Nothing was sent.",
        changes=[
            {"field": "servers", "before": None, "after": invited},
            {
                "field": "libraries",
                "before": None,
                "after": sorted(g for e in op.params["servers"] for g in e["libraries"]),
            },
        ],
    )


def _invite(op: Operation) -> Invite | None:
    return Invite.objects.select_related("server").filter(pk=op.target_id).first()


@handler(CANCEL_INVITE, label="Cancel an invite")
def cancel_invite(client: PlexTV, op: Operation) -> Applied:
    invite = _invite(op)
    label = str(op.params.get("label", ""))
    if invite is not None:
        try:
            client.cancel_invite(invite.shared_server_id)
            message = "Invite withdrawn."
        except NotFound:
            message = "The invite was no longer pending at plex.tv (withdrawn or accepted)."
        invite.delete()
        end_roles_of_uninvited([invite.invited_plex_id], actor=op.actor)
    else:
        message = "The invite was already gone."
    return Applied(label=label, message=message, resync=True)


@handler(RESEND_INVITE, label="Resend an invite")
def resend_invite(client: PlexTV, op: Operation) -> Applied:
    """Withdraw the invite and send it again with the same libraries and permissions.

    What the old invite granted is read from plex.tv once and kept on the row, so a second
    delivery (the old invite already withdrawn) still knows what to send.
    """
    invite = _invite(op)
    plan: dict[str, Any] | None = op.params.get("plan")
    if plan is None:
        if invite is None:
            return Applied(label=str(op.params.get("label", "")), message="The invite is gone.")
        machine = invite.server.machine_identifier
        current = _pending_share(client, machine, invite.shared_server_id)
        access, filters = access_of_settings(current.settings if current else ShareSettings())
        plan = {
            "machine": machine,
            "address": invite.email or invite.username,
            "libraries": sorted(
                [s.global_id for s in current.shared_sections]
                if current
                else list(invite.libraries.values_list("global_id", flat=True))
            ),
            "access": access,
            "filters": filters,
            "old_id": invite.shared_server_id,
        }
        op.params = {**op.params, "plan": plan}
        op.save(update_fields=["params"])
    # Withdrawn by an earlier delivery, or accepted meanwhile: either way, send it again.
    with contextlib.suppress(NotFound):
        client.cancel_invite(plan["old_id"])

    def kept(name: str) -> Filters:
        return Filters.parse(plan["filters"].get(name))

    settings = dataclasses.replace(
        settings_from_access(plan["access"]),
        filter_movies=kept("filter_movies"),
        filter_television=kept("filter_television"),
        filter_music=kept("filter_music"),
    )
    server = Server.objects.get(machine_identifier=plan["machine"])
    shared = client.ensure_shared(
        plan["machine"], plan["address"], libraries=plan["libraries"], settings=settings
    )
    with transaction.atomic():
        Invite.objects.filter(shared_server_id=plan["old_id"]).delete()
        record_invite(shared, server, plan["address"], plan["libraries"], op.actor_id)
    return Applied(
        label=plan["address"], message=f"Invite sent again to {plan['address']}.", resync=True
    )


@handler(STOP_SHARING, label="Stop sharing a server")
def stop_sharing(client: PlexTV, op: Operation) -> Applied:
    share = Share.objects.select_related("server", "user").filter(pk=op.target_id).first()
    label = str(op.params.get("label", ""))
    if share is None or share.shared_server_id is None:
        return Applied(label=label, message="The share was already gone.")
    with contextlib.suppress(NotFound):  # already removed at plex.tv: the outcome wanted
        client.stop_sharing(share.server.machine_identifier, share.shared_server_id)
    share.delete()
    return Applied(
        label=label,
        message=f"{share.server.name} is no longer shared with {share.user.display_name}.",
        changes=[{"field": "server", "before": share.server.name, "after": None}],
    )


@handler(REMOVE_FRIEND, label="Remove a friend")
def remove_friend(client: PlexTV, op: Operation) -> Applied:
    """Every share and the friendship at plex.tv, then a tombstone here (never re-synced)."""
    person = PlexUser.objects.filter(pk=op.target_id).first()
    label = str(op.params.get("label", ""))
    if person is None:
        return Applied(label=label, message="Already removed.")
    with contextlib.suppress(NotFound):  # plex.tv had already forgotten them
        client.remove_friend(person.plex_id)
    now = timezone.now()
    with transaction.atomic():
        servers = list(person.shares.values_list("server__name", flat=True))
        person.shares.all().delete()
        Invite.objects.filter(invited_plex_id=person.plex_id).delete()
        person.removed_locally_at = now
        person.version += 1
        person.updated_at = now
        person.save(update_fields=["removed_locally_at", "version", "updated_at"])
        end_roles([person.plex_id], actor=op.actor)
        events.emit(
            events.PERSON_REMOVED,
            key=f"op-{op.pk}",
            person=person.pk,
            context={
                "person": person.display_name,
                "where": "every server",
                "their": "every server",
                "path": "/audit/",
            },
        )
    return Applied(
        label=label or person.display_name,
        message=f"{person.display_name} was removed from every server.",
        changes=[{"field": "servers", "before": sorted(servers), "after": []}],
    )
