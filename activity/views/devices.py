"""Devices & downloads: the owner's devices, what each has downloaded and how far it got;
removing a download; linking a device by the 4-character code it shows.

The page renders our stored copy (`DeviceDownloads`) and asks the worker to read plex.tv again
when the copy is older than `FRESH_FOR`, so a page view never waits on plex.tv. Removing a
download and linking a device are Operations with their live status in place. Linking signs
a device in to the owner's Plex account, so only the owner may do it: a co-admin must not be
able to hand themselves a device holding the owner's sign-in.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh

from accounts import roles
from accounts.breaker import plextv_status
from accounts.decorators import admin_required, owner_required
from accounts.models import User
from activity import devices, operations
from activity.forms import LinkDeviceForm, RemoveDownloadForm
from activity.models import DeviceDownloads
from activity.views.access import wants_partial

# An older copy is read again when the page is opened (one read at a time, see
# `devices.request_refresh`).
FRESH_FOR = timedelta(minutes=2)
STALE_FORM = "This form is out of date; reload the page and try again."


def _actor(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


def _stale(row: DeviceDownloads) -> bool:
    return row.refreshed_at is None or timezone.now() - row.refreshed_at > FRESH_FOR


def _context(request: HttpRequest, row: DeviceDownloads) -> dict[str, object]:
    return {
        "row": row,
        "devices": devices.entries(row),
        "pending": operations.pending_removals(),
        "changes": operations.recent_device_changes(),
        "can_link": roles.is_owner(request.user),
        "link_form": LinkDeviceForm(),
        "code_minutes": devices.CODE_LIFETIME_MINUTES,
    }


@never_cache
@require_GET
@admin_required
def devices_page(request: HttpRequest) -> HttpResponse:
    row = devices.owner_downloads()
    if row is None:
        return render(request, "activity/devices.html", {"no_household": True})
    breaker_open = plextv_status().state == "open"
    if _stale(row) and not row.busy and not breaker_open:
        devices.request_refresh(row)
    context = _context(request, row)
    if wants_partial(request):
        return render(request, "activity/devices.html#device-list", context)
    return render(request, "activity/devices.html", context)


@never_cache
@require_GET
@admin_required
def refresh_status(request: HttpRequest) -> HttpResponse:
    """The "reading…" line, polled while the worker reads; the page reloads when it is done."""
    row = devices.owner_downloads()
    if row is None:
        return HttpResponseClientRefresh()
    if request.GET.get("was") == "busy" and not row.busy:
        return HttpResponseClientRefresh()
    return render(request, "activity/devices.html#refresh", {"row": row})


@require_POST
@admin_required
def refresh(request: HttpRequest) -> HttpResponse:
    row = devices.owner_downloads()
    if row is None:
        return redirect("activity:devices")
    queued = devices.request_refresh(row)
    if wants_partial(request):
        return render(request, "activity/devices.html#refresh", {"row": row})
    if queued:
        messages.info(request, "Reading the devices and their downloads from plex.tv…")
    else:
        messages.info(request, "The devices are already being read.")
    return redirect("activity:devices")


def _refused(request: HttpRequest, text: str) -> HttpResponse:
    if wants_partial(request):
        # htmx leaves 4xx answers unswapped, so the refusal comes back as 200.
        return HttpResponse(
            format_html('<p class="message message-error" role="alert">{}</p>', text)
        )
    messages.error(request, text)
    return redirect("activity:devices")


@require_POST
@admin_required
def remove_download(request: HttpRequest) -> HttpResponse:
    """Queue removing one download that our copy lists (nothing else can be named)."""
    row = devices.owner_downloads()
    form = RemoveDownloadForm(request.POST)
    if row is None or not form.is_valid():
        return _refused(request, STALE_FORM)
    try:
        device, item = devices.find(
            row, form.cleaned_data["client_id"], form.cleaned_data["item_id"]
        )
    except LookupError:
        return _refused(request, "That download is not on the device (any more); reload the page.")
    try:
        op = operations.submit_removal(row, device, item, _actor(request), form.cleaned_data["key"])
    except operations.ChangeRefused as refused:
        return _refused(request, refused.message)
    if wants_partial(request):
        return render(request, "activity/devices.html#change", {"op": op})
    messages.info(request, f"Removing “{item.name}” from {device.name}: sent to plex.tv.")
    return redirect("activity:devices")


def _link_refused(request: HttpRequest, text: str) -> HttpResponse:
    """Nothing queued: the form again (a fresh key) with the reason, or the reason as a
    message on the page."""
    if wants_partial(request):
        context = {"link_form": LinkDeviceForm(), "can_link": True, "error": text}
        return render(request, "activity/devices.html#link", context)
    messages.error(request, text)
    return redirect("activity:devices")


@require_POST
@owner_required
def link_device(request: HttpRequest) -> HttpResponse:
    """Queue linking the device that shows the code to the owner's Plex account."""
    form = LinkDeviceForm(request.POST)
    if not form.is_valid():
        errors = form.errors.get("code") or [STALE_FORM]
        return _link_refused(request, str(errors[0]))
    try:
        op = operations.submit_link(
            form.cleaned_data["code"], _actor(request), form.cleaned_data["key"]
        )
    except operations.ChangeRefused as refused:
        return _link_refused(request, refused.message)
    if wants_partial(request):
        # The form comes back empty with a fresh key, the link's live status under it.
        context = {"op": op, "link_form": LinkDeviceForm(), "can_link": True}
        return render(request, "activity/devices.html#link", context)
    messages.info(request, "Linking the device: the code is being sent to plex.tv.")
    return redirect("activity:devices")
