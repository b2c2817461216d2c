"""Background work of the sharing app. Arguments are ids; results are small summaries."""

from __future__ import annotations

from celery import shared_task

from sharing import services
from sharing.console_tasks import apply_operation, sweep_operations  # noqa: F401 - registers them
from sharing.models import SyncRun


@shared_task(
    name="sharing.tasks.sync_household", ignore_result=True, soft_time_limit=120, time_limit=150
)
def sync_household_task(run_id: int | None = None) -> dict[str, object]:
    """Beat (no id), "Sync now" and dashboard changes (the id of their queued SyncRun)."""
    triggered_by = SyncRun.SCHEDULE if run_id is None else SyncRun.ADMIN
    if run_id is not None:
        triggered_by = (
            SyncRun.objects.filter(pk=run_id).values_list("triggered_by", flat=True).first()
            or triggered_by
        )
    run = services.run_sync(run_id, triggered_by)
    if run is None:
        return {"run": None, "outcome": "already running or no household"}
    return {
        "run": run.pk,
        "outcome": run.outcome,
        "created": run.created,
        "updated": run.updated,
        "flagged": run.flagged,
        "requests": run.plextv_requests,
    }
