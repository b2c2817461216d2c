"""The owner's watchlist, or a Home member's while viewing as them: filter, sort, page, remove.

The list shown is our stored copy; "Refresh" asks the worker to read plex.tv again, and a
removal is an Operation with its live status. While viewing as a member, their list is read
with the switched token the worker finds in the cache by the session's reference.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh

from accounts.decorators import admin_required
from accounts.http import is_partial, refused_in_place
from accounts.models import User
from activity import operations, viewing, watchlists
from activity.forms import WATCHLIST_SORTS, WATCHLIST_TYPES, RemoveForm, WatchlistFilterForm
from activity.models import Watchlist, WatchlistEntry

ITEMS_PER_PAGE = 24


class NotViewing(Exception):
    pass


def resolve(request: HttpRequest, as_member: bool) -> tuple[Watchlist | None, str]:
    """The list this URL is about, and the switch reference when it is a member's.

    `NotViewing` when the member URL is opened without a live "viewing as" session.
    """
    if not as_member:
        return watchlists.owner_watchlist(), ""
    switched = viewing.current(request)
    person = viewing.person(switched) if switched else None
    if switched is None or person is None:
        raise NotViewing
    return watchlists.member_watchlist(person), switched.ref


def _not_viewing(request: HttpRequest) -> HttpResponse:
    messages.info(request, "Switch to a Home member first to see their watchlist.")
    return redirect("sharing:switch")


def _base(as_member: bool) -> str:
    return reverse("activity:watchlist-member" if as_member else "activity:watchlist")


def _urls(as_member: bool) -> dict[str, str]:
    prefix = "activity:watchlist-member" if as_member else "activity:watchlist"
    return {
        "list": reverse(prefix),
        "refresh": reverse(f"{prefix}-refresh"),
        "status": reverse(f"{prefix}-status"),
        "remove": reverse(f"{prefix}-remove"),
    }


def _items(watchlist: Watchlist, kind: str, sort: str) -> QuerySet[WatchlistEntry]:
    items = watchlist.entries.select_related("poster")
    if kind:
        items = items.filter(type=kind)
    if sort == "title":
        return items.order_by("title", "pk")
    if sort == "released":
        return items.order_by(F("released").desc(nulls_last=True), "title")
    if sort == "rating":
        return items.order_by(F("rating").desc(nulls_last=True), "title")
    return items.order_by("position", "title")


@never_cache
@require_GET
@admin_required
def watchlist(request: HttpRequest, as_member: bool = False) -> HttpResponse:
    try:
        current, ref = resolve(request, as_member)
    except NotViewing:
        return _not_viewing(request)
    if current is None:
        return render(request, "activity/watchlist.html", {"no_household": True})
    if current.refreshed_at is None and not current.busy:
        # Never read yet: the first look asks the worker for it.
        watchlists.request_refresh(current, ref)
    form = WatchlistFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    kind, sort = data.get("type") or "", data.get("sort") or "added"
    page = Paginator(_items(current, kind, sort), ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "watchlist": current,
        "as_member": as_member,
        "urls": _urls(as_member),
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "kind": kind,
        "sort": sort,
        "types": WATCHLIST_TYPES,
        "sorts": WATCHLIST_SORTS,
        "pending": operations.pending_for(current),
        "changes": operations.recent(current),
        "total": current.entries.count(),
    }
    if is_partial(request):
        return render(request, "activity/watchlist.html#items", context)
    return render(request, "activity/watchlist.html", context)


@never_cache
@require_GET
@admin_required
def refresh_status(request: HttpRequest, as_member: bool = False) -> HttpResponse:
    try:
        current, _ = resolve(request, as_member)
    except NotViewing:
        return HttpResponseClientRefresh()
    if current is None:
        return HttpResponseClientRefresh()
    if request.GET.get("was") == "busy" and not current.busy:
        return HttpResponseClientRefresh()
    context = {"watchlist": current, "urls": _urls(as_member), "as_member": as_member}
    return render(request, "activity/watchlist.html#refresh", context)


@require_POST
@admin_required
def refresh(request: HttpRequest, as_member: bool = False) -> HttpResponse:
    try:
        current, ref = resolve(request, as_member)
    except NotViewing:
        return _not_viewing(request)
    if current is None:
        return redirect("activity:watchlist")
    queued = watchlists.request_refresh(current, ref)
    if is_partial(request):
        context = {"watchlist": current, "urls": _urls(as_member), "as_member": as_member}
        return render(request, "activity/watchlist.html#refresh", context)
    if queued:
        messages.info(request, f"Reading {current.name}'s watchlist from plex.tv…")
    else:
        messages.info(request, f"{current.name}'s watchlist is already being read.")
    return redirect(_base(as_member))


def _refused(request: HttpRequest, text: str, as_member: bool) -> HttpResponse:
    if is_partial(request):
        return refused_in_place(text)
    messages.error(request, text)
    return redirect(_base(as_member))


@require_POST
@admin_required
def remove(request: HttpRequest, as_member: bool = False) -> HttpResponse:
    try:
        current, ref = resolve(request, as_member)
    except NotViewing:
        return _not_viewing(request)
    form = RemoveForm(request.POST)
    if current is None or not form.is_valid():
        return _refused(
            request, "This form is out of date; reload the page and try again.", as_member
        )
    entry = current.entries.filter(rating_key=form.cleaned_data["rating_key"]).first()
    if entry is None:
        return _refused(request, "That title is not on this watchlist (any more).", as_member)
    if ref and ref != current.switch_ref:
        current.switch_ref = ref
        current.save(update_fields=["switch_ref"])
    item = {"title": entry.title, "type": entry.type, "year": entry.year}
    user = request.user if isinstance(request.user, User) else None
    try:
        op = operations.submit_change(
            operations.REMOVE, current, entry.rating_key, item, user, form.cleaned_data["key"]
        )
    except operations.ChangeRefused as refused:
        return _refused(request, refused.message, as_member)
    if is_partial(request):
        return render(request, "activity/watchlist.html#change", {"op": op, "entry": entry})
    messages.info(request, f"Removing “{entry.title}”: the change is being sent to plex.tv.")
    return redirect(_base(as_member))
