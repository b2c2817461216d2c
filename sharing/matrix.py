"""The library matrix: people by libraries of one server, and bulk changes over it.

A cell is one library in one share. Toggling it, or changing a whole column, becomes
edit-share Operations (the same ones the person screen uses), so every change is read-modify-
write, retried, audited and shown live. Bulk changes are paced: their operations are published
with growing countdowns so that the worker stays under plex.tv's rate limit.

A share never loses its last library through an edit: plex.tv reads an empty library list as
"every library". Taking the last one away is stopping the share, which the admin confirms
(a dialog for a cell; in a bulk change, those people are skipped unless the admin chose to
stop sharing with them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from sharing.forms import new_key
from sharing.models import (
    Library,
    Operation,
    OperationBatch,
    PlexUser,
    Server,
    Share,
    ShareLibrary,
)
from sharing.operations import submit
from sharing.operations.invites import STOP_SHARING
from sharing.operations.shares import EDIT_SHARE

SHARED = "shared"
NOT_SHARED = "not-shared"
PENDING = "pending"
BUSY = "busy"

AUDIENCES = {
    "friends": (PlexUser.FRIEND,),
    "home": (PlexUser.HOME, PlexUser.MANAGED),
    "everyone": (PlexUser.FRIEND, PlexUser.HOME, PlexUser.MANAGED),
}


# How long a failed change is shown on its row.
NOTE_FOR = timedelta(hours=1)

# An edit of a batch writes its share, reading it from the batch's one read of the server's
# shares (sharing/operations/batch_reads.py): one request per person, plus that read, counted
# as one more slot before the second operation, and again once a minute per worker (one in
# 600 operations at 10 requests/s). The 2 % over one request absorbs the timer's jitter.
REQUESTS_PER_OPERATION = 1.02


def pace_seconds() -> float:
    """Seconds between the operations of one batch, so a batch stays under the rate limit."""
    configured = getattr(settings, "BULK_PACE_SECONDS", None)
    if configured is not None:
        return float(configured)
    return REQUESTS_PER_OPERATION / float(settings.PLEXTV_RATE_LIMIT)


def countdowns(servers: Sequence[object], pace: float) -> list[float]:
    """When each operation of a batch is due, in seconds from now, given the server each one
    changes (in order).

    The first operation on a server also reads that server's shares (two requests), so the
    next one waits two slots; the rest follow one slot apart: a batch sends its requests
    no faster than the rate limit allows.
    """
    due: list[float] = []
    slot, seen = 0, set()
    for server in servers:
        due.append(round(slot * pace, 3))
        slot += 1 if server in seen else 2
        seen.add(server)
    return due


class LastLibrary(Exception):
    """The change would leave the share with no library: it is a "stop sharing" instead."""


@dataclass(frozen=True)
class Cell:
    share: Share
    library: Library
    state: str
    # The share's only library on this server: unsharing it stops the share (confirmed).
    last: bool = False

    @property
    def shared(self) -> bool:
        return self.state == SHARED

    @property
    def poll_url(self) -> str:
        return reverse(
            "sharing:matrix-cell", args=[self.share.server_id, self.share.pk, self.library.pk]
        )

    @property
    def pressed(self) -> str:
        return "true" if self.shared else "false"

    @property
    def label(self) -> str:
        name = self.share.user.display_name
        if self.shared:
            return f"Unshare {self.library.title} from {name}"
        return f"Share {self.library.title} with {name}"

    @property
    def dialog_id(self) -> str:
        return f"stop-{self.share.pk}-{self.library.pk}"

    @property
    def stop_url(self) -> str:
        return reverse("sharing:matrix-stop", args=[self.share.server_id, self.share.pk])

    @property
    def stop_confirm_url(self) -> str:
        url = reverse("sharing:matrix-stop-confirm", args=[self.share.server_id, self.share.pk])
        return f"{url}?library={self.library.pk}"

    @property
    def stop_key(self) -> str:
        # Read once per rendered dialog: each confirmation form gets its own one-time key.
        return new_key()


@dataclass(frozen=True)
class Row:
    share: Share
    cells: list[Cell]
    busy: bool
    note: str = ""

    @property
    def poll_url(self) -> str:
        return reverse("sharing:matrix-row", args=[self.share.server_id, self.share.pk])


def shared_ids_of(shares: list[Share]) -> dict[int, set[int]]:
    """Per share, the global ids of its libraries: one query of two columns for a page."""
    found: dict[int, set[int]] = {share.pk: set() for share in shares}
    links = ShareLibrary.objects.filter(share__in=shares).values_list(
        "share_id", "library__global_id"
    )
    for share_id, global_id in links:
        found[share_id].add(global_id)
    return found


def shared_ids(share: Share, libraries: list[Library]) -> set[int]:
    if share.all_libraries:
        return {library.global_id for library in libraries}
    return {library.global_id for library in share.libraries.all()}


def is_last(library: Library, ids: set[int]) -> bool:
    """True when `library` is all this share has: unsharing it would leave nothing."""
    return ids == {library.global_id}


def make_cell(share: Share, library: Library, ids: set[int], busy: set[str]) -> Cell:
    state = cell_state(share, library, ids, busy)
    return Cell(share, library, state, last=state == SHARED and is_last(library, ids))


def make_row(
    share: Share,
    libraries: list[Library],
    busy: set[str],
    note: str = "",
    ids: set[int] | None = None,
) -> Row:
    """`ids`: the global ids of the libraries the share holds, when already read."""
    if ids is None or share.all_libraries:
        ids = shared_ids(share, libraries)
    row_busy = str(share.pk) in busy
    if row_busy or share.pending:
        state = BUSY if row_busy else PENDING
        cells = [Cell(share, library, state) for library in libraries]
    else:
        cells = []
        for library in libraries:
            shared = library.global_id in ids
            last = shared and len(ids) == 1
            cells.append(Cell(share, library, SHARED if shared else NOT_SHARED, last=last))
    return Row(share=share, cells=cells, busy=row_busy, note=note)


def cell_state(share: Share, library: Library, ids: set[int], busy: set[str]) -> str:
    if str(share.pk) in busy:
        return BUSY
    if share.pending:
        return PENDING
    return SHARED if library.global_id in ids else NOT_SHARED


def busy_shares() -> set[str]:
    return {
        target_id
        for target_type, target_id in Operation.pending_targets()
        if target_type == Operation.TARGET_SHARE
    }


def server_shares_query(server: Server) -> QuerySet[Share]:
    """The matrix's rows in their order, not yet read (a page of them is)."""
    return (
        Share.objects.filter(
            server=server, user__removed_locally_at__isnull=True, shared_server_id__isnull=False
        )
        .select_related("user")
        .prefetch_related("libraries")
        .order_by("user__kind", "user__title", "user__username", "pk")
    )


