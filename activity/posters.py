"""Posters: image URLs from plex.tv's answers, fetched by the worker and cached on disk.

Nothing here runs in a page view except `poster_file`, which only reads the cache. URLs are
registered as they arrive in watchlist and Discover answers; only those (and only on plex.tv's
image hosts) are ever fetched, each within a size and time bound, and the cache under
`var/posters/` is kept below `ACTIVITY_POSTER_CACHE_BYTES` by dropping the least recently shown.
"""

from __future__ import annotations

import logging
import os
import tempfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

import plextv
from activity.models import Poster, url_hash
from plextv.errors import BadRequest, NotFound, PlexTVError
from plextv.images import check_image_url

log = logging.getLogger(__name__)

MAX_POSTER_BYTES = 2 * 1024 * 1024
FETCH_TIMEOUT = 10.0
FETCHES_PER_RUN = 40
RETRY_AFTER = timedelta(hours=6)
GIVE_UP_AFTER = 5
# Showing a poster marks it used at most this often, so page views rarely write.
TOUCH_EVERY = timedelta(hours=1)


def cache_dir() -> Path:
    path = Path(settings.VAR_DIR) / "posters"
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_limit() -> int:
    return int(getattr(settings, "ACTIVITY_POSTER_CACHE_BYTES", 64 * 1024 * 1024))


def register(url: str | None) -> Poster | None:
    """The poster row for a URL from plex.tv's answer, or None when it is not one we would
    ever fetch (the page then shows the placeholder)."""
    if not url:
        return None
    try:
        check_image_url(url)
    except BadRequest:
        return None
    poster, _ = Poster.objects.get_or_create(url_hash=url_hash(url), defaults={"url": url})
    return poster


def poster_file(poster: Poster) -> Path | None:
    """The cached file to serve, if there is one; marks the poster as recently shown."""
    if poster.state != Poster.CACHED:
        return None
    path = cache_dir() / poster.url_hash
    if not path.is_file():
        return None
    now = timezone.now()
    if now - poster.last_used_at > TOUCH_EVERY:
        Poster.objects.filter(pk=poster.pk).update(last_used_at=now)
    return path


def fetch_due(client: plextv.PlexTV, limit: int = FETCHES_PER_RUN) -> dict[str, int]:
    """Fetch up to `limit` posters that are due, most recently shown first; then trim the
    cache to its limit."""
    now = timezone.now()
    due = list(
        Poster.objects.filter(state__in=(Poster.PENDING, Poster.FAILED), next_try_at__lte=now)
        .exclude(attempts__gte=GIVE_UP_AFTER)
        .order_by("-last_used_at")[:limit]
    )
    fetched = failed = 0
    for poster in due:
        try:
            image = client.fetch_image(
                poster.url, max_bytes=MAX_POSTER_BYTES, timeout=FETCH_TIMEOUT
            )
        except (NotFound, BadRequest) as exc:
            _failed(poster, exc.human_message, final=True)
            failed += 1
            continue
        except PlexTVError as exc:
            _failed(poster, exc.human_message, final=False)
            failed += 1
            continue
        store(cache_dir() / poster.url_hash, image.data)
        poster.state = Poster.CACHED
        poster.content_type = image.content_type
        poster.size = len(image.data)
        poster.fetched_at = timezone.now()
        poster.save(update_fields=["state", "content_type", "size", "fetched_at"])
        fetched += 1
    evicted = trim_cache()
    return {"fetched": fetched, "failed": failed, "evicted": evicted}


def store(path: Path, data: bytes) -> None:
    """Write the file whole or not at all. Two workers may fetch the same poster at once (a
    second run starts while the first is still fetching): each writes its own temporary file,
    and the later rename wins with the same bytes."""
    handle, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


def _failed(poster: Poster, reason: str, *, final: bool) -> None:
    poster.attempts = GIVE_UP_AFTER if final else poster.attempts + 1
    poster.state = Poster.FAILED
    poster.next_try_at = timezone.now() + RETRY_AFTER * max(1, poster.attempts)
    poster.save(update_fields=["attempts", "state", "next_try_at"])
    log.info("poster %s not fetched: %s", poster.url_hash[:10], reason)


def trim_cache() -> int:
    """Drop the least recently shown cached posters until the cache is under its limit."""
    limit = cache_limit()
    total = Poster.objects.filter(state=Poster.CACHED).aggregate(total=Sum("size"))["total"] or 0
    evicted = 0
    if total <= limit:
        return 0
    for poster in Poster.objects.filter(state=Poster.CACHED).order_by("last_used_at", "pk"):
        if total <= limit * 0.9:
            break
        (cache_dir() / poster.url_hash).unlink(missing_ok=True)
        total -= poster.size
        # Pending again: fetched after RETRY_AFTER, most recently shown first.
        Poster.objects.filter(pk=poster.pk).update(
            state=Poster.PENDING, size=0, next_try_at=timezone.now() + RETRY_AFTER
        )
        evicted += 1
    return evicted
