"""metadata-static.plex.tv: the posters and art that watchlist and Discover answers point at.

Each catalogue item gets a small PNG of its own (colours derived from its key), so a client
that fetches posters shows real, distinct pictures offline. An unknown item is a 404.
"""

from __future__ import annotations

import struct
import zlib

from plexsim.model import stable_hex
from plexsim.render import Reply
from plexsim.routing import Ctx, route

IMAGES = "metadata-static.plex.tv"
SIZES = {"thumb": (60, 90), "art": (160, 90), "banner": (200, 40)}


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def poster_png(key: str, width: int, height: int) -> bytes:
    """A two-tone poster with a diagonal band, its colours fixed by `key`."""
    digest = bytes.fromhex(stable_hex("poster", key, length=18))
    top, bottom, band = digest[0:3], digest[3:6], bytes(255 - c // 2 for c in digest[6:9])
    rows = []
    for y in range(height):
        mix = y / max(1, height - 1)
        base = bytes(int(a + (b - a) * mix) for a, b in zip(top, bottom, strict=True))
        row = bytearray(b"\x00")
        for x in range(width):
            on_band = abs((x + y) - (width + height) // 2) < width // 6
            row += band if on_band else base
        rows.append(bytes(row))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + _chunk(b"IEND", b"")
    )


@route("/sim/<rating_key>/<any(thumb, art, banner):kind>.jpg", host=IMAGES, auth=False)
def image(ctx: Ctx, rating_key: str, kind: str) -> Reply:
    if rating_key not in ctx.state.catalog:
        return Reply(status=404, body=b"Not Found", content_type="text/plain")
    width, height = SIZES[kind]
    return Reply(
        status=200,
        body=poster_png(rating_key, width, height),
        content_type="image/png",
        headers={"Cache-Control": "public, max-age=86400"},
    )
