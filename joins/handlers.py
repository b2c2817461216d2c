"""The redemption operation: share the link's servers with the invitee, never narrowing.

Run by the worker like every change to plex.tv. A share plexadmin knows of for the person on a
server (from a sync, or the pending invite an earlier run of this operation recorded) is read on
its own, one request whatever the household's size; only when plexadmin knows of none is the
share created, and plex.tv's "already sharing" (or a lost answer) is the one case that reads the
server's whole list to find the share that exists. So a redelivered run (a worker that died
mid-way) finds the share it made and does not make a second, and a share the person already had
only ever gains what the link grants (`sharing.operations.invites.add_to_share`).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from joins.models import Redemption
from joins.services import REDEEM, announce
from notify import events
from plextv import PlexTV
from plextv.errors import (
    AlreadyInHome,
    AlreadySharing,
    HomeFull,
    NotFound,
    OutcomeUnknown,
    PlexPassRequired,
)
from plextv.models import SharedServer
from sharing.models import Invite, Library, Operation, Server, Share
from sharing.operations.executor import Applied, OperationFailed, handler
from sharing.operations.invites import add_to_share, record_invite
from sharing.share_state import settings_from_access
from sharing.sync.home_invites import record_home_invites


def _theirs(client: PlexTV, machine: str, plex_id: int) -> SharedServer | None:
    """The person's share found in the server's whole list (only after plex.tv said one exists
    or an answer was lost: plex.tv has no look-up of a share by person)."""
    return next((s for s in client.server_shares(machine) if s.user_id == plex_id), None)


def _known(client: PlexTV, server: Server, plex_id: int) -> SharedServer | None:
    """The person's share on `server` as plex.tv holds it now, read on its own (1 request per
    share plexadmin knows of), or None when plexadmin knows of none that plex.tv still has."""
    ids: list[int] = [
        int(found)
        for found in Share.objects.filter(
            server=server, user__plex_id=plex_id, shared_server_id__isnull=False
        )
        .order_by("pk")
        .values_list("shared_server_id", flat=True)
        if found is not None
    ]
    ids += list(
        Invite.objects.filter(server=server, invited_plex_id=plex_id)
        .exclude(shared_server_id__in=ids)
        .order_by("pk")
        .values_list("shared_server_id", flat=True)
    )
    for share_id in ids:
        try:
            share = client.server_share(server.machine_identifier, share_id)
        except NotFound:
            continue
        if share.user_id == plex_id:
            return share
    return None


def _share_one(
    client: PlexTV, op: Operation, server: Server, entry: dict[str, Any]
) -> tuple[str, str | None]:
    """Share one server; returns (what happened in words, the new share's id or None)."""
    plex_id = int(op.params["plex_id"])
    address = str(op.params.get("address") or plex_id)
    libraries = list(
        Library.objects.filter(
            server=server, global_id__in=entry["libraries"], missing_since__isnull=True
        ).values_list("global_id", flat=True)
    )
    if not libraries:
        return f"{server.name}: none of the link's libraries exist any more.", None
    asked = settings_from_access(entry.get("access") or {})
    existing = _known(client, server, plex_id)
    if existing is not None:
        return add_to_share(client, server, existing, libraries, asked).sentence(address), None
    try:
        shared = client.invite_friend(
            server.machine_identifier, address, libraries=libraries, settings=asked
        )
    except (AlreadySharing, OutcomeUnknown):
        existing = _theirs(client, server.machine_identifier, plex_id)
        if existing is None:
            raise
        return add_to_share(client, server, existing, libraries, asked).sentence(address), None
    with transaction.atomic():
        record_invite(shared, server, address, libraries, op.actor_id)
    return f"Shared {server.name} with {address}.", str(shared.id)


HOME_LIMIT = 15


def _into_home(client: PlexTV, op: Operation) -> str:
    """Invite the account into the owner's Plex Home, once: a member or a pending
    invitation is left as it is. The invitee accepts the invitation in a Plex app (plex.tv
    documents no endpoint to accept it on their behalf)."""
    plex_id = int(op.params["plex_id"])
    address = str(op.params.get("address") or plex_id)
    members = client.home_users()
    if any(u.id == plex_id for u in members):
        return f"{address} is in your Home already."
    if any(i.user_id == plex_id for i in client.pending_home_invites()):
        return f"{address} has an invitation into your Home already."
    if len(members) >= HOME_LIMIT:
        raise OperationFailed("Your Plex Home is full (15 members).", retryable=False)
    try:
        client.invite_to_home(address)
    except PlexPassRequired:
        raise OperationFailed("A Plex Home needs Plex Pass.", retryable=False) from None
    except HomeFull:
        raise OperationFailed("Your Plex Home is full (15 members).", retryable=False) from None
    except AlreadyInHome:
        raise OperationFailed(
            f"{address} is in another Plex Home, so cannot join yours.", retryable=False
        ) from None
    pending = [i for i in client.pending_home_invites() if i.user_id == plex_id]
    with transaction.atomic():
        record_home_invites(pending, op.actor_id)
    return f"{address} was invited to your Home."


@handler(REDEEM, label="Join through an invite link")
def redeem_link(client: PlexTV, op: Operation) -> Applied:
    redemption = Redemption.objects.filter(pk=op.target_id).select_related("link").first()
    if redemption is None or redemption.state not in (Redemption.QUEUED, Redemption.DONE):
        raise OperationFailed("This join request is no longer waiting.", retryable=False)
    link = redemption.link
    if link.disabled_at is not None and redemption.decided_by_id is None:
        # Turned off after the invitee signed in, before anything was shared: nothing is.
        Redemption.objects.filter(pk=redemption.pk).update(
            state=Redemption.FAILED, updated_at=timezone.now()
        )
        raise OperationFailed(
            f"The invite link “{link.label}” was turned off before the share was made.",
            retryable=False,
        )
    servers = {s.machine_identifier: s for s in Server.objects.filter(owned=True)}
    sentences: list[str] = []
    new_shares: list[str] = []
    if op.params.get("kind") == "home":
        sentences.append(_into_home(client, op))
    for entry in op.params.get("servers", []):
        server = servers.get(entry.get("machine"))
        if server is None:
            sentences.append("A server of this link is gone; skipped.")
            continue
        sentence, share_id = _share_one(client, op, server, entry)
        sentences.append(sentence)
        if share_id:
            new_shares.append(share_id)
    Redemption.objects.filter(pk=redemption.pk).update(
        state=Redemption.DONE, new_shares=new_shares, updated_at=timezone.now()
    )
    announce(events.INVITE_LINK_USED, redemption)
    return Applied(
        resync=True,
        label=str(op.params.get("label", "")),
        message=" ".join(sentences),
        changes=[
            {
                "field": "libraries",
                "before": None,
                "after": sorted(g for e in op.params.get("servers", []) for g in e["libraries"]),
            }
        ],
    )
