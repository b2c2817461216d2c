"""The account page (owner and co-admins): the household's Plex profile, devices, servers and
view-state sync; and signing out of plex.tv."""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth import logout
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

import plextv
from accounts.decorators import admin_required, owner_required
from accounts.forms import ConfirmForm
from accounts.models import Household, PlexAccount
from accounts.plex import PlexLinkProblem, owner_client, report_failure
from plextv.errors import NotFound, PlexTVError


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


def _account_context(client: plextv.PlexTV) -> dict[str, object]:
    servers = [r for r in client.resources() if r.is_server and r.owned]
    devices = [d for d in client.devices() if "server" not in d.provides]
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
    context: dict[str, object] = {"household": Household.current()}
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
    if not ConfirmForm(request.POST).is_valid():
        messages.error(request, "Tick the box to confirm removing the device.")
        return redirect("accounts:account")
    try:
        client = owner_client()
        device = next((d for d in client.devices() if d.id == device_id), None)
        if device is None or "server" in device.provides:
            raise Http404("No such device.")
        client.remove_device(device.id)
    except NotFound:
        messages.info(request, "That device was already removed.")
    except (PlexLinkProblem, PlexTVError) as exc:
        _failure(request, exc)
    else:
        messages.success(request, f"Removed {device.name} from the Plex account.")
    return redirect("accounts:account")


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
    template = "accounts/account.html#connections" if request.htmx else "accounts/connections.html"
    return render(request, template, {"results": results})


@admin_required
@require_POST
def set_view_state_sync(request: HttpRequest) -> HttpResponse:
    consent = request.POST.get("consent") == "on"
    try:
        owner_client().set_view_state_sync(consent)
    except (PlexLinkProblem, PlexTVError) as exc:
        _failure(request, exc)
    else:
        messages.success(request, f"View-state sync is {'on' if consent else 'off'}.")
    return redirect("accounts:account")


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