def server_shares(server: Server) -> list[Share]:
    return list(server_shares_query(server))


def search(text: str) -> Q:
    """Rows whose person's shown name or e-mail holds `text` (any case)."""
    return (
        Q(user__title__icontains=text)
        | (Q(user__title="") & Q(user__username__icontains=text))
        | Q(user__email__icontains=text)
    )


def libraries_after(
    share: Share, library: Library, grant: bool, everything: list[Library] | None = None
) -> list[int]:
    """`everything`: the server's libraries, when already read (a batch reads them once)."""
    if everything is None:
        everything = list(share.server.libraries.order_by("global_id"))
    ids = shared_ids(share, everything)
    if grant:
        ids.add(library.global_id)
    else:
        ids.discard(library.global_id)
    return sorted(ids)


def _edit(
    share: Share,
    library: Library,
    grant: bool,
    actor: User | None,
    key: str,
    batch: OperationBatch | None = None,
    countdown: float | None = None,
    everything: list[Library] | None = None,
) -> Operation:
    if everything is None:
        everything = list(share.server.libraries.all())
    before = sorted(shared_ids(share, everything))
    after = libraries_after(share, library, grant, everything)
    if not after:
        raise LastLibrary(f"{library.title} is the last library of {share}")
    label = "Share {} with {}" if grant else "Unshare {} from {}"
    params = {
        "label": label.format(library.title, share.user.display_name),
        "changes": {"libraries": after},
        "before": {"libraries": before},
    }
    op, _ = submit(EDIT_SHARE, share, params, actor, key, batch, countdown)
    return op


def stop_params(share: Share) -> dict[str, str]:
    return {
        "label": f"Stop sharing {share.server.name} with {share.user.display_name}",
        "reason": "last library",
    }


def _stop(
    share: Share,
    actor: User | None,
    key: str,
    batch: OperationBatch | None = None,
    countdown: float | None = None,
) -> Operation:
    """The same "stop sharing this server" the person screen has, grouped in `batch`."""
    op, _ = submit(STOP_SHARING, share, stop_params(share), actor, key, batch, countdown)
    return op


def stop(share: Share, actor: User | None, key: str) -> Operation | None:
    """Stop sharing this server with this person (confirmed in the matrix). None when a change
    to them is already under way."""
    existing = Operation.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    if str(share.pk) in busy_shares():
        return None
    with transaction.atomic():
        return _stop(share, actor, key)


