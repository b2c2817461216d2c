"""The redemption operation: share the link's servers with the invitee, never narrowing.

Run by the worker like every change to plex.tv. plex.tv's current shares are read first for
each server, so a redelivered run (a worker that died mid-way) finds the share it made and
does not make a second; a share the person already had only ever gains what the link grants
(`sharing.operations.invites.add_to_share`).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from joins.models import Redemption
from joins.services import REDEEM
from plextv import PlexTV
from plextv.errors import AlreadySharing, OutcomeUnknown
from plextv.models import SharedServer
from sharing.models import Library, Operation, Server
from sharing.operations.executor import Applied, OperationFailed, handler
from sharing.operations.invites import access_settings, add_to_share, record_invite, request_sync


def _theirs(client: PlexTV, machine: str, plex_id: int) -> SharedServer | None:
    return next((s for s in client.server_shares(machine) if s.user_id == plex_id), None)


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
    asked = access_settings(entry.get("access") or {})
    existing = _theirs(client, server.machine_identifier, plex_id)
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


@handler(REDEEM)
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
    request_sync()
    return Applied(
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
