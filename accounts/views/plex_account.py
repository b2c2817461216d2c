"""The account page's parts that speak only to plex.tv: probing the servers' connections and
signing this dashboard out of plex.tv.

The page itself (profile, devices, view-state sync) is sharing's `views/account.py`: its
changes are sharing Operations, and accounts never imports sharing.
"""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth import logout
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.decorators import admin_required, owner_required
from accounts.forms import ConfirmForm
from accounts.http import is_partial
from accounts.models import Household, PlexAccount
from accounts.plex import PlexLinkProblem, owner_client, report_failure
from accounts.reauth import recent_sign_in_required
from plextv.errors import NotFound, PlexTVError

# The account page (sharing's URLconf serves it at /accounts/account/).
ACCOUNT_PAGE = "sharing:account"


def _owner() -> PlexAccount:
    household = Household.current()
    if household is None:
        raise Http404("No household.")
    return household.owner


def report(request: HttpRequest, exc: Exception) -> None:
    """Tell the admin why plex.tv did not do what the page asked, and remember it."""
    if isinstance(exc, PlexTVError):
        report_failure(_owner(), exc)
        messages.error(request, exc.human_message)
    elif isinstance(exc, PlexLinkProblem):
        messages.error(request, exc.message)


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
        report(request, exc)
        return redirect(ACCOUNT_PAGE)
    template = (
        "accounts/connections.html#connections"
        if is_partial(request)
        else "accounts/connections.html"
    )
    return render(request, template, {"results": results})


@owner_required
@require_POST
@recent_sign_in_required
def sign_out_of_plex(request: HttpRequest) -> HttpResponse:
    """Revoke the owner's token at plex.tv, forget it here, and end this session."""
    if not ConfirmForm(request.POST).is_valid():
        messages.error(request, "Tick the box to confirm signing out of plex.tv.")
        return redirect(ACCOUNT_PAGE)
    owner = _owner()
    try:
        owner_client(page=True).sign_out()
    except PlexLinkProblem:
        pass  # the token is unusable already; forgetting it below is all that is left
    except PlexTVError as exc:
        report(request, exc)
        return redirect(ACCOUNT_PAGE)
    owner.forget_token()
    owner.save(update_fields=["token_ciphertext"])
    owner.mark_token(PlexAccount.TokenStatus.NEEDS_RELINK, "Signed out of plex.tv.")
    logout(request)
    return redirect("accounts:sign-in")
