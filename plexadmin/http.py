"""Request types and input parsing shared by the views."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

# The largest primary key a database here can hold (a signed 64-bit integer).
MAX_ID = 2**63 - 1


class HtmxHttpRequest(HttpRequest):
    """A request that went through django-htmx's middleware (every request here does)."""

    htmx: HtmxDetails


def parse_id(value: str) -> int | None:
    """`value` as a database id (1 … 2**63 - 1), or None when it is not one.

    Only ASCII digits count: `str.isdigit()` also accepts "²" and other digits `int()` refuses,
    and a number past 64 bits would make the database driver raise.
    """
    if not (value.isascii() and value.isdigit()) or len(value) > len(str(MAX_ID)):
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None
