"""Pending invites as the people screen lists them: one row per invited person.

An invite to two servers is two shared-server invites at plex.tv, and an invitation into the
Home is a third kind of thing; the admin thinks of one person waiting to accept, so they are
grouped by who was invited and sorted in the order the list asks for. Everything pending is
read in two queries whatever its size: plex.tv caps sharing at about 100 people and a Home at
15, so the list stays small.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import CharField, Count, Exists, OuterRef, Q
from django.db.models.functions import Cast

from sharing.models import HomeInvite, Invite, Operation


@dataclass
class PendingServer:
    invite: Invite
    libraries: str
    busy: bool


@dataclass
class PendingRow:
    """Everything waiting on one invited person: server invites and a Home invitation."""

    key: str
    name: str
    email: str
    sent: datetime
    updated: datetime
    servers: list[PendingServer] = field(default_factory=list)
    home: HomeInvite | None = None
    home_busy: bool = False

    @property
    def busy(self) -> bool:
        return self.home_busy or any(server.busy for server in self.servers)

    @property
    def anchor(self) -> str:
        if self.servers:
            return f"invite-{self.servers[0].invite.pk}"
        return f"home-invite-{self.home.pk if self.home else 0}"

    @property
    def kind(self) -> str:
        if self.home and self.servers:
            return "Home and server invite"
        return "Home invite" if self.home else "Invite"


def _busy(target_type: str) -> Exists:
    return Exists(
        Operation.objects.filter(
            state__in=Operation.PENDING_STATES,
            target_type=target_type,
            target_id=Cast(OuterRef("pk"), CharField()),
        )
    )


def _person_key(plex_id: int | None, email: str, username: str) -> str:
    if plex_id is not None:
        return f"id:{plex_id}"
    return f"address:{(email or username).casefold()}"


SORT_KEYS = {
    "name": (lambda row: (row.name.casefold(), row.key), False),
    "-name": (lambda row: (row.name.casefold(), row.key), True),
    "kind": (lambda row: (row.kind, row.name.casefold(), row.key), False),
    "added": (lambda row: (row.sent, row.key), True),
    "updated": (lambda row: (row.updated, row.key), True),
}


def pending_rows(*, server: int | None, q: str, sort: str) -> list[PendingRow]:
    """The pending rows matching the list's server filter and search, in its sort order."""
    invites = (
        Invite.objects.filter(server__owned=True)
        .select_related("server")
        .annotate(library_count=Count("libraries"), busy=_busy(Operation.TARGET_INVITE))
        .order_by("server__name", "pk")
    )
    home_invites = HomeInvite.objects.annotate(busy=_busy(Operation.TARGET_HOME_INVITE))
    if server is not None:
        invites = invites.filter(server_id=server)
        home_invites = home_invites.none()  # an invitation into the Home is not on a server
    if q:
        invites = invites.filter(Q(email__icontains=q) | Q(username__icontains=q))
        home_invites = home_invites.filter(
            Q(email__icontains=q) | Q(username__icontains=q) | Q(title__icontains=q)
        )
    rows: dict[str, PendingRow] = {}
    for invite in invites:
        key = _person_key(invite.invited_plex_id, invite.email, invite.username)
        row = rows.get(key)
        if row is None:
            row = rows[key] = PendingRow(
                key=key,
                name=invite.username or invite.email or invite.address,
                email=invite.email,
                sent=invite.created_at,
                updated=invite.updated_at,
            )
        row.sent = min(row.sent, invite.created_at)
        row.updated = max(row.updated, invite.updated_at)
        count = getattr(invite, "library_count", 0)
        row.servers.append(
            PendingServer(
                invite=invite,
                libraries="all" if invite.all_libraries else str(count),
                busy=bool(getattr(invite, "busy", False)),
            )
        )
    for home in home_invites:
        key = _person_key(home.plex_id, home.email, home.username)
        row = rows.get(key)
        if row is None:
            row = rows[key] = PendingRow(
                key=key,
                name=home.username or home.title or home.email or home.address,
                email=home.email,
                sent=home.invited_at,
                updated=home.updated_at,
            )
        row.home = home
        row.home_busy = bool(getattr(home, "busy", False))
        row.sent = min(row.sent, home.invited_at)
        row.updated = max(row.updated, home.updated_at)
    order, reverse = SORT_KEYS.get(sort, SORT_KEYS["name"])
    return sorted(rows.values(), key=order, reverse=reverse)