def toggle(share: Share, library: Library, actor: User | None, key: str) -> Operation | None:
    """One cell: flip the library for this share. None when a change is already under way;
    `LastLibrary` when it would take the share's last library (that is `stop()`)."""
    existing = Operation.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    if str(share.pk) in busy_shares():
        return None
    grant = library.global_id not in shared_ids(share, list(share.server.libraries.all()))
    with transaction.atomic():
        return _edit(share, library, grant, actor, key)


@dataclass(frozen=True)
class BulkPlan:
    library: Library
    grant: bool
    change: list[Share]
    # Removals that would take someone's last library here: skipped, or stopped if chosen.
    last: list[Share]
    already: int
    busy: int


def people(count: int) -> str:
    return f"{count} {'person' if count == 1 else 'people'}"


def bulk_title(library: Library, grant: bool, changed: int, stopped: int) -> str:
    if grant:
        return f"Share {library.title} with {people(changed)}"
    remove = f"Remove {library.title} from {people(changed)}"
    stopping = f"sharing {library.server.name} with {people(stopped)}"
    if not stopped:
        return remove
    if not changed:
        return f"Stop {stopping}"
    return f"{remove} and stop {stopping}"


def plan_bulk(shares: list[Share], library: Library, grant: bool) -> BulkPlan:
    busy = busy_shares()
    libraries = list(library.server.libraries.all())
    change, last, already, skipped = [], [], 0, 0
    for share in shares:
        ids = shared_ids(share, libraries)
        if str(share.pk) in busy:
            skipped += 1
        elif (library.global_id in ids) == grant:
            already += 1
        elif not grant and is_last(library, ids):
            last.append(share)
        else:
            change.append(share)
    return BulkPlan(
        library=library, grant=grant, change=change, last=last, already=already, busy=skipped
    )


def start_bulk(
    shares: list[Share],
    library: Library,
    grant: bool,
    actor: User | None,
    key: str,
    *,
    stop_last: bool = False,
) -> tuple[OperationBatch, BulkPlan]:
    """Queue one operation per share that needs the change, paced, as one batch.

    People who would lose their last library here are left as they are, unless `stop_last`:
    then their share of this server is stopped (never sent an empty library list).
    """
    prior = Operation.objects.filter(idempotency_key__startswith=f"{key}:").first()
    if prior is not None and prior.batch is not None:
        return prior.batch, BulkPlan(
            library=library, grant=grant, change=[], last=[], already=0, busy=0
        )
    plan = plan_bulk(shares, library, grant)
    stopped = plan.last if stop_last else []
    with transaction.atomic():
        batch = OperationBatch.objects.create(
            title=bulk_title(library, grant, len(plan.change), len(stopped)),
            actor=actor,
            server=library.server,
        )
        due = countdowns([library.server_id] * (len(plan.change) + len(stopped)), pace_seconds())
        everything = list(library.server.libraries.all())
        for share, countdown in zip(plan.change, due, strict=False):
            share.server = library.server
            _edit(share, library, grant, actor, f"{key}:{share.pk}", batch, countdown, everything)
        for share, countdown in zip(stopped, due[len(plan.change) :], strict=True):
            _stop(share, actor, f"{key}:{share.pk}", batch, countdown)
    return batch, plan


@dataclass(frozen=True)
class Progress:
    total: int
    succeeded: int
    failed: list[Operation]
    pending: int

    @property
    def done(self) -> int:
        return self.succeeded + len(self.failed)

    @property
    def finished(self) -> bool:
        return self.pending == 0

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 else round(100 * self.done / self.total)


def progress(batch: OperationBatch) -> Progress:
    ops = list(batch.operations.order_by("pk"))
    return Progress(
        total=len(ops),
        succeeded=sum(op.state == Operation.SUCCEEDED for op in ops),
        failed=[op for op in ops if op.state == Operation.FAILED],
        pending=sum(op.pending for op in ops),
    )


def last_stop(share_id: int) -> Operation | None:
    """The latest "stop sharing" of a share, which explains a row that is no longer there."""
    return (
        Operation.objects.filter(
            kind=STOP_SHARING, target_type=Operation.TARGET_SHARE, target_id=str(share_id)
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def failure_notes(shares: list[Share]) -> dict[int, str]:
    """Per share, what went wrong with its latest change, while that change is the latest
    and recent (an older failure is history, found in the audit trail)."""
    if not shares:
        return {}
    latest: dict[str, Operation] = {}
    recent = Operation.objects.filter(
        target_type=Operation.TARGET_SHARE,
        target_id__in=[str(share.pk) for share in shares],
        created_at__gte=timezone.now() - NOTE_FOR,
    ).order_by("created_at", "pk")
    for op in recent:
        latest[op.target_id] = op
    return {
        int(target): f"{op.params.get('label') or 'The last change'} failed: {op.message}"
        for target, op in latest.items()
        if op.state == Operation.FAILED
    }
