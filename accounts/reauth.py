"""Re-authentication before the changes that matter most (RELIABILITY 10; ASVS 7.5.1, 7.5.3).

Signing the owner out of plex.tv, granting or revoking co-admins, removing a device from the
Plex account and changing notification channels each need a fresh Sign in with Plex: one
within the last REAUTH_MAX_AGE seconds (10 minutes). A session left open on a shared computer
can browse, but not do those. Every sign-in is a fresh plex.tv authentication here (a PIN
approved on plex.tv, or the Plex password checked by plex.tv), so the moment is recorded when
Django logs the user in; a session carried over from earlier never counts.

A request without a fresh sign-in changes nothing: it is sent to "Confirm it's you" (a Sign in
with Plex that comes back to the page the form was on), and the admin then submits again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.views.sign_in import opener_policy, safe_next

SIGNED_IN_AT = "plex_signed_in_at"

View = Callable[..., HttpResponseBase]


def max_age() -> int:
    return int(getattr(settings, "REAUTH_MAX_AGE", 600))


@receiver(user_logged_in, dispatch_uid="accounts.reauth.stamp")
def stamp(sender: Any, request: HttpRequest | None, **_: Any) -> None:
    """Record when this browser last signed in (after the login cycled the session key)."""
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = time.time()


def is_fresh(request: HttpRequest) -> bool:
    signed_in_at = request.session.get(SIGNED_IN_AT)
    if not isinstance(signed_in_at, int | float):
        return False
    age = time.time() - signed_in_at
    return 0 <= age <= max_age()


def _back_to(request: HttpRequest) -> str:
    """The page the form was on (a same-site path only), else the dashboard's start."""
    referer = urlsplit(request.headers.get("Referer", ""))
    same_site = referer.netloc in {"", request.get_host()}
    path = referer.path + (f"?{referer.query}" if referer.query else "")
    return safe_next(request, path if same_site and referer.path else None)


def reauth_url(request: HttpRequest) -> str:
    return reverse("accounts:sign-in-again") + "?" + urlencode({"next": _back_to(request)})


def recent_sign_in_required(view: View) -> View:
    """Run `view` only for a session signed in within the last REAUTH_MAX_AGE seconds.

    Put it below the role and method decorators: anonymous visitors still go to sign-in,
    other roles still get 403 and a GET still gets 405; only a permitted POST asks for the
    fresh sign-in, and nothing of it is done."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if is_fresh(request):
            return view(request, *args, **kwargs)
        target = reauth_url(request)
        if request.headers.get("HX-Request") == "true":
            answer = HttpResponse(status=204)
            answer["HX-Redirect"] = target
            return answer
        return redirect(target)

    return wrapped


@never_cache
@opener_policy("same-origin-allow-popups")  # the Plex popup, as on the sign-in page
@require_GET
def sign_in_again(request: HttpRequest) -> HttpResponse:
    """The sign-in page, for someone already signed in who must confirm it is them."""
    next_url = safe_next(request, request.GET.get("next"))
    if not request.user.is_authenticated:
        return HttpResponseRedirect(
            reverse("accounts:sign-in") + "?" + urlencode({"next": next_url})
        )
    context = {"next": next_url, "reauth": True, "minutes": max_age() // 60}
    return render(request, "accounts/sign_in.html", context)
