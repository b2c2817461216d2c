"""Request types and input parsing shared by every app's views.

They live in accounts, the lowest layer with views, so that sharing, notify and activity use
them without importing the project package (see the import contracts in pyproject.toml).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html
from django_htmx.middleware import HtmxDetails

from accounts.models import User

# The largest primary key a database here can hold (a signed 64-bit integer).
MAX_ID = 2**63 - 1


class HtmxHttpRequest(HttpRequest):
    """A request that went through django-htmx's middleware (every request here does)."""

    htmx: HtmxDetails


class AuthenticatedHttpRequest(HtmxHttpRequest):
    """A request behind one of the role decorators: its user is signed in."""

    user: User  # type: ignore[assignment]


def is_partial(request: HttpRequest) -> bool:
    """Whether to answer with an htmx region rather than the whole page.

    A history restore is an htmx request that wants the whole page (the browser lost its
    cached copy), so it counts as a full-page request.
    """
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request


def refused_in_place(message: str) -> HttpResponse:
    """An htmx form that changed nothing, and why: the alert replaces the form's target.

    A 200: Chromium reports every 4xx answer to a script as a console error, and this is the
    answer the page asked for; the page without JavaScript says the same with a 4xx status.
    """
    alert = format_html('<p class="message message-error" role="alert">{}</p>', message)
    return HttpResponse(alert)


def parse_id(value: str) -> int | None:
    """`value` as a database id (1 … 2**63 - 1), or None when it is not one.

    Only ASCII digits count: `str.isdigit()` also accepts "²" and other digits `int()` refuses,
    and a number past 64 bits would make the database driver raise.
    """
    if not (value.isascii() and value.isdigit()) or len(value) > len(str(MAX_ID)):
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None
