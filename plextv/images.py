"""Fetching posters named in plex.tv's answers, within strict bounds.

Only https URLs on the image hosts plex.tv's watchlist and Discover answers use are fetched;
no redirect is followed, no Plex token is sent, the answer must be a raster image (checked by
its first bytes, whatever the Content-Type says) and no larger than the caller's limit.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import requests

from plextv.base import ClientBase
from plextv.errors import BadRequest, NotFound, Unavailable
from plextv.models import Image

IMAGE_HOSTS = frozenset({"metadata-static.plex.tv", "image.tmdb.org"})
"""Hosts whose posters plex.tv's watchlist and Discover answers point at."""

_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def sniff_image(data: bytes) -> str | None:
    """The raster type the bytes start with (PNG, JPEG, GIF, WebP), else None (SVG too)."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_image_url(url: str) -> str:
    """The URL itself when it is one we may fetch, else `BadRequest` (nothing is sent)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or host not in IMAGE_HOSTS:
        raise BadRequest("That image is not on a host plex.tv's posters come from.")
    if parts.username or parts.password or parts.port not in (None, 443):
        raise BadRequest("That image address is not a plain https address.")
    return url


class ImageOperations(ClientBase):
    def fetch_image(self, url: str, *, max_bytes: int, timeout: float = 10.0) -> Image:
        """GET one poster (1 request, no token): `Image`, or `NotFound` when the host has no
        such image, `BadRequest` for a URL or answer outside the bounds, `Unavailable` when
        the host cannot be reached."""
        check_image_url(url)
        target = url
        if self.config.images:
            parts = urlsplit(url)
            target = self.config.images.rstrip("/") + parts.path
            if parts.query:
                target += "?" + parts.query
        session: requests.Session = self._transport.session
        try:
            with session.get(
                target,
                headers={"Accept": "image/*", "User-Agent": self.config.product},
                timeout=(self.config.connect_timeout, timeout),
                allow_redirects=False,
                stream=True,
            ) as response:
                if response.status_code == 404:
                    raise NotFound("The image is not there any more.")
                if response.status_code != 200:
                    raise Unavailable(
                        f"The image host answered {response.status_code}.",
                        status=response.status_code,
                    )
                data = bytearray()
                for chunk in response.iter_content(64 * 1024):
                    data.extend(chunk)
                    if len(data) > max_bytes:
                        raise BadRequest(f"The image is larger than {max_bytes} bytes.")
        except requests.RequestException as exc:
            raise Unavailable(
                f"The image host could not be reached ({type(exc).__name__})."
            ) from None
        kind = sniff_image(bytes(data))
        if kind is None:
            raise BadRequest("The answer is not a picture (PNG, JPEG, GIF or WebP).")
        return Image(content_type=kind, data=bytes(data))
