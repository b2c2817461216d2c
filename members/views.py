"""A member's own space: their access, asking for more, accepting shares and linking a TV.

Every view resolves the signed-in member first (`member_only`, one query) and every object
through the member: another person's share or action is a 404, never a 403 that confirms it
exists. Admins' screen for the requests is in `admin_views`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import not_yours
from accounts.models import Member, PinLogin, hash_browser_key
from accounts.plex import anonymous_client
from accounts.services import browser_key
from members import services
from members.access import member_view, member_with_read_at
from members.forms import LibraryRequestForm, LinkTvForm, TimeRequestForm
from members.models import SignInAction
from plextv.errors import PlexTVError
from plextv.models import Pin
from sharing.models import Share

MemberView = Callable[..., HttpResponse]


def member_only(view: MemberView) -> MemberView:
    """Signed in and in the household (any role); the view gets the Member row."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        member = member_with_read_at(request.user)  # type: ignore[arg-type]
        if member is None:
            return not_yours(request)
        return view(request, member, *args, **kwargs)

    return wrapped


@never_cache
@member_only
@require_GET
def home(request: HttpRequest, member: Member) -> HttpResponse:
    """Everything shared with the member, as the sync last read it (no plex.tv request)."""
    view = member_view(member)
    context = {
        "view": view,
        "account": member.plex_account,
        "more_time": services.MORE_TIME.items(),
        "link_form": LinkTvForm(),
    }
    return render(request, "members/home.html", context)


def _own_share(member: Member, share_id: int) -> Share:
    """The share, only if it is this member's own: anyone else's is a 404."""
    share = (
        Share.objects.select_related("server", "user")
        .filter(pk=share_id, user__plex_id=member.plex_account.plex_id)
        .first()
    )
    if share is None:
        raise Http404
    return share


def _back(request: HttpRequest, problem: str | None = None) -> HttpResponse:
    if problem:
        messages.error(request, problem)
    return redirect("members:home")


@member_only
@require_POST
def ask_library(request: HttpRequest, member: Member, share_id: int) -> HttpResponse:
    share = _own_share(member, share_id)
    form = LibraryRequestForm(request.POST)
    if not form.is_valid():
        return _back(request, "Choose a library to ask for.")
    try:
        asked = services.ask_for_library(
            member.user, share, form.cleaned_data["library"], form.cleaned_data["message"]
        )
    except services.Refused as refused:
        return _back(request, str(refused))
    assert asked.library is not None  # noqa: S101 - a library request names one
    messages.success(request, f"Asked for {asked.library.title}: an admin will answer here.")
    return _back(request)


@member_only
@require_POST
def ask_time(request: HttpRequest, member: Member, share_id: int) -> HttpResponse:
    share = _own_share(member, share_id)
    form = TimeRequestForm(request.POST)
    if not form.is_valid():
        return _back(request, "Choose how much more time to ask for.")
    try:
        asked = services.ask_for_time(
            member.user, share, form.cleaned_data["days"], form.cleaned_data["message"]
        )
    except services.Refused as refused:
        return _back(request, str(refused))
    assert asked.until is not None  # noqa: S101 - a time request names a date
    until = timezone.localtime(asked.until)
    messages.success(request, f"Asked for access until {until.day} {until:%B %Y}.")
    return _back(request)


def _start(request: HttpRequest, member: Member, kind: str, code: str = "") -> HttpResponse:
    """A Plex sign-in bound to this browser and member, polled by the worker."""
    try:
        pin = anonymous_client(page=True).create_pin(strong=True)
    except PlexTVError:
        return _back(request, "Plex could not be reached just now. Try again in a minute.")
    with transaction.atomic():
        login = PinLogin.objects.create(
            kind=PinLogin.Kind.OAUTH,
            pin_id=pin.id,
            code=pin.code,
            client_identifier=settings.PLEX_CLIENT_IDENTIFIER,
            browser_key_hash=hash_browser_key(browser_key(request.session)),
            expires_at=timezone.now() + PinLogin.lifetime(pin.expires_in, PinLogin.Kind.OAUTH),
        )
        action = SignInAction.objects.create(
            requester=member.user, kind=kind, pin_login=login, device_code=code
        )
        services.follow_sign_in(action.pk)
    return redirect("members:action", action_id=action.pk)


@member_only
@require_POST
def accept(request: HttpRequest, member: Member) -> HttpResponse:
    return _start(request, member, SignInAction.ACCEPT)


@never_cache
@member_only
def link_tv(request: HttpRequest, member: Member) -> HttpResponse:
    form = LinkTvForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        return _start(request, member, SignInAction.LINK_TV, form.cleaned_data["code"])
    if request.method not in ("GET", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    status = 400 if request.method == "POST" else 200
    return render(request, "members/link_tv.html", {"form": form}, status=status)


def _own_action(request: HttpRequest, member: Member, action_id: int) -> SignInAction:
    action = (
        SignInAction.objects.select_related("pin_login")
        .filter(pk=action_id, requester_id=member.user_id)
        .first()
    )
    if action is None:
        raise Http404
    return action


@never_cache
@member_only
@require_GET
def action_status(request: HttpRequest, member: Member, action_id: int) -> HttpResponse:
    action = _own_action(request, member, action_id)
    login = action.pin_login
    waiting = action.state == SignInAction.WAITING
    forward = settings.PUBLIC_BASE_URL + reverse("members:action", args=[action.pk])
    context = {
        "action": action,
        "waiting": waiting,
        "auth_url": anonymous_client().oauth_url(Pin(id=login.pin_id, code=login.code), forward)
        if waiting and login is not None
        else "",
    }
    partial = bool(request.headers.get("HX-Request"))
    template = "members/action.html#action-status" if partial else "members/action.html"
    response = render(request, template, context)
    if partial and not waiting:
        response.status_code = 286  # htmx: stop polling
    return response


@member_only
@require_POST
def action_check(request: HttpRequest, member: Member, action_id: int) -> HttpResponse:
    """The no-JavaScript "I have approved" button: one more check by the worker."""
    action = _own_action(request, member, action_id)
    if action.state == SignInAction.WAITING:
        services.check_sign_in_now(action.pk)
    return redirect("members:action", action_id=action.pk)
