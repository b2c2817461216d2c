"""Password sign-in (with plex.tv's 2FA step), the fallback when the popup cannot be used."""

from __future__ import annotations

import logging

from django.contrib.auth import authenticate
from django.contrib.auth import login as auth_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from accounts import services
from accounts.backends import CodeRequired
from accounts.forms import PasswordSignInForm
from accounts.models import Household
from accounts.views.sign_in import safe_next
from plextv.errors import PlexTVError

log = logging.getLogger(__name__)


@sensitive_post_parameters("password", "code")
@never_cache
def password_sign_in(request: HttpRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    next_url = safe_next(request, source.get("next"))
    if request.method not in {"GET", "POST"}:
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    form = PasswordSignInForm(request.POST or None)
    context: dict[str, object] = {"form": form, "next": next_url, "needs_code": False}
    if request.method == "GET" or not form.is_valid():
        return render(request, "accounts/password.html", context)
    data = form.cleaned_data
    try:
        user = authenticate(
            request, login=data["login"], password=data["password"], code=data["code"] or None
        )
    except CodeRequired:
        context["needs_code"] = True
        form = PasswordSignInForm(initial={"login": data["login"]})
        context["form"] = form
        return render(request, "accounts/password.html", context)
    except PlexTVError as exc:
        context["error"] = exc.human_message
        return render(request, "accounts/password.html", context, status=503)
    if user is None:
        context["needs_code"] = bool(data["code"])
        context["error"] = (
            "That code was not accepted; enter the password and a fresh code."
            if data["code"]
            else "Plex did not accept that username and password."
        )
        return render(request, "accounts/password.html", context, status=400)
    account = user.plex_account
    assert account is not None  # noqa: S101 - the backend always links one
    # Before signing in: a role that ends here ends every session of the person, so this one
    # must start afterwards.
    role = services.resolve_role(account, user)
    auth_login(request, user, backend="accounts.backends.PlexPasswordBackend")
    if Household.current() is None:
        return redirect("accounts:setup")
    return redirect(next_url if role else "home")
