"""The sync history page: recent runs, "Sync now", and confirming the removal of flagged people."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import admin_required
from accounts.http import AuthenticatedHttpRequest, HtmxHttpRequest, is_partial, parse_id
from accounts.models import Household
from sharing.models import SyncRun
from sharing.sync import runs as sync_runs

RECENT_RUNS = 20


def _context() -> dict[str, object]:
    runs = list(SyncRun.objects.select_related("actor")[:RECENT_RUNS])
    household = Household.current()
    return {
        "runs": runs,
        "active": any(run.active for run in runs),
        "latest": next((run for run in runs if not run.active), None),
        "flagged": sync_runs.flagged_people(),
        "owner_account": household.owner if household else None,
    }


def _runs_response(request: HtmxHttpRequest) -> HttpResponse:
    if is_partial(request):
        return render(request, "sharing/sync.html#sync-runs", _context())
    return redirect("sharing:sync")


@never_cache
@admin_required
@require_GET
def sync_history(request: HtmxHttpRequest) -> HttpResponse:
    if is_partial(request):
        return render(request, "sharing/sync.html#sync-runs", _context())
    return render(request, "sharing/sync.html", _context())


@admin_required
@require_POST
def sync_now(request: AuthenticatedHttpRequest) -> HttpResponse:
    outcome = sync_runs.request_sync(SyncRun.ADMIN, actor=request.user)
    level = messages.SUCCESS if outcome.started else messages.WARNING
    if not request.htmx:
        messages.add_message(request, level, outcome.message)
    return _runs_response(request)


@admin_required
@require_POST
def confirm_prune(request: AuthenticatedHttpRequest) -> HttpResponse:
    submitted = request.POST.getlist("person")
    ids = [pk for pk in map(parse_id, submitted) if pk is not None]
    if not submitted:
        messages.warning(request, "Pick at least one person to remove.")
        return redirect("sharing:sync")
    if len(ids) != len(submitted):
        messages.error(request, "That selection is not a list of people; nobody was removed.")
        return redirect("sharing:sync")
    removed = sync_runs.confirm_prune(ids, request.user)
    messages.success(request, f"Removed {removed} people no longer on plex.tv.")
    return redirect("sharing:sync")
