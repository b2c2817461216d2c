from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    # The screen a page belongs to, for the navigation: the first part of its address
    # ("people", "matrix", …), since sharing's screens share one URL namespace.
    match = request.resolver_match
    return {
        "nav_section": match.route.split("/", 1)[0] if match else "",
        "PUBLIC_BASE_URL": settings.PUBLIC_BASE_URL,
        "DEMO_MODE": bool(settings.PLEXTV_BASE_URL),
        "PLEX_CLIENT_IDENTIFIER": settings.PLEX_CLIENT_IDENTIFIER,
    }
