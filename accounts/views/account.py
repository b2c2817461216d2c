"""The account page (owner and co-admins): the household's Plex profile, devices, servers and
view-state sync; and signing out of plex.tv.

The page renders what the worker last read (`AccountSnapshot`, "read 2 minutes ago") and asks
the worker for a fresh read when that is old, so it never waits on plex.tv; the new picture
replaces the old in place when it arrives. Removing a device and turning view-state sync on
or off are Operations run by a worker, like every other change to plex.tv: the page shows
their live status, and a removed device leaves the list. Signing out of plex.tv stays in the
request (within the page budget), because the session ends with it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import logout
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseStopPolling

from accounts.breaker import plextv_status
from accounts.decorators import admin_required, owner_required
from accounts.forms import ConfirmForm
from accounts.models import AccountSnapshot, Household, PlexAccount, User
from accounts.picture import AccountPicture, DeviceRow
from accounts.plex import PlexLinkProblem, owner_client, report_failure
from accounts.reauth import recent_sign_in_required
from accounts.tasks import refresh_account_picture
from plextv.errors import NotFound, PlexTVError
from sharing import operations
from sharing.forms import OperationForm, new_key
from sharing.models import Operation
from sharing.operations.account import (
    REMOVE_DEVICE,
    SET_VIEW_STATE_SYNC,
    TARGET_ACCOUNT,
    TARGET_DEVICE,
)

STALE_FORM = "This form is out of date; reload the page and try again."
# Finished account changes stay on the page this long, so the outcome of the last click is seen.
RECENT = timedelta(minutes=30)
# A picture older than this is read again when the page is opened; page views within
# ASK_EVERY of a request ask the worker only once.
FRESH_FOR = timedelta(minutes=1)
ASK_EVERY = timedelta(seconds=30)


def _owner() -> PlexAccount:
    household = Household.current()
    if household is None:
        raise Http404("No household.")
    return household.owner


def _failure(request: HttpRequest, exc: Exception) -> None:
    if isinstance(exc, PlexTVError):
        report_failure(_owner(), exc)
        messages.error(request, exc.human_message)
    elif isinstance(exc, PlexLinkProblem):
        messages.error(request, exc.message)


def account_operations() -> list[Operation]:
    """Account changes under way, and those finished recently, newest first."""
    kinds = (REMOVE_DEVICE, SET_VIEW_STATE_SYNC)
    since = timezone.now() - RECENT
    return list(
        Operation.objects.filter(kind__in=kinds)
        .filter(Q(state__in=Operation.PENDING_STATES) | Q(created_at__gte=since))
        .order_by("-created_at", "-id")[:10]
    )


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _submitted(request: HttpRequest, op: Operation) -> HttpResponse:
    """The operation's live status: in place for htmx, on the account page otherwise."""
    if _is_htmx(request):
        return render(request, "sharing/operation.html#operation-status", {"op": op})
    messages.info(request, "Change queued: it is being sent to plex.tv.")
    return redirect("accounts:account")


def _refused(request: HttpRequest, text: str) -> HttpResponse:
    """A form that queued nothing: the reason in place for htmx, as a message otherwise."""
    if _is_htmx(request):
        # htmx leaves 4xx answers unswapped, so the refusal comes back as 200.
        return HttpResponse(
            format_html('<p class="message message-error" role="alert">{}</p>', text)
        )
    messages.error(request, text)
    return redirect("accounts:account")


def _submit(
    request: HttpRequest, kind: str, target_type: str, target_id: str, params: dict[str, object]
) -> Operation | None:
    form = OperationForm(request.POST)
    if not form.is_valid():
        return None
    user = request.user if isinstance(request.user, User) else None
    with transaction.atomic():
        op, _ = operations.submit(
            kind, target_type, target_id, params, user, form.cleaned_data["key"]
        )
    return op


