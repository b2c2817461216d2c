"""Reading plex.tv's answers: payloads (XML, JSON, text), error bodies and what they mean.

Kept apart from the transport so the wire (timeouts, retries, deadlines) and the meaning of what
came back can each be read on their own.
"""

from __future__ import annotations

import email.utils
import json
import time
from typing import Any, Literal
from xml.etree import ElementTree
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from plextv.errors import (
    AlreadyInHome,
    AlreadySharing,
    ApiChanged,
    BadRequest,
    Forbidden,
    HomeFull,
    InvalidPin,
    NotFound,
    PlexPassRequired,
    PlexTVError,
    RateLimited,
    TwoFactorRequired,
    Unauthorized,
    Unavailable,
    UnknownAccount,
    with_reason,
)

Payload = Element | dict[str, Any] | list[Any] | str | None
Missing = Literal["api", "item"]
"""What a 404 means for a call: the endpoint is gone ("api") or the thing asked for is ("item")."""


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: either a number or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def decode(text: str, content_type: str, status: int, accept_json: bool) -> Payload:
    """Turn a 2xx answer into XML, JSON, text or None; garbage raises `Unavailable`."""
    stripped = text.lstrip()
    if not stripped:
        return None
    content_type = content_type.lower()
    head = stripped[:200].lower()
    if "html" in content_type or head.startswith(("<!doctype html", "<html")):
        raise Unavailable(
            "plex.tv answered with a web page instead of data (a proxy or login page?).",
            status=status,
        )
    if "json" in content_type or stripped[0] in "[{":
        try:
            result: Any = json.loads(stripped)
        except ValueError:
            raise Unavailable("plex.tv's answer was cut off or garbled.", status=status) from None
        if isinstance(result, dict | list):
            return result
        return str(result)
    if stripped[0] == "<":
        try:
            return parse_xml(stripped)
        except (SafeET.ParseError, DefusedXmlException):
            raise Unavailable("plex.tv's answer was cut off or garbled.", status=status) from None
    if "text/plain" in content_type:
        return stripped.strip()
    raise Unavailable("plex.tv's answer was not in a known format.", status=status)


def parse_xml(text: str) -> Element:
    """An XML answer as an element tree, refusing entity tricks.

    Entity expansion and external entities need a DOCTYPE, and every markup declaration
    starts with ``<!``: a document without one cannot use them and goes to the standard
    (C) parser, several times faster on a household's large lists than the hardened one,
    which still reads anything that has a declaration, comment or CDATA section.
    """
    data = text.encode("utf-8")
    if b"<!" in data:
        return SafeET.fromstring(data)
    return ElementTree.fromstring(data)  # noqa: S314 - no declaration, so no entities


def parse_error_body(text: str) -> tuple[int | None, str | None]:
    """plex.tv's error code and message from any of its error body formats."""
    body = text.strip()
    if not body:
        return None, None
    if body[0] in "[{":
        try:
            data = json.loads(body)
        except ValueError:
            return None, None
        if isinstance(data, dict):
            errors = data.get("errors")
            if isinstance(errors, list) and errors and isinstance(errors[0], dict):
                first = errors[0]
                return _int_or_none(first.get("code")), _str_or_none(first.get("message"))
            return _int_or_none(data.get("code")), _str_or_none(
                data.get("message") or data.get("error")
            )
        return None, None
    if body[0] != "<" or body[:200].lower().lstrip().startswith(("<!doctype html", "<html")):
        return None, None
    try:
        root = SafeET.fromstring(body.encode("utf-8"))
    except (SafeET.ParseError, DefusedXmlException):
        return None, None
    error = root.find("error") if root.tag == "errors" else root
    if error is None:
        return None, None
    code = _int_or_none(error.get("code"))
    message = error.get("message") or error.get("status") or (error.text or "").strip() or None
    if root.tag == "Response":
        # v1 errors: <Response code="410" status="human text"/>
        message = error.get("status")
    if root.tag == "Error":
        code = None
        message = error.get("message") or error.get("error")
    return code, message


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _str_or_none(value: Any) -> str | None:
    return str(value) if value is not None else None


def error_for_response(status: int, text: str, endpoint: str, missing: Missing) -> PlexTVError:
    """Map a non-success answer to the error family."""
    code, message = parse_error_body(text)
    low = (message or text[:500]).lower()
    kw: dict[str, Any] = {
        "code": code,
        "status": status,
        "plex_message": message,
        "endpoint": endpoint,
    }
    if code == 1041 or "valid pin" in low:
        return InvalidPin(**kw)
    if status == 401 or (status == 422 and "invalid token" in low):
        if code == 1029 or "verification code" in low:
            return TwoFactorRequired(**kw)
        return Unauthorized(**kw)
    if status == 429:
        return RateLimited(retry_after=0.0, **kw)
    if status == 410:
        return ApiChanged(**kw)
    if status in (400, 404, 422) and "user not found" in low:
        return UnknownAccount(with_reason(UnknownAccount.default_message, message), **kw)
    if status == 404:
        return NotFound(**kw) if missing == "item" else ApiChanged(**kw)
    if "already sharing" in low or "already shared" in low or "already has access" in low:
        return AlreadySharing(**kw)
    if "plex pass" in low or "plexpass" in low or "subscription" in low:
        return PlexPassRequired(**kw)
    if "home" in low and any(word in low for word in ("full", "maximum", "limit", "too many")):
        return HomeFull(**kw)
    if "member of a home" in low or "already in a home" in low:
        return AlreadyInHome(with_reason(AlreadyInHome.default_message, message), **kw)
    if status == 403:
        return Forbidden(with_reason(Forbidden.default_message, message), **kw)
    if 300 <= status < 400:
        return ApiChanged("plex.tv moved this endpoint elsewhere.", **kw)
    return BadRequest(with_reason(BadRequest.default_message, message), **kw)
