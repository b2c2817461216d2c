"""Discover search: the page asks the worker to search plex.tv and polls for the answer; each
result can be added to the watchlist (an Operation) and shows when it is already on it.

Additions go to the owner's list, or to the Home member's while viewing as them.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import admin_required
from accounts.http import is_partial
from accounts.models import User
from activity import discover, operations, viewing, watchlists
from activity.forms import WATCHLIST_TYPES, AddForm, DiscoverForm
from activity.models import DiscoverSearch, Poster, Watchlist
from activity.views.access import get_search


def _target(request: HttpRequest) -> tuple[Watchlist | None, str]:
    """The list additions go to: the viewed-as member's, else the owner's."""
    switched = viewing.current(request)
    person = viewing.person(switched) if switched else None
    if switched is not None and person is not None:
        return watchlists.member_watchlist(person), switched.ref
    return watchlists.owner_watchlist(), ""


def _results_context(search: DiscoverSearch, target: Watchlist | None) -> dict[str, object]:
    on_list: set[str] = set()
    pending: dict[str, object] = {}
    if target is not None:
        on_list = set(target.entries.values_list("rating_key", flat=True))
        pending = dict(operations.pending_for(target))
    poster_ids = [r["poster"] for r in search.results if r.get("poster")]
    hashes = dict(Poster.objects.filter(pk__in=poster_ids).values_list("pk", "url_hash"))
    results = [
        {
            **result,
            "poster_hash": hashes.get(result.get("poster")),
            "on_list": result["rating_key"] in on_list,
            "pending": pending.get(result["rating_key"]),
        }
        for result in search.results
    ]
    return {"search": search, "results": results, "target": target}


def _target_context(request: HttpRequest) -> dict[str, object]:
    target, ref = _target(request)
    return {"target": target, "for_member": bool(ref)}


@never_cache
@require_GET
@admin_required
def discover_page(request: HttpRequest) -> HttpResponse:
    form = DiscoverForm(request.GET or None)
    context: dict[str, object] = {"form": form, "types": WATCHLIST_TYPES}
    context.update(_target_context(request))
    if form.is_bound and form.is_valid():
        search = discover.find_or_start(form.cleaned_data["q"], form.cleaned_data["type"] or "")
        context.update(_results_context(search, context["target"]))  # type: ignore[arg-type]
        context["type"] = form.cleaned_data["type"] or ""
    if is_partial(request) and form.is_bound:
        return render(request, "activity/discover.html#results", context)
    return render(request, "activity/discover.html", context)


@never_cache
@require_GET
@admin_required
def search_results(request: HttpRequest, search_id: int) -> HttpResponse:
    search = get_search(request, search_id)
    context = _target_context(request)
    context.update(_results_context(search, context["target"]))  # type: ignore[arg-type]
    return render(request, "activity/discover.html#results", context)


def _back(search: DiscoverSearch | None) -> str:
    base = reverse("activity:discover")
    if search is None:
        return base
    return f"{base}?{urlencode({'q': search.query, 'type': search.libtype})}"


def _refused(request: HttpRequest, text: str, search: DiscoverSearch | None) -> HttpResponse:
    if is_partial(request):
        return HttpResponse(
            format_html('<p class="message message-error" role="alert">{}</p>', text)
        )
    messages.error(request, text)
    return redirect(_back(search))


@require_POST
@admin_required
def add(request: HttpRequest) -> HttpResponse:
    form = AddForm(request.POST)
    if not form.is_valid():
        return _refused(request, "This form is out of date; search again and retry.", None)
    search = DiscoverSearch.objects.filter(pk=form.cleaned_data["search"]).first()
    result = search.result(form.cleaned_data["rating_key"]) if search else None
    if search is None or result is None:
        # Only titles plex.tv itself returned can be added, never one made up in a form.
        return _refused(
            request, "That title is not among the search results; search again.", search
        )
    target, ref = _target(request)
    if target is None:
        return _refused(request, "No household is set up yet.", search)
    title = str(result.get("title"))
    if target.entries.filter(rating_key=result["rating_key"]).exists():
        return _refused(request, f"“{title}” is already on {target.name}'s watchlist.", search)
    if ref and ref != target.switch_ref:
        target.switch_ref = ref
        target.save(update_fields=["switch_ref"])
    item = {k: result.get(k) for k in ("title", "type", "year", "guid", "poster")}
    user = request.user if isinstance(request.user, User) else None
    try:
        op = operations.submit_change(
            operations.ADD, target, result["rating_key"], item, user, form.cleaned_data["key"]
        )
    except operations.ChangeRefused as refused:
        return _refused(request, refused.message, search)
    if is_partial(request):
        return render(request, "activity/discover.html#change", {"op": op})
    messages.info(request, f"Adding “{title}” to {target.name}'s watchlist…")
    return redirect(_back(search))
