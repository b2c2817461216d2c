"""Sync orchestration: the lock, the SyncRun row, the owner's client and what failures mean.

The engine itself (`sharing.sync.engine`) takes a client and an owner id; this module finds them for
the household, makes sure only one sync runs at a time, and turns plex.tv failures into
sentences an admin can act on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.membership import end_roles
from accounts.models import Household, User
from accounts.plex import PlexLinkProblem, owner_client, report_failure
from notify import events
from plextv.errors import ApiChanged, PlexTVError, RateLimited, Unauthorized
from sharing.models import AuditEvent, PlexUser, Share, SyncRun
from sharing.sync import locks
from sharing.sync.engine import sync_household

log = logging.getLogger(__name__)

# Scheduled syncs reuse the known servers and ask plex.tv for the list once a day; an
# admin's "Sync now" always asks.
REDISCOVER_AFTER = timedelta(hours=24)


def lock_name(owner_plex_id: int) -> str:
    return f"sync:{owner_plex_id}"


def lock_ttl() -> int:
    """Longer than the task may live, so the lock outlasts any run it protects."""
    return int(settings.CELERY_TASK_TIME_LIMIT) + 30


def failure_message(exc: PlexTVError) -> str:
    kept = "Nothing was changed here; the previous picture is kept."
    if isinstance(exc, Unauthorized):
        return f"plex.tv no longer accepts the owner's sign-in: sign in with Plex again. {kept}"
    if isinstance(exc, ApiChanged):
        where = f" ({exc.endpoint})" if exc.endpoint else ""
        return f"plex.tv changed its API{where}; plexadmin needs an update. {kept}"
    if isinstance(exc, RateLimited):
        return f"plex.tv asked to slow down; the next sync will try again. {kept}"
    return f"{exc.human_message} {kept}"


def needs_discovery(triggered_by: str) -> bool:
    if triggered_by == SyncRun.ADMIN:
        return True
    last = (
        SyncRun.objects.filter(discovered_servers=True, finished_at__isnull=False)
        .exclude(outcome=SyncRun.FAILED)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    return last is None or timezone.now() - last > REDISCOVER_AFTER


def run_sync(run_id: int | None = None, triggered_by: str = SyncRun.SCHEDULE) -> SyncRun | None:
    """One sync of the household, or none when another holds the lock.

    With `run_id` (a row the dashboard created), that row records the outcome, "skipped"
    included; a scheduled run gets a row only once it holds the lock.
    """
    household = Household.current()
    run = SyncRun.objects.filter(pk=run_id).first() if run_id is not None else None
    if run is not None and not run.active:
        return run  # a redelivered task for a run that already finished
    if household is None:
        if run is not None:
            run.finish(SyncRun.FAILED, "No household is set up yet: the owner must sign in first.")
        return run
    owner = household.owner
    name = lock_name(owner.plex_id)
    token = locks.acquire(name, lock_ttl())
    if token is None:
        if run is not None:
            run.skip()
        return run
    try:
        if run is None:
            run = SyncRun.objects.create(owner_plex_id=owner.plex_id, triggered_by=triggered_by)
        run.start()
        execute(run, household)
    finally:
        locks.release(name, token)
        if run is not None and run.outcome == SyncRun.FAILED:
            events.emit(
                events.SYNC_FAILING,
                key=f"run-{run.pk}",
                context={"message": run.error_message, "path": "/sharing/sync/"},
            )
    return run


def execute(run: SyncRun, household: Household) -> None:
    owner = household.owner
    try:
        client = owner_client()
    except PlexLinkProblem as exc:
        run.finish(SyncRun.FAILED, exc.message)
        return
    try:
        result = sync_household(
            client, owner.plex_id, run, discover=needs_discovery(run.triggered_by)
        )
    except PlexTVError as exc:
        report_failure(owner, exc)
        run.plextv_requests = client.requests_sent
        run.finish(SyncRun.FAILED, failure_message(exc))
        return
    except SoftTimeLimitExceeded:
        run.finish(SyncRun.FAILED, "The sync took too long and was stopped; nothing was changed.")
        raise
    except Exception:
        log.exception("sync %s failed", run.pk)
        run.finish(SyncRun.FAILED, "The sync failed unexpectedly; nothing was changed.")
        raise
    counts = result.counts
    run.created, run.updated, run.flagged = counts.created, counts.updated, counts.flagged
    run.removed, run.unchanged, run.skipped = counts.removed, counts.unchanged, counts.skipped
    run.plextv_requests = result.requests
    run.discovered_servers = result.discovered_servers
    run.warning = "\n".join(result.warnings)
    run.finish(SyncRun.WARNING if result.warnings else SyncRun.SUCCEEDED)


@dataclass(frozen=True)
class SyncRequest:
    run: SyncRun | None
    started: bool
    message: str


def active_run() -> SyncRun | None:
    """A queued or running sync young enough to still be alive."""
    since = timezone.now() - timedelta(seconds=lock_ttl())
    return SyncRun.objects.filter(outcome__in=SyncRun.ACTIVE, created_at__gte=since).first()


def request_sync(triggered_by: str, actor: User | None = None) -> SyncRequest:
    """Queue a sync (after the caller's transaction commits) unless one is already going."""
    from sharing.tasks import sync_household_task

    household = Household.current()
    if household is None:
        return SyncRequest(None, False, "No household is set up yet: the owner must sign in first.")
    running = active_run()
    if running is not None or locks.held(lock_name(household.owner.plex_id)):
        return SyncRequest(running, False, "A sync is already running.")
    run = SyncRun.objects.create(
        owner_plex_id=household.owner.plex_id, triggered_by=triggered_by, actor=actor
    )
    sync_household_task.delay_on_commit(run.pk)  # type: ignore[attr-defined]  # DjangoTask: not in celery-types
    return SyncRequest(run, True, "Sync started.")


def flagged_people() -> list[PlexUser]:
    return list(
        PlexUser.objects.filter(missing_since__isnull=False, removed_locally_at__isnull=True)
    )


def confirm_prune(plex_user_ids: list[int], actor: User) -> int:
    """An admin confirms that flagged people are gone: remove them (and their shares) here."""
    now = timezone.now()
    with transaction.atomic():
        people = list(
            PlexUser.objects.select_for_update().filter(
                pk__in=plex_user_ids, missing_since__isnull=False, removed_locally_at__isnull=True
            )
        )
        for person in people:
            person.removed_locally_at = now
            person.version += 1
            person.updated_at = now
        PlexUser.objects.bulk_update(people, ["removed_locally_at", "version", "updated_at"])
        Share.objects.filter(user__in=people).delete()
        end_roles([person.plex_id for person in people], actor=actor)
        AuditEvent.objects.bulk_create(
            AuditEvent(
                actor=actor,
                source=AuditEvent.DASHBOARD,
                target_type="plexuser",
                target_id=str(person.plex_id),
                target_label=person.display_name[:200],
                action="person.pruned",
                changes=[
                    {"field": "missing_since", "before": None, "after": str(person.missing_since)}
                ],
                created_at=now,
            )
            for person in people
        )
    return len(people)
