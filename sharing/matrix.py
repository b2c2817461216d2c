"""The library matrix: people by libraries of one server, and bulk changes over it.

A cell is one library in one share. Toggling it, or changing a whole column, becomes
edit-share Operations (the same ones the person screen uses), so every change is read-modify-
write, retried, audited and shown live. Bulk changes are paced: their operations are published
with growing countdowns so that the worker stays under plex.tv's rate limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from accounts.models import User
from sharing.console_tasks import apply_operation
from sharing.models import Library, Operation, OperationBatch, PlexUser, Server, Share
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


# An edit-share operation reads the server's shares, writes the share and reads it back.
REQUESTS_PER_OPERATION = 3


def pace_seconds() -> float:
    """Seconds between the operations of one batch, so a batch stays under the rate limit."""
    configured = getattr(settings, "BULK_PACE_SECONDS", None)
    if configured is not None:
        return float(configured)
    return REQUESTS_PER_OPERATION / float(settings.PLEXTV_RATE_LIMIT)


@dataclass(frozen=True)
class Cell:
    share: Share
    library: Library
    state: str

    @property
    def shared(self) -> bool:
        return self.state == SHARED

    @property
    def poll_url(self) -> str:
        return reverse("matrix:cell", args=[self.share.server_id, self.share.pk, self.library.pk])

    @property
    def pressed(self) -> str:
        return "true" if self.shared else "false"

    @property
    def label(self) -> str:
        name = self.share.user.display_name
        if self.shared:
            return f"Unshare {self.library.title} from {name}"
        return f"Share {self.library.title} with {name}"


def shared_ids(share: Share, libraries: list[Library]) -> set[int]:
    if share.all_libraries:
        return {library.global_id for library in libraries}
    return {library.global_id for library in share.libraries.all()}


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


def server_shares(server: Server) -> list[Share]:
    return list(
        Share.objects.filter(
            server=server, user__removed_locally_at__isnull=True, shared_server_id__isnull=False
        )
        .select_related("user")
        .prefetch_related("libraries")
        .order_by("user__kind", "user__title", "user__username")
    )


def libraries_after(share: Share, library: Library, grant: bool) -> list[int]:
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
) -> Operation:
    before = sorted(shared_ids(share, list(share.server.libraries.all())))
    verb = "Share" if grant else "Unshare"
    return Operation.objects.create(
        kind=EDIT_SHARE,
        target_type=Operation.TARGET_SHARE,
        target_id=str(share.pk),
        params={
            "label": f"{verb} {library.title} with {share.user.display_name}",
            "changes": {"libraries": libraries_after(share, library, grant)},
            "before": {"libraries": before},
        },
        actor=actor,
        idempotency_key=key,
        batch=batch,
    )


def toggle(share: Share, library: Library, actor: User | None, key: str) -> Operation | None:
    """One cell: flip the library for this share. None when a change is already under way."""
    existing = Operation.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    if str(share.pk) in busy_shares():
        return None
    grant = library.global_id not in shared_ids(share, list(share.server.libraries.all()))
    with transaction.atomic():
        op = _edit(share, library, grant, actor, key)
        apply_operation.delay_on_commit(op.pk)  # type: ignore[attr-defined]  # DjangoTask: not in celery-types
    return op


@dataclass(frozen=True)
class BulkPlan:
    change: list[Share]
    already: int
    busy: int


def plan_bulk(shares: list[Share], library: Library, grant: bool) -> BulkPlan:
    busy = busy_shares()
    libraries = list(library.server.libraries.all())
    change, already, skipped = [], 0, 0
    for share in shares:
        if str(share.pk) in busy:
            skipped += 1
        elif (library.global_id in shared_ids(share, libraries)) == grant:
            already += 1
        else:
            change.append(share)
    return BulkPlan(change=change, already=already, busy=skipped)


def start_bulk(
    shares: list[Share], library: Library, grant: bool, actor: User | None, key: str
) -> tuple[OperationBatch, BulkPlan]:
    """Queue one operation per share that needs the change, paced, as one batch."""
    prior = Operation.objects.filter(idempotency_key__startswith=f"{key}:").first()
    if prior is not None and prior.batch is not None:
        return prior.batch, BulkPlan(change=[], already=0, busy=0)
    plan = plan_bulk(shares, library, grant)
    verb = "Share" if grant else "Remove"
    preposition = "with" if grant else "from"
    with transaction.atomic():
        batch = OperationBatch.objects.create(
            title=f"{verb} {library.title} {preposition} {len(plan.change)} "
            f"{'person' if len(plan.change) == 1 else 'people'}",
            actor=actor,
        )
        ops = [
            _edit(share, library, grant, actor, f"{key}:{share.pk}", batch) for share in plan.change
        ]
        pace = pace_seconds()

        def publish() -> None:
            for position, op in enumerate(ops):
                apply_operation.apply_async((op.pk,), countdown=round(position * pace, 2))

        transaction.on_commit(publish)
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
