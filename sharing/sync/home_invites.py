"""Pending invitations into the owner's Plex Home: written by the sync and by the operations
that send or withdraw one.

plex.tv holds at most one per account, so rows are keyed by the invitee's account id. The
sync follows the same safety rules as for server invites: a row with a change in progress is
left alone, and an empty list from plex.tv removes only the invitations whose account has
joined the Home since (the others are kept until plex.tv confirms).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

from plextv.models import HomeInvite as PlexHomeInvite
from sharing.models import HomeInvite, Operation
from sharing.sync.observed import ObservedHomeInvite, ObservedHousehold

FIELDS = ("username", "email", "title")


@dataclass
class HomeInviteChanges:
    created: list[HomeInvite] = field(default_factory=list)
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    removed: list[HomeInvite] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def apply_home_invites(
    observed: ObservedHousehold, pending: set[tuple[str, str]], now: datetime
) -> HomeInviteChanges:
    """Bring the HomeInvite rows in step with plex.tv's list (inside the sync's transaction)."""
    changes = HomeInviteChanges()
    rows = {row.plex_id: row for row in HomeInvite.objects.select_for_update()}
    seen = observed.home_invites
    changed: list[HomeInvite] = []
    for plex_id, invite in seen.items():
        row = rows.get(plex_id)
        if row is None:
            changes.created.append(_new_row(invite, now))
            continue
        if (Operation.TARGET_HOME_INVITE, str(row.pk)) in pending:
            changes.skipped += 1
            continue
        if _update(row, invite, now):
            changed.append(row)
        else:
            changes.unchanged += 1
    if changes.created:
        HomeInvite.objects.bulk_create(changes.created)
    if changed:
        HomeInvite.objects.bulk_update(changed, [*FIELDS, "invited_at", "updated_at"])
        changes.updated = len(changed)
    gone = [
        row
        for plex_id, row in rows.items()
        if plex_id not in seen and (Operation.TARGET_HOME_INVITE, str(row.pk)) not in pending
    ]
    if gone and not seen:
        joined = [row for row in gone if row.plex_id in observed.home_members]
        if len(joined) < len(gone):
            changes.warnings.append(
                f"plex.tv returned no pending Home invites; {len(gone)} expected. "
                "They are kept until plex.tv confirms."
            )
        gone = joined
    if gone:
        HomeInvite.objects.filter(pk__in=[row.pk for row in gone]).delete()
        changes.removed = gone
    return changes


def _new_row(invite: ObservedHomeInvite, now: datetime) -> HomeInvite:
    return HomeInvite(
        plex_id=invite.plex_id,
        username=invite.username,
        email=invite.email,
        title=invite.title,
        invited_at=invite.invited_at or now,
        updated_at=now,
    )


def _update(row: HomeInvite, invite: ObservedHomeInvite, now: datetime) -> bool:
    values: dict[str, Any] = {name: getattr(invite, name) for name in FIELDS}
    if invite.invited_at is not None:
        values["invited_at"] = invite.invited_at
    if all(getattr(row, name) == value for name, value in values.items()):
        return False
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_at = now
    return True


def record_home_invites(invites: Iterable[PlexHomeInvite], actor_id: Any) -> list[HomeInvite]:
    """The invitations as plex.tv lists them right after sending, so People shows them before
    the next sync; `actor_id` is who sent them."""
    now = timezone.now()
    rows = []
    for invite in invites:
        values = {
            "username": invite.username or "",
            "email": invite.email or "",
            "title": invite.title or "",
            "updated_at": now,
        }
        row, _ = HomeInvite.objects.update_or_create(
            plex_id=invite.user_id,
            defaults=values,
            create_defaults={
                **values,
                "invited_at": invite.invited_at or now,
                "sent_by_id": actor_id,
            },
        )
        rows.append(row)
    return rows
