"""One person's plays across the owner's servers (admins), and a member's own ("Your plays")."""

from __future__ import annotations

from datetime import datetime, time

from django.core.paginator import Paginator
from django.db.models import Max, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.decorators import admin_required, member_required
from accounts.http import is_partial
from activity.forms import PlaysFilterForm
from activity.models import LastActivity, Play
from activity.views.access import get_person, own_account

PLAYS_PER_PAGE = 50


def _filtered(account_id: int, form: PlaysFilterForm) -> QuerySet[Play]:
    plays = Play.objects.filter(account_id=account_id).select_related("server", "library")
    if not form.is_bound:
        return plays
    if not form.is_valid():
        return plays.none()
    data = form.cleaned_data
    zone = timezone.get_current_timezone()
    if data.get("since"):
        plays = plays.filter(viewed_at__gte=datetime.combine(data["since"], time.min, zone))
    if data.get("until"):
        plays = plays.filter(viewed_at__lte=datetime.combine(data["until"], time.max, zone))
    if data.get("server") is not None:
        plays = plays.filter(server=data["server"])
    return plays


def _render(request: HttpRequest, account_id: int, extra: dict[str, object]) -> HttpResponse:
    form = PlaysFilterForm(request.GET or None)
    plays = _filtered(account_id, form)
    page = Paginator(plays, PLAYS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form if form.is_bound else PlaysFilterForm(),
        "page": page,
        "query": query.urlencode(),
        "filtered": bool(query),
        **extra,
    }
    if is_partial(request):
        return render(request, "activity/person.html#plays", context)
    latest = Play.objects.filter(account_id=account_id).aggregate(at=Max("viewed_at"))["at"]
    context["last_played"] = latest
    return render(request, "activity/person.html", context)


@never_cache
@require_GET
@admin_required
def person(request: HttpRequest, person_id: int) -> HttpResponse:
    someone = get_person(request, person_id)
    servers = list(
        LastActivity.objects.filter(user=someone).select_related("server").order_by("server__name")
    )
    seen = [row.last_seen_at for row in servers if row.last_seen_at]
    return _render(
        request,
        someone.plex_id,
        {
            "person": someone,
            "title": someone.display_name,
            "activity_rows": servers,
            "last_seen": max(seen) if seen else None,
        },
    )


@never_cache
@require_GET
@member_required
def mine(request: HttpRequest) -> HttpResponse:
    account = own_account(request)
    return _render(request, account.plex_id, {"person": None, "title": "Your plays"})
