"""The household's activity: recent plays, the month in charts, everyone's last activity, and
"Collect now". Everything comes from stored plays; nothing here calls plex.tv."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh

from accounts.decorators import admin_required
from accounts.http import is_partial
from activity import collect, stats
from activity.forms import INACTIVE_CHOICES, PEOPLE_SORTS, HouseholdForm
from activity.models import Collection, HistoryCursor

PEOPLE_PER_PAGE = 25


def latest_collection() -> Collection | None:
    return Collection.objects.order_by("-started_at", "-pk").first()


def _collecting(run: Collection | None) -> bool:
    """A run counts as under way until the lock it would hold could have expired."""
    if run is None or not run.running:
        return False
    return timezone.now() - run.started_at < timedelta(seconds=collect.LOCK_SECONDS)


def _status_context() -> dict[str, object]:
    run = latest_collection()
    last_success = (
        Collection.objects.filter(outcome__in=(Collection.SUCCEEDED, Collection.PARTIAL))
        .order_by("-finished_at")
        .first()
    )
    return {
        "run": run,
        "collecting": _collecting(run),
        "last_success": last_success,
        "cursors": HistoryCursor.objects.select_related("server").order_by("server__name"),
    }


@never_cache
@require_GET
@admin_required
def household(request: HttpRequest) -> HttpResponse:
    form = HouseholdForm(request.GET or None)
    valid = form.is_valid() if request.GET else True
    # The fields that are valid still apply when another one is not.
    data = form.cleaned_data if request.GET else {}
    month = stats.Month(data["month"]) if data.get("month") else stats.Month.current()
    inactive = int(data["inactive"]) if data.get("inactive") else None
    sort = data.get("sort") or "quiet"
    people = Paginator(stats.people_rows(inactive, sort), PEOPLE_PER_PAGE).get_page(
        request.GET.get("page")
    )
    month_plays = stats.plays_in(month, list(people.object_list))
    for person in people.object_list:
        person.month_plays = month_plays.get(person.plex_id, 0)  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "valid": valid,
        "month": month,
        "is_current": month == stats.Month.current(),
        "people": people,
        "query": query.urlencode(),
        "inactive": str(inactive or ""),
        "sort": sort,
        "inactive_choices": INACTIVE_CHOICES,
        "sorts": PEOPLE_SORTS,
    }
    if is_partial(request) and request.GET.get("region") == "people":
        return render(request, "activity/household.html#people", context)
    context.update(stats.overview(month))
    context.update(_status_context())
    return render(request, "activity/household.html", context)


@never_cache
@require_GET
@admin_required
def collect_status(request: HttpRequest) -> HttpResponse:
    """The collection status, polled while a run is under way; a finished run reloads the
    page so the new plays show."""
    context = _status_context()
    if request.GET.get("was") == "running" and not context["collecting"]:
        return HttpResponseClientRefresh()
    return render(request, "activity/household.html#collect-status", context)


@require_POST
@admin_required
def collect_now(request: HttpRequest) -> HttpResponse:
    already = _collecting(latest_collection())
    if not already:
        with transaction.atomic():
            collect.start_collection(Collection.ADMIN)
    if is_partial(request):
        return render(request, "activity/household.html#collect-status", _status_context())
    if already:
        messages.info(request, "History is already being collected.")
    else:
        messages.success(request, "Collecting new plays from your servers…")
    return redirect("activity:household")
