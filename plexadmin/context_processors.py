from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    return {
        "PUBLIC_BASE_URL": settings.PUBLIC_BASE_URL,
        "DEMO_MODE": bool(settings.PLEXTV_BASE_URL),
        "PLEX_CLIENT_IDENTIFIER": settings.PLEX_CLIENT_IDENTIFIER,
    }
