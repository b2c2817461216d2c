"""Signing out people who have been idle too long (SESSION_IDLE_TIMEOUT).

SESSION_COOKIE_AGE bounds how long a sign-in can last at all; this bounds how long it lasts
unused. The last-activity time is written at most once a minute, so a busy page does not
rewrite the session row on every request.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django_htmx.http import HttpResponseClientRedirect

LAST_SEEN = "last_seen"
WRITE_EVERY = 60


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
