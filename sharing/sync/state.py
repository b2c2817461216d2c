"""What one sync holds while it writes, and what it reports when done.

`Recorder` is the state every step of the write shares (the observed household, the rows
read so far, the counts and the audit lines collected for one bulk insert); the steps
themselves are in `engine` (servers, people, shares) and `invites`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from sharing.models import AuditEvent, Library, Operation, PlexUser, Server, Share, SyncRun
from sharing.sync.observed import ObservedHousehold

BATCH = 1000

Row = dict[str, Any]
"""One database row as `QuerySet.values()` gives it."""


@dataclass(frozen=True)
class Person:
    """What the share and audit steps need of a person row."""

    pk: int
    label: str


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    flagged: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: int = 0


@dataclass
class SyncResult:
    counts: Counts
    requests: int
    discovered_servers: bool
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LocalVersions:
    """Versions of every person and share when the sync began reading from plex.tv."""

    people: dict[int, int]
    shares: dict[int, int]

    @classmethod
    def capture(cls) -> LocalVersions:
        return cls(
            people=dict(PlexUser.objects.values_list("id", "version")),
            shares=dict(Share.objects.values_list("id", "version")),
        )


class Recorder:
    """The state of one write of an observed household (inside the caller's transaction)."""

    def __init__(self, observed: ObservedHousehold, versions: LocalVersions, run: SyncRun) -> None:
        self.observed = observed
        self.versions = versions
        self.run = run
        self.now = timezone.now()
        self.counts = Counts()
        self.warnings: list[str] = []
        self.events: list[AuditEvent] = []
        self.pending = Operation.pending_targets()
        self.servers: dict[str, Server] = {}
        self.libraries: dict[int, Library] = {}
        self.users: dict[int, Person] = {}  # by plex id
        self.held_users: set[int] = set()  # plex ids the sync must not touch this time
        self.new_people: set[int] = set()

    def audit(
        self, target: str, ident: object, label: str, action: str, changes: list[dict[str, Any]]
    ) -> None:
        self.events.append(
            AuditEvent(
                source=AuditEvent.PLEXTV,
                target_type=target,
                target_id=str(ident),
                target_label=label[:200],
                action=action,
                changes=changes,
                sync_run=self.run,
                created_at=self.now,
            )
        )