@dataclass(frozen=True)
class DeviceLine:
    """A player device with the one-time key of its "Remove" form, or the removal under way."""

    device: DeviceRow
    key: str = field(default_factory=new_key)
    removal: Operation | None = None


def _snapshot() -> AccountSnapshot:
    household = Household.current()
    if household is None:
        raise Http404("No household.")
    snapshot, _ = AccountSnapshot.objects.get_or_create(account=household.owner)
    return snapshot


def _ask_for_refresh(snapshot: AccountSnapshot, *, now: bool = False) -> None:
    if not now and plextv_status().state == "open":
        return  # the banner says plex.tv is away; the worker would not be let through anyway
    stale = snapshot.read_at is None or timezone.now() - snapshot.read_at > FRESH_FOR
    if (now or stale) and snapshot.claim_refresh(timedelta(seconds=5) if now else ASK_EVERY):
        refresh_account_picture.delay_on_commit()  # type: ignore[attr-defined]  # DjangoTask: not in celery-types


def _device_removals() -> tuple[set[str], dict[str, Operation]]:
    """Devices removed lately, and removals still under way, by device id."""
    recent = Operation.objects.filter(kind=REMOVE_DEVICE, created_at__gte=timezone.now() - RECENT)
    removed = set(recent.filter(state=Operation.SUCCEEDED).values_list("target_id", flat=True))
    pending = {op.target_id: op for op in recent.filter(state__in=Operation.PENDING_STATES)}
    return removed, pending


def _picture(snapshot: AccountSnapshot) -> AccountPicture | None:
    """The stored picture with the account changes made since it was read applied."""
    if snapshot.read_at is None:
        return None
    picture = AccountPicture.from_json(snapshot.data)
    removed, _ = _device_removals()
    picture = picture.without_devices(removed)
    latest = (
        Operation.objects.filter(
            kind=SET_VIEW_STATE_SYNC, state=Operation.SUCCEEDED, finished_at__gte=snapshot.read_at
        )
        .order_by("-finished_at")
        .first()
    )
    if latest is not None:
        picture = picture.with_view_state_sync(bool(latest.params.get("consent")))
    return picture


def _account_context(snapshot: AccountSnapshot) -> dict[str, object]:
    picture = _picture(snapshot)
    _, pending = _device_removals()
    devices = [DeviceLine(d, removal=pending.get(d.id)) for d in picture.devices] if picture else []
    return {
        "household": Household.current(),
        "snapshot": snapshot,
        "picture": picture,
        "devices": devices,
        "account_operations": account_operations(),
        "sync_key": new_key(),
    }


@never_cache
@admin_required
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    snapshot = _snapshot()
    _ask_for_refresh(snapshot)
    context = _account_context(snapshot)
    target = request.htmx.target if _is_htmx(request) else None  # type: ignore[attr-defined]
    if target == "account-freshness":
        return _freshness(request, snapshot, context)
    if target == "account-body":
        return render(request, "accounts/account.html#account-body", context)
    return render(request, "accounts/account.html", context)


def _freshness(
    request: HttpRequest, snapshot: AccountSnapshot, context: dict[str, object]
) -> HttpResponse:
    """The "read 2 minutes ago" line, polled while a read is under way; once it is done the
    polling stops and, if the picture changed, the page body reloads itself (`accountRead`)."""
    response = render(request, "accounts/account.html#account-freshness", context)
    if snapshot.refreshing:
        return response
    stopped = HttpResponseStopPolling(response.content)
    if request.GET.get("read") != snapshot.stamp:
        stopped["HX-Trigger"] = "accountRead"
    return stopped


@admin_required
@require_POST
def refresh(request: HttpRequest) -> HttpResponse:
    """Read the account from plex.tv again now (through the worker)."""
    snapshot = _snapshot()
    _ask_for_refresh(snapshot, now=True)
    if _is_htmx(request):
        context = _account_context(snapshot)
        return render(request, "accounts/account.html#account-freshness", context)
    messages.info(request, "Reading the account from plex.tv…")
    return redirect("accounts:account")


