"""Operations on shares and friends: edit a share, stop sharing a server, remove a friend."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from plextv import PlexTV
from plextv.errors import NotFound
from plextv.models import SharedServer
from sharing.models import Library, Share, ShareLibrary
from sharing.operations import batch_reads
from sharing.operations.executor import Applied, OperationFailed, handler
from sharing.share_state import merge_into, settings_values

EDIT_SHARE = "share.edit"


def find_share(client: PlexTV, share: Share, share_id: int) -> SharedServer:
    """plex.tv's share `share_id` as it is now: the one share read (1 request, whatever the
    household's size), never the server's whole list."""
    try:
        return client.server_share(share.server.machine_identifier, share_id)
    except NotFound as gone:
        raise OperationFailed(
            f"plex.tv no longer has {share.server.name} shared with {share.user.display_name}; "
            "the next sync will update this page."
        ) from gone


def current_share(client: PlexTV, share: Share, share_id: int, op: Any) -> SharedServer:
    """The share to merge the edit into. An edit of a bulk batch, on its first attempt, takes
    it from the batch's one read of the server's shares (`batch_reads`); anything else, and an
    entry that cannot be trusted, reads the one share."""
    if op.batch_id is not None and op.attempts <= 1:
        entry = batch_reads.batch_entry(
            client, op.batch, share.server.machine_identifier, share_id, share.updated_at
        )
        if entry is not None:
            return entry
    return find_share(client, share, share_id)


def record_share(share: Share, written: SharedServer, library_ids: list[int]) -> None:
    """Store what plex.tv now holds as both the observed and the desired state."""
    for name, value in settings_values(written.settings).items():
        setattr(share, name, value)
    share.all_libraries = written.all_libraries
    libraries = list(Library.objects.filter(server=share.server, global_id__in=library_ids))
    ShareLibrary.objects.filter(share=share).exclude(library__in=libraries).delete()
    have = set(ShareLibrary.objects.filter(share=share).values_list("library_id", flat=True))
    ShareLibrary.objects.bulk_create(
        ShareLibrary(share=share, library=lib) for lib in libraries if lib.pk not in have
    )
    share.desired = share.observed_state(sorted(lib.global_id for lib in libraries))
    share.version += 1
    share.updated_at = timezone.now()
    share.save()


def libraries_to_write(current: list[int], after: list[int], before: list[int] | None) -> list[int]:
    """The admin's library change applied to what plex.tv holds now.

    `after` is the list the admin asked for and `before` the one they were shown. Only the
    difference is applied to plex.tv's current list: a library plex.tv gained or lost since
    the page was drawn is neither taken away nor given back without being asked.
    """
    if before is None:
        return sorted(set(after))
    added, removed = set(after) - set(before), set(before) - set(after)
    return sorted((set(current) | added) - removed)


def _expiry(value: str | None) -> datetime | None:
    return parse_datetime(value) if value else None


@handler(EDIT_SHARE, label="Edit share")
def edit_share(client: PlexTV, op: Any) -> Applied:
    """Read-modify-write: plex.tv's current share with the admin's changed fields replaced.

    Params: `changes` (field → new value, `libraries` as global ids, filters as the editor's
    three lists or a whole filter string), `before` (the values the form showed) and
    `expires_at`, which is local.
    """
    share = Share.objects.select_related("server", "user").filter(pk=op.target_id).first()
    if share is None or share.shared_server_id is None:
        raise OperationFailed("This share is gone from plexadmin; nothing was sent to plex.tv.")
    changes: dict[str, Any] = op.params.get("changes", {})
    before: dict[str, Any] = op.params.get("before", {})
    label = f"{share.user.display_name} on {share.server.name}"
    plex_changes = {k: v for k, v in changes.items() if k != "expires_at"}
    if plex_changes:
        current = current_share(client, share, share.shared_server_id, op)
        merged = merge_into(current.settings, plex_changes)
        ids = [section.global_id for section in current.shared_sections]
        if "libraries" in plex_changes:
            shown = before.get("libraries")
            ids = libraries_to_write(
                ids,
                [int(gid) for gid in plex_changes["libraries"]],
                None if shown is None else [int(gid) for gid in shown],
            )
        if not ids:
            # plex.tv would read an empty list as every library; this is a "stop sharing".
            raise OperationFailed(
                f"That would leave {share.user.display_name} with no library on "
                f"{share.server.name}, so nothing was sent. To take the last one away, stop "
                "sharing the server instead."
            )
        try:
            written = client.update_share(
                share.server.machine_identifier,
                current.id,
                libraries=ids,
                settings=merged,
                current=current,
            )
        except NotFound as exc:
            raise OperationFailed(exc.human_message) from exc
        if op.batch_id is not None:
            batch_reads.remember_written(op.batch, share.server.machine_identifier, written)
    with transaction.atomic():
        if plex_changes:
            record_share(share, written, ids)
        if "expires_at" in changes:
            share.expires_at = _expiry(changes["expires_at"])
            share.save(update_fields=["expires_at"])
    audit_changes = [
        {"field": name, "before": before.get(name), "after": value}
        for name, value in changes.items()
    ]
    return Applied(label=label, message="Saved on plex.tv.", changes=audit_changes)
