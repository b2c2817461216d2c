"""Beat's lifecycle tick: warn before access ends, apply invites' access lengths, decide the
inactivity clean-ups whose grace has passed, and tell about the removals they made."""

from __future__ import annotations

from celery import shared_task

from lifecycle import expiring, inactivity, terms


@shared_task(name="lifecycle.tasks.tick", ignore_result=True, soft_time_limit=100, time_limit=120)
def tick() -> dict[str, int]:
    return {
        "terms": terms.apply_terms(),
        "warnings": expiring.send_expiry_warnings(),
        "cleanups": inactivity.decide_due(),
        "removed": inactivity.report_removed(),
    }
