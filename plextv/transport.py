"""HTTP transport: headers, timeouts, retries, answer decoding and error mapping.

Retry rules (see README.md, "Retry policy"):

* GET, PUT and DELETE are retried on timeouts, connection errors, truncated or garbled
  answers, 5xx and 429, with capped exponential backoff and full jitter, within a total
  waiting budget.
* A 429 waits for its Retry-After when that fits the cap and the budget; otherwise
  `RateLimited(retry_after=…)` is raised at once so the caller can reschedule.
* POST is never repeated once it may have reached plex.tv: a timeout, reset, 5xx or garbled
  answer after sending raises `OutcomeUnknown`. A 429 is the one exception: plex.tv rejected
  the request without applying it, so it is retried like the others.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from xml.etree import ElementTree
from xml.etree.ElementTree import Element

import requests
from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from plextv.config import ClientConfig
from plextv.errors import (
    AlreadySharing,
    ApiChanged,
    BadRequest,
    HomeFull,
    InvalidPin,
    NotFound,
    OutcomeUnknown,
    PlexPassRequired,
    PlexTVError,
    RateLimited,
    TwoFactorRequired,
    Unauthorized,
    Unavailable,
)
from plextv.masking import mask_tokens, register_token

log = logging.getLogger("plextv")

Payload = Element | dict[str, Any] | list[Any] | str | None
Missing = Literal["api", "item"]
"""What a 404 means for a call: the endpoint is gone ("api") or the thing asked for is ("item")."""

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE"})


@dataclass(frozen=True)
class Answer:
    status: int
    payload: Payload
    headers: Mapping[str, str]


class _Retryable(Exception):
    """Internal: one attempt failed in a way another attempt might not."""

    def __init__(self, error: PlexTVError, retry_after: float | None = None) -> None:
        super().__init__(error.human_message)
        self.error = error
        self.retry_after = retry_after


class Transport:
    """Sends requests for one identity and counts them."""

    def __init__(
        self,
        config: ClientConfig,
        token: str | None = None,
        session: requests.Session | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self.token = token
        self.session = session or requests.Session()
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security
        self._lock = threading.Lock()
        self._sent = 0
        self.before_write: Callable[[str], None] | None = None
        register_token(token)

    @property
    def requests_sent(self) -> int:
        """Number of HTTP requests sent so far (every attempt counts)."""
        return self._sent

    def request(
        self,
        method: str,
        host: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        json_body: Any = None,
        accept_json: bool = False,
        headers: Mapping[str, str] | None = None,
        missing: Missing = "api",
        authenticated: bool = True,
    ) -> Answer:
        """Send one call to a plex.tv host (plex_tv, clients, discover or metadata)."""
        url = self.config.base_url(host) + path
        return self.send(
            method,
            url,
            endpoint=f"{method} {path}",
            params=params,
            data=data,
            json_body=json_body,
            accept_json=accept_json,
            headers=headers,
            missing=missing,
            token=self.token if authenticated else None,
        )

    def send(
        self,
        method: str,
        url: str,
        *,
        endpoint: str,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        json_body: Any = None,
        accept_json: bool = False,
        headers: Mapping[str, str] | None = None,
        missing: Missing = "api",
        token: str | None = None,
        timeout: tuple[float, float] | None = None,
    ) -> Answer:
        """Send a request to any URL with the retry policy; `token` goes in a header only."""
        register_token(token)
        all_headers = self.config.headers()
        all_headers["Accept"] = "application/json" if accept_json else "application/xml"
        if token:
            all_headers["X-Plex-Token"] = token
        if headers:
            all_headers.update(headers)
        retryable = method.upper() in IDEMPOTENT
        waited = 0.0
        attempt = 0
        while True:
            attempt += 1
            if self.before_write is not None and method.upper() not in {"GET", "HEAD"}:
                self.before_write(endpoint)
            try:
                return self._attempt(
                    method,
                    url,
                    endpoint=endpoint,
                    params=params,
                    data=data,
                    json_body=json_body,
                    accept_json=accept_json,
                    headers=all_headers,
                    missing=missing,
                    retryable=retryable,
                    timeout=timeout or self.config.timeout,
                )
            except _Retryable as failure:
                delay = self._backoff(attempt)
                error = failure.error
                if isinstance(error, RateLimited):
                    wanted = failure.retry_after if failure.retry_after is not None else delay
                    left = self.config.retry_budget - waited
                    if (
                        wanted > self.config.max_retry_after
                        or wanted > left
                        or attempt >= self.config.retry_attempts
                    ):
                        raise RateLimited(
                            retry_after=min(wanted, self.config.max_retry_after),
                            requested_retry_after=failure.retry_after,
                            code=error.code,
                            plex_message=error.plex_message,
                            endpoint=endpoint,
                        ) from None
                    delay = max(wanted, delay)
                elif attempt >= self.config.retry_attempts:
                    raise error from None
                if waited + delay > self.config.retry_budget:
                    raise error from None
                log.info(
                    "plex.tv %s failed (%s); retry %d in %.2fs",
                    endpoint,
                    type(error).__name__,
                    attempt,
                    delay,
                )
                self._sleep(delay)
                waited += delay

    def _backoff(self, attempt: int) -> float:
        ceiling = min(
            self.config.retry_backoff_cap, self.config.retry_backoff_base * 2 ** (attempt - 1)
        )
        return self._rng.uniform(0, ceiling)

    def _attempt(
        self,
        method: str,
        url: str,
        *,
        endpoint: str,
        params: Mapping[str, Any] | None,
        data: Mapping[str, Any] | None,
        json_body: Any,
        accept_json: bool,
        headers: dict[str, str],
        missing: Missing,
        retryable: bool,
        timeout: tuple[float, float],
    ) -> Answer:
        with self._lock:
            self._sent += 1
        log.debug("plex.tv %s", endpoint)
        try:
            response = self.session.request(
                method,
                url,
                params=params,
                data=data,
                json=json_body,
                headers=headers,
                timeout=timeout,
            )
        except requests.RequestException as exc:
            raise self._transport_failure(exc, endpoint, retryable) from None
        status = response.status_code
        if status == 429:
            error = error_for_response(status, response.text, endpoint, missing)
            raise _Retryable(error, parse_retry_after(response.headers.get("Retry-After")))
        if status >= 500:
            if retryable:
                raise _Retryable(
                    Unavailable(status=status, endpoint=endpoint, plex_message=_brief(response))
                )
            raise OutcomeUnknown(status=status, endpoint=endpoint, plex_message=_brief(response))
        if status >= 400 or status < 200 or status in (301, 302, 303, 307, 308):
            raise error_for_response(status, response.text, endpoint, missing)
        try:
            payload = decode(response, accept_json)
        except Unavailable as error:
            if retryable:
                raise _Retryable(error) from None
            raise OutcomeUnknown(
                "The change was sent to plex.tv but its answer was unreadable, so it may or "
                "may not have been applied.",
                status=status,
                endpoint=endpoint,
            ) from None
        return Answer(status=status, payload=payload, headers=response.headers)

    @staticmethod
    def _transport_failure(
        exc: requests.RequestException, endpoint: str, retryable: bool
    ) -> Exception:
        reason = mask_tokens(type(exc).__name__)
        if _never_sent(exc):
            error: PlexTVError = Unavailable(
                "plex.tv could not be reached; check this machine's network connection.",
                endpoint=endpoint,
                plex_message=reason,
            )
        elif retryable:
            error = Unavailable(
                "plex.tv did not answer in time or dropped the connection.",
                endpoint=endpoint,
                plex_message=reason,
            )
        else:
            return OutcomeUnknown(endpoint=endpoint, plex_message=reason)
        return _Retryable(error) if retryable else error


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the request cannot have reached the server (refused or connect timeout)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError):
        text = repr(exc.args)
        return "NewConnectionError" in text or "NameResolutionError" in text
    return False


def _brief(response: requests.Response) -> str | None:
    return parse_error_body(response.text)[1]


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


def decode(response: requests.Response, accept_json: bool) -> Payload:
    """Turn a 2xx answer into XML, JSON, text or None; garbage raises `Unavailable`."""
    text = response.text
    stripped = text.lstrip()
    if not stripped:
        return None
    content_type = response.headers.get("Content-Type", "").lower()
    head = stripped[:200].lower()
    if "html" in content_type or head.startswith(("<!doctype html", "<html")):
        raise Unavailable(
            "plex.tv answered with a web page instead of data (a proxy or login page?).",
            status=response.status_code,
        )
    if "json" in content_type or stripped[0] in "[{":
        try:
            result: Any = json.loads(stripped)
        except ValueError:
            raise Unavailable(
                "plex.tv's answer was cut off or garbled.", status=response.status_code
            ) from None
        if isinstance(result, dict | list):
            return result
        return str(result)
    if stripped[0] == "<":
        try:
            return parse_xml(stripped)
        except (SafeET.ParseError, DefusedXmlException):
            raise Unavailable(
                "plex.tv's answer was cut off or garbled.", status=response.status_code
            ) from None
    if "text/plain" in content_type:
        return stripped.strip()
    raise Unavailable("plex.tv's answer was not in a known format.", status=response.status_code)


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
    if status == 404:
        return NotFound(**kw) if missing == "item" else ApiChanged(**kw)
    if "already sharing" in low or "already shared" in low or "already has access" in low:
        return AlreadySharing(**kw)
    if "plex pass" in low or "plexpass" in low or "subscription" in low:
        return PlexPassRequired(**kw)
    if "home" in low and any(word in low for word in ("full", "maximum", "limit", "too many")):
        return HomeFull(**kw)
    if status == 403:
        return BadRequest("plex.tv does not allow this account to do that.", **kw)
    if 300 <= status < 400:
        return ApiChanged("plex.tv moved this endpoint elsewhere.", **kw)
    return BadRequest(**kw)
