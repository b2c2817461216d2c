"""The account page (owner and co-admins): the household's Plex profile, devices, servers and
view-state sync; and signing out of plex.tv.

Removing a device and turning view-state sync on or off are Operations run by a worker, like
every other change to plex.tv: the page shows their live status. Signing out of plex.tv stays
in the request, because the session ends with it.
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

import plextv
from accounts.decorators import admin_required, owner_required
from accounts.forms import ConfirmForm
from accounts.models import Household, PlexAccount, User
from accounts.plex import PlexLinkProblem, owner_client, report_failure
from plextv.errors import NotFound, PlexTVError
from plextv.models import Device
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
class DeviceRow:
    """A player device with the one-time key of its "Remove" form."""

    device: Device
    key: str = field(default_factory=new_key)


def _account_context(client: plextv.PlexTV) -> dict[str, object]:
    servers = [r for r in client.resources() if r.is_server and r.owned]
    devices = [DeviceRow(d) for d in client.devices() if "server" not in d.provides]
    return {
        "profile": client.account(),
        "devices": devices,
        "servers": servers,
        "view_state_sync": client.view_state_sync(),
    }


@never_cache
@admin_required
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    context: dict[str, object] = {
        "household": Household.current(),
        "account_operations": account_operations(),
        "sync_key": new_key(),
    }
    try:
        context.update(_account_context(owner_client()))
    except (PlexLinkProblem, PlexTVError) as exc:
        context["error"] = getattr(exc, "message", None) or getattr(exc, "human_message", "")
        if isinstance(exc, PlexTVError):
            report_failure(_owner(), exc)
    return render(request, "accounts/account.html", context)


@admin_required
@require_POST
def remove_device(request: HttpRequest, device_id: str) -> HttpResponse:
    """Queue the removal; the worker reads the device list and refuses a server."""
    if not ConfirmForm(request.POST).is_valid():
        return _refused(request, "Tick the box to confirm removing the device.")
    name = request.POST.get("name", "").strip()[:100]
    label = name or f"device {device_id}"
    op = _submit(request, REMOVE_DEVICE, TARGET_DEVICE, device_id[:64], {"label": label})
    if op is None:
        return _refused(request, STALE_FORM)
    return _submitted(request, op)


@never_cache
@admin_required
@require_POST
def check_connections(request: HttpRequest) -> HttpResponse:
    """Which address of each server answers, and how fast (probes the servers, not plex.tv)."""
    results: list[dict[str, object]] = []
    try:
        client = owner_client()
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
def sign_out_of_plex(request: HttpRequest) -> HttpResponse:
    """Revoke the owner's token at plex.tv, forget it here, and end this session."""
    if not ConfirmForm(request.POST).is_valid():
        messages.error(request, "Tick the box to confirm signing out of plex.tv.")
        return redirect("accounts:account")
    owner = _owner()
    try:
        owner_client().sign_out()
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