@never_cache
@admin_required
@require_GET
def device_removal(request: HttpRequest, op_id: int) -> HttpResponse:
    """One device's row while its removal runs (polled): the device, then "removed"."""
    op = Operation.objects.filter(pk=op_id, kind=REMOVE_DEVICE).first()
    if op is None:
        raise Http404("No such removal.")
    context = {"op": op, "label": op.params.get("label", "")}
    response = render(request, "accounts/account.html#device-removal", context)
    if op.pending:
        return response
    return HttpResponseStopPolling(response.content)


@admin_required
@require_POST
@recent_sign_in_required
def remove_device(request: HttpRequest, device_id: str) -> HttpResponse:
    """Queue the removal; the worker reads the device list and refuses a server."""
    if not ConfirmForm(request.POST).is_valid():
        return _refused(request, "Tick the box to confirm removing the device.")
    name = request.POST.get("name", "").strip()[:100]
    label = name or f"device {device_id}"
    op = _submit(request, REMOVE_DEVICE, TARGET_DEVICE, device_id[:64], {"label": label})
    if op is None:
        return _refused(request, STALE_FORM)
    if _is_htmx(request):
        # The device's whole row turns into the removal's progress (an out-of-band swap).
        context = {"op": op, "label": label, "oob": True}
        return render(request, "accounts/account.html#device-removal", context)
    return _submitted(request, op)


@never_cache
@admin_required
@require_POST
def check_connections(request: HttpRequest) -> HttpResponse:
    """Which address of each server answers, and how fast (probes the servers, not plex.tv)."""
    results: list[dict[str, object]] = []
    try:
        client = owner_client(page=True)
        for server in client.resources():
            if not (server.is_server and server.owned):
                continue
            started = time.monotonic()
            try:
                connection = client.connect(server)
            except NotFound:
                results.append({"name": server.name, "ok": False})
                continue
            results.append(
                {
                    "name": server.name,
                    "ok": True,
                    "uri": connection.uri,
                    "kind": "relay"
                    if connection.relay
                    else ("local" if connection.local else "remote"),
                    "latency_ms": round((time.monotonic() - started) * 1000),
                }
            )
    except (PlexLinkProblem, PlexTVError) as exc:
        _failure(request, exc)
        return redirect("accounts:account")
    template = (
        "accounts/account.html#connections" if _is_htmx(request) else "accounts/connections.html"
    )
    return render(request, template, {"results": results})


@admin_required
@require_POST
def set_view_state_sync(request: HttpRequest) -> HttpResponse:
    consent = request.POST.get("consent") == "on"
    params: dict[str, object] = {
        "label": f"turn {'on' if consent else 'off'}",
        "consent": consent,
    }
    op = _submit(request, SET_VIEW_STATE_SYNC, TARGET_ACCOUNT, "view_state_sync", params)
    if op is None:
        return _refused(request, STALE_FORM)
    return _submitted(request, op)


@owner_required
@require_POST
@recent_sign_in_required
def sign_out_of_plex(request: HttpRequest) -> HttpResponse:
    """Revoke the owner's token at plex.tv, forget it here, and end this session."""
    if not ConfirmForm(request.POST).is_valid():
        messages.error(request, "Tick the box to confirm signing out of plex.tv.")
        return redirect("accounts:account")
    owner = _owner()
    try:
        owner_client(page=True).sign_out()
    except PlexLinkProblem:
        pass  # the token is unusable already; forgetting it below is all that is left
    except PlexTVError as exc:
        _failure(request, exc)
        return redirect("accounts:account")
    owner.forget_token()
    owner.save(update_fields=["token_ciphertext"])
    owner.mark_token(PlexAccount.TokenStatus.NEEDS_RELINK, "Signed out of plex.tv.")
    logout(request)
    return redirect("accounts:sign-in")
