"""Request-wide guards: bad input refused before any view runs, and idle sign-outs.

RejectNulBytesMiddleware answers 400 to any request whose path, query or form data holds a
NUL character. No field of plexadmin means one, PostgreSQL text columns cannot store one (the
database driver raises, and the view would answer 500), and plex.tv has no use for one either;
refusing them once here is simpler and safer than teaching every form and lookup about them.

IdleTimeoutMiddleware signs out people who have been idle too long (SESSION_IDLE_TIMEOUT).
SESSION_COOKIE_AGE bounds how long a sign-in can last at all; this bounds how long it lasts
unused. The last-activity time is written at most once a minute, so a busy page does not
rewrite the session row on every request.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django_htmx.http import HttpResponseClientRedirect

LAST_SEEN = "last_seen"
WRITE_EVERY = 60
NUL = "\x00"
NUL_REFUSED = (
    "Bad request: the address or the form holds a NUL character (%00), which plexadmin never "
    "accepts. Nothing was changed. Go back, correct the value and try again."
)


def _holds_nul(values: Iterable[str]) -> bool:
    return any(NUL in value for value in values)


def _query_holds_nul(query: QueryDict) -> bool:
    return _holds_nul(query.keys()) or any(_holds_nul(query.getlist(key)) for key in query)


class RejectNulBytesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            NUL in request.path_info
            or _query_holds_nul(request.GET)
            or (request.method == "POST" and _query_holds_nul(request.POST))
            or _holds_nul(request.COOKIES.values())
        ):
            return HttpResponseBadRequest(NUL_REFUSED, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get(LAST_SEEN)
            if isinstance(last, int) and now - last > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                minutes = settings.SESSION_IDLE_TIMEOUT // 60
                messages.info(request, f"You were signed out after {minutes} minutes idle.")
                target = redirect_to_login(
                    request.get_full_path() if request.method == "GET" else "/"
                )
                if getattr(request, "htmx", False):
                    return HttpResponseClientRedirect(target["Location"])
                return target
            if not isinstance(last, int) or now - last >= WRITE_EVERY:
                request.session[LAST_SEEN] = now
        return self.get_response(request)
