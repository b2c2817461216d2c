"""The invitee's side: /join/<code>, sign-in with Plex, live status, "You're in".

The code is swapped for a session value on the first GET and the browser is sent on (303) to
a URL without it, so it does not linger in history, logs or Referer headers. Every page here
is `no-store`, same-origin referrers only, and loads nothing from another host. An unknown,
expired, used-up or disabled code gets the same neutral page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Household, PinLogin, PlexAccount, hash_browser_key
from accounts.plex import anonymous_client
from accounts.services import browser_key
from joins import grants, limits, services
from joins.models import InviteLink, JoinAttempt, Redemption
from plextv.errors import PlexTVError
from plextv.models import Pin
from sharing.models import Operation

LINK = "join_link"
ATTEMPT = "join_attempt"

APPS = [
    ("Phones and tablets", "Plex for iOS and Android, from your app store"),
    ("TVs and streaming boxes", "Plex for Android TV, Apple TV, Fire TV, Roku, and smart TVs"),
    ("Computers", "Plex Web at app.plex.tv, or Plex for Windows and macOS"),
]


def private(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        response["Referrer-Policy"] = "same-origin"
        return response

    return never_cache(wrapped)


def neutral(request: HttpRequest, status: int = 404) -> HttpResponse:
    return render(request, "joins/unavailable.html", {"limited": status == 429}, status=status)


@private
@require_GET
def enter(request: HttpRequest, code: str) -> HttpResponse:
    """Swap the code for the session and move on to a URL without it."""
    client = limits.client_key(request)
    if limits.blocked(client):
        return neutral(request, 429)
    link = services.find_usable(code)
    if link is None:
        limits.count_miss(client)
        return neutral(request)
    request.session[LINK] = link.pk
    request.session.pop(ATTEMPT, None)
    return _see_other("joins:landing")


def _see_other(name: str) -> HttpResponse:
    response = HttpResponse(status=303)
    response["Location"] = reverse(name)
    return response


def _session_link(request: HttpRequest) -> InviteLink | None:
    link_id = request.session.get(LINK)
    if not isinstance(link_id, int):
        return None
    return InviteLink.objects.filter(pk=link_id).first()


def _inviter(link: InviteLink, owner: PlexAccount | None) -> str:
    """Who handed out the link, when it was not the owner (a member's link within their
    allowance, or a co-admin's): the invitee knows them, maybe not the owner."""
    creator = link.created_by.plex_account if link.created_by else None
    if creator is None or (owner is not None and creator.pk == owner.pk):
        return ""
    return creator.display_name


@private
@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    link = _session_link(request)
    if link is None or link.state != InviteLink.ACTIVE:
        return neutral(request)
    household = Household.current()
    owner = household.owner if household else None
    context = {
        "link": link,
        "owner": owner.display_name if owner else "",
        "inviter": _inviter(link, owner),
        "servers": grants.describe(link.grants),
        "until": link.access_end(),
    }
    return render(request, "joins/landing.html", context)


@private
@require_POST
def sign_in(request: HttpRequest) -> HttpResponse:
    """Create a PIN bound to this browser and the attempt polling it, then go to Plex (OAuth)
    or show the code for plex.tv/link (works without JavaScript)."""
    link = _session_link(request)
    if link is None or link.state != InviteLink.ACTIVE:
        return neutral(request)
    if limits.sign_in_blocked(request):
        return neutral(request, 429)
    limits.count_sign_in(request)
    kind = PinLogin.Kind.LINK if request.POST.get("kind") == "link" else PinLogin.Kind.OAUTH
    try:
        pin = anonymous_client(page=True).create_pin(strong=kind == PinLogin.Kind.OAUTH)
    except PlexTVError:
        return render(request, "joins/landing.html", _landing_problem(link), status=503)
    key_hash = hash_browser_key(browser_key(request.session))
    with transaction.atomic():
        login = PinLogin.objects.create(
            kind=kind,
            pin_id=pin.id,
            code=pin.code,
            client_identifier=settings.PLEX_CLIENT_IDENTIFIER,
            browser_key_hash=key_hash,
            next_url="",
            expires_at=timezone.now() + PinLogin.lifetime(pin.expires_in, kind),
        )
        attempt = JoinAttempt.objects.create(link=link, browser_key_hash=key_hash, pin_login=login)
        services.start_polling(attempt.pk)
    request.session[ATTEMPT] = attempt.pk
    # The status page links on to Plex: the CSP's form-action keeps a form's redirect on
    # this site, and a plain link also works without JavaScript.
    return _see_other("joins:status")


def auth_url(login: PinLogin) -> str:
    """plex.tv's approval page for the PIN, coming back to the status page."""
    forward = settings.PUBLIC_BASE_URL + reverse("joins:status")
    return anonymous_client().oauth_url(Pin(id=login.pin_id, code=login.code), forward)


def _landing_problem(link: InviteLink) -> dict[str, Any]:
    household = Household.current()
    return {
        "link": link,
        "owner": household.owner.display_name if household else "",
        "servers": grants.describe(link.grants),
        "until": link.access_end(),
        "problem": "Plex could not be reached just now. Please try again in a minute.",
    }


def _attempt(request: HttpRequest) -> JoinAttempt | None:
    """This browser's attempt, and only if the browser key matches the one that made it."""
    attempt_id = request.session.get(ATTEMPT)
    if not isinstance(attempt_id, int):
        return None
    attempt = (
        JoinAttempt.objects.select_related("link", "pin_login", "redemption")
        .filter(pk=attempt_id)
        .first()
    )
    if attempt is None:
        return None
    key = request.session.get("plex_pin_browser_key")
    if not isinstance(key, str) or hash_browser_key(key) != attempt.browser_key_hash:
        return None
    return attempt


def phase(attempt: JoinAttempt) -> str:
    """Where the attempt stands, in one word the template switches on."""
    redemption = attempt.redemption
    login = attempt.pin_login
    if redemption is not None:
        if redemption.state == Redemption.ALREADY:
            return "already"
        if redemption.state == Redemption.APPROVAL:
            return "approval"
        if redemption.state == Redemption.DENIED:
            return "denied"
        if redemption.state == Redemption.FAILED:
            return "refused"
        if redemption.accepted_at is not None:
            return "in"
        if redemption.state == Redemption.DONE and attempt.detail:
            return "in"
        op = redemption.operation
        if op is not None and op.state == Operation.FAILED:
            return "failed"
        return "working"
    if attempt.detail == "refused":
        return "refused"
    if attempt.detail:
        return "failed"
    if login is None or login.status in (PinLogin.Status.EXPIRED, PinLogin.Status.CANCELLED):
        return "expired"
    if login.status == PinLogin.Status.FAILED:
        return "failed"
    if login.status == PinLogin.Status.PENDING:
        return "waiting"
    return "working"


@private
@require_GET
def status(request: HttpRequest) -> HttpResponse:
    attempt = _attempt(request)
    if attempt is None:
        return neutral(request)
    where = phase(attempt)
    if where == "in" and attempt.redemption is not None:
        services.stamp_expiry(attempt.redemption)
    context = {
        "attempt": attempt,
        "phase": where,
        "link": attempt.link,
        "servers": grants.describe(attempt.link.grants),
        "redemption": attempt.redemption,
        "apps": APPS,
        "live": where in ("waiting", "working"),
        "auth_url": auth_url(attempt.pin_login)
        if where == "waiting" and attempt.pin_login is not None
        else "",
    }
    template = (
        "joins/status.html#join-status"
        if request.headers.get("HX-Request")
        else "joins/status.html"
    )
    response = render(request, template, context)
    if request.headers.get("HX-Request") and not context["live"]:
        response.status_code = 286  # htmx: stop polling
    return response


@private
@require_POST
def check(request: HttpRequest) -> HttpResponse:
    """The no-JavaScript "I have approved" button: one more check, soon, by the worker."""
    attempt = _attempt(request)
    if attempt is None:
        return neutral(request)
    services.check_now(attempt.pk)
    return _see_other("joins:status")
