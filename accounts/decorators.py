"""View decorators for the three roles.

Anonymous visitors go to the sign-in page with a safe `next`; signed-in people without the
role get the polite "this dashboard belongs to …'s household" page (status 403, no data).
Hiding individual objects (404 rather than 403) is each view's job.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from accounts import roles
from accounts.models import Household

View = Callable[..., HttpResponseBase]


def not_yours(request: HttpRequest, *, admin_only: bool = False) -> HttpResponse:
    household = Household.current()
    context = {
        "household": household,
        "owner_name": household.owner.display_name if household else None,
        "admin_only": admin_only,
    }
    return render(request, "accounts/not_yours.html", context, status=403)


def _requiring(check: Callable[[Any], bool], admin_only: bool) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(request.user):
                return not_yours(request, admin_only=admin_only and roles.is_member(request.user))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


admin_required = _requiring(roles.is_admin, admin_only=True)
"""Owner or co-admin."""

member_required = _requiring(roles.is_member, admin_only=False)
"""Any role: owner, co-admin or member."""

owner_required = _requiring(roles.is_owner, admin_only=True)
"""The household owner only (granting co-admins, signing out of plex.tv)."""
