"""Posters from our own cache (or the placeholder); the browser never loads a third party's
image, and this view never fetches anything."""

from __future__ import annotations

from django.contrib.staticfiles import finders
from django.http import FileResponse, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from accounts.decorators import member_required
from activity import posters
from activity.models import Poster

PLACEHOLDER = "img/poster-placeholder.svg"


def placeholder() -> HttpResponse:
    path = finders.find(PLACEHOLDER)
    body = open(str(path), "rb").read() if path else b""  # noqa: SIM115
    response = HttpResponse(body, content_type="image/svg+xml")
    # Short: the real poster may arrive from the worker in a moment.
    response["Cache-Control"] = "private, max-age=60"
    return response


@require_GET
@member_required
def poster(request: HttpRequest, digest: str) -> HttpResponse | FileResponse:
    found = Poster.objects.filter(url_hash=digest).first()
    path = posters.poster_file(found) if found else None
    if found is None or path is None:
        return placeholder()
    response = FileResponse(path.open("rb"), content_type=found.content_type)
    response["Cache-Control"] = "private, max-age=86400"
    return response
