"""Screens of access over time: who still watches, renewals, and inactivity clean-ups.

Every action is a POST form that works without JavaScript; renewals and removals are
operations, so their progress is the batch page the matrix uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import admin_required
from activity.models import LastActivity
from lifecycle import inactivity
from lifecycle.common import days_ago, end_of_day, live_shares
from lifecycle.forms import BatchRenewForm, CleanUpForm, ListForm, RenewForm
from lifecycle.models import CleanUp, CleanUpEntry
from lifecycle.renewal import Unchanged, renew_many, renew_share
from sharing.console_views.access import get_share
from sharing.models import Share
from sharing.operations.expiry import ExpiryNote, describe

SHARE_LIMIT = 100
EXPIRING_WITHIN = timedelta(days=30)


@dataclass
class Row:
    share: Share
    activity: LastActivity | None
    waiting: CleanUpEntry | None

    @property
    def expiry(self) -> ExpiryNote | None:
        return describe(self.share.expires_at)

    @property
    def played(self) -> str:
        """ "last played 12 days ago"."""
        at = self.activity.last_played_at if self.activity else None
        if at is None:
            return ""
        return days_ago((timezone.now() - at).days)


def _listed(show: str, days: int) -> list[Share]:
    now = timezone.now()
    if show == "inactive":
        shares = inactivity.inactive_shares(days, now)
    elif show == "expiring":
        shares = live_shares().filter(
            expires_at__isnull=False, expires_at__lte=now + EXPIRING_WITHIN
        )
    else:
        shares = live_shares()
    return list(shares.select_related("user", "server").order_by("user__title", "server__name"))


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    show, days = ListForm(request.GET or None).values()
    shares = _listed(show, days)
    activity = inactivity.last_active(shares)
    waiting = inactivity.in_cleanup(shares)
    rows = [
        Row(share, activity.get((share.user_id, share.server_id)), waiting.get(share.pk))
        for share in shares
    ]
    now = timezone.now()
    context: dict[str, Any] = {
        "rows": rows,
        "show": show,
        "days": days,
        "show_choices": ListForm.base_fields["show"].choices,  # type: ignore[attr-defined]
        "counters": {
            "shares": live_shares().count(),
            "limit": SHARE_LIMIT,
            "inactive": inactivity.inactive_shares(days, now).count(),
            "expiring": live_shares()
            .filter(expires_at__isnull=False, expires_at__lte=now + timedelta(days=7))
            .count(),
        },
        "cleanups": CleanUp.objects.select_related("actor")[:10],
        "errors": extra.pop("errors", []),
        "cleanup_end": CleanUpForm.default_end(),
    }
    context.update(extra)
    return context


@never_cache
@require_GET
@admin_required
def lifecycle_page(request: HttpRequest) -> HttpResponse:
    return render(request, "lifecycle/lifecycle.html", _context(request))


def _all_shares() -> list[Share]:
    return list(live_shares().select_related("user", "server"))


@require_POST
@admin_required
def renew_batch(request: HttpRequest) -> HttpResponse:
    form = BatchRenewForm(request.POST, shares=_all_shares())
    if not form.is_valid():
        return render(
            request, "lifecycle/lifecycle.html", _context(request, errors=[form]), status=400
        )
    plan = renew_many(form.picked(), form.renewal(), request.user, form.cleaned_data["key"])  # type: ignore[arg-type]
    notes = []
    if plan.unchanged:
        notes.append(
            f"{len(plan.unchanged)} left as they were (no end, or an end later than asked)"
        )
    if plan.busy:
        notes.append(f"{len(plan.busy)} skipped while another change to them runs")
    if notes:
        messages.info(request, "; ".join(notes) + ".")
    if plan.batch is None:
        return redirect("lifecycle:page")
    return redirect("matrix:batch", batch_id=plan.batch.pk)


@require_POST
@admin_required
def renew_one(request: HttpRequest, share_id: int) -> HttpResponse:
    share = get_share(request, share_id)
    back = reverse("people:person", args=[share.user_id]) + f"#share-{share.pk}"
    form = RenewForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(str(error) for error in errors))
        return redirect(back)
    renewal = form.renewal()
    try:
        renew_share(share, renewal, request.user, f"renew-{form.cleaned_data['key']}", batch=None)  # type: ignore[arg-type]
    except Unchanged as why:
        messages.info(
            request, f"{share.user.display_name} {why} on {share.server.name}: nothing changed."
        )
        return redirect(back)
    messages.success(request, f"Renewing {share.user.display_name}'s access {renewal.words}.")
    return redirect(back)


@require_POST
@admin_required
def cleanup_start(request: HttpRequest) -> HttpResponse:
    form = CleanUpForm(request.POST, shares=_all_shares())
    if not form.is_valid():
        return render(
            request, "lifecycle/lifecycle.html", _context(request, errors=[form]), status=400
        )
    picked = form.picked()
    idle = set(
        inactivity.inactive_shares(form.cleaned_data["days"])
        .filter(pk__in=[s.pk for s in picked])
        .values_list("pk", flat=True)
    )
    active = [share for share in picked if share.pk not in idle]
    if active:
        names = ", ".join(sorted({share.user.display_name for share in active}))
        form.add_error(
            "shares",
            f"Not inactive for {form.cleaned_data['days']} days: {names}. Only inactive "
            "people can be cleaned up.",
        )
        return render(
            request, "lifecycle/lifecycle.html", _context(request, errors=[form]), status=400
        )
    ends_at = end_of_day(form.cleaned_data["ends_on"])
    cleanup, skipped = inactivity.start(picked, ends_at, form.cleaned_data["days"], request.user)  # type: ignore[arg-type]
    if skipped:
        messages.info(request, f"{len(skipped)} already in a clean-up that is waiting; left in it.")
    if cleanup is None:
        return redirect("lifecycle:page")
    ends = f"{form.cleaned_data['ends_on']:%Y-%m-%d}"
    messages.success(
        request,
        f"{cleanup.entries.count()} warned: their access ends on {ends} unless they watch "
        "something.",
    )
    return redirect("lifecycle:cleanup", cleanup_id=cleanup.pk)


@never_cache
@require_GET
@admin_required
def cleanup_detail(request: HttpRequest, cleanup_id: int) -> HttpResponse:
    cleanup = get_object_or_404(CleanUp.objects.select_related("actor", "batch"), pk=cleanup_id)
    entries = cleanup.entries.select_related("user", "server", "operation")
    context = {
        "cleanup": cleanup,
        "entries": entries,
        "overdue": cleanup.waiting and cleanup.ends_at <= timezone.now(),
    }
    return render(request, "lifecycle/cleanup.html", context)
