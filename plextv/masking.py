"""Token masking shared by the error classes and the logging filter.

Tokens are registered process-wide as soon as plextv sees them (a client built with a token,
a sign-in, a PIN that got linked, a Home switch, a server's access token), so a token that
leaks into any text later (an exception from requests, a log line written by someone else)
is still replaced.
"""

from __future__ import annotations

import re
import threading

_MIN_TOKEN_LENGTH = 8
_KEEP_VISIBLE = 2

# Values following a token-ish key in query strings, headers, JSON or XML attributes.
_PATTERNS = (
    re.compile(r"(?i)(x-plex-token\s*[=:]\s*[\"']?)([^&\s\"',;}<>]+)"),
    re.compile(
        r"(?i)((?:authToken|authenticationToken|accessToken|auth_token|token)"
        r"[\"']?\s*[=:]\s*[\"']?)([A-Za-z0-9_\-.~+/]{8,})"
    ),
)

_lock = threading.Lock()
_known: set[str] = set()


def register_token(token: str | None) -> None:
    """Remember a token so that `mask_tokens` replaces it wherever it shows up."""
    if token and len(token) >= _MIN_TOKEN_LENGTH:
        with _lock:
            _known.add(token)


def mask(token: str) -> str:
    """The displayable form of a token: stars and its last two characters."""
    return "*" * 8 + token[-_KEEP_VISIBLE:]


def mask_tokens(text: str) -> str:
    """Replace every registered token and every `X-Plex-Token=…`-style value in `text`."""
    if not text:
        return text
    with _lock:
        known = sorted(_known, key=len, reverse=True)
    for token in known:
        if token in text:
            text = text.replace(token, mask(token))
    for pattern in _PATTERNS:
        text = pattern.sub(_mask_match, text)
    return text


def _mask_match(match: re.Match[str]) -> str:
    value = match.group(2)
    if value.startswith("*" * 8):
        return match.group(0)
    return match.group(1) + mask(value)
