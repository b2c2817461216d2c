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

Time limits: every attempt ends within `attempt_timeout`, from connecting to the last byte of
the body: the wait for the status line and headers is cut at the deadline by a watchdog
(`plextv.watchdog`), and the body is read in pieces against it, so an answer trickling in a
byte at a time is cut off wherever it trickles. A client made with a `Budget` (a web page's
few seconds) stops all attempts and waits at the budget's end with `DeadlineExceeded`.

A `CircuitBreaker`, when given, guards the calls to plex.tv's hosts (not the owner's own
servers): while it is open nothing is sent and `CircuitOpen` is raised at once.
"""

from __future__ import annotations

import logging
import random
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests
import urllib3.exceptions

from plextv import watchdog
from plextv.answers import (
    Payload,
    decode,
    error_for_response,
    parse_error_body,
    parse_retry_after,
)
from plextv.answers import parse_xml as parse_xml  # kept importable from here
from plextv.breaker import CircuitBreaker
from plextv.call import Call
from plextv.config import ClientConfig
from plextv.errors import (
    DeadlineExceeded,
    OutcomeUnknown,
    PlexTVError,
    RateLimited,
    Unavailable,
)
from plextv.masking import mask_tokens, register_token
from plextv.observe import Exchange, notify

log = logging.getLogger("plextv")


# Bytes asked for per read of a body; a read returns as soon as some bytes arrive.
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Budget:
    """A total time allowance shared by every call of one client (a page's few seconds)."""

    seconds: float
    ends_at: float  # on the time.monotonic() clock

    @classmethod
    def starting_now(cls, seconds: float) -> Budget:
        return cls(seconds, time.monotonic() + seconds)

    def left(self) -> float:
        return self.ends_at - time.monotonic()

    def exceeded(self, endpoint: str | None = None) -> DeadlineExceeded:
        return DeadlineExceeded(
            f"plex.tv did not answer within {self.seconds:g} s.", endpoint=endpoint
        )


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
        budget: Budget | None = None,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self.config = config
        self.token = token
        self.session = session or requests.Session()
        watchdog.install(self.session)
        self.budget = budget
        self.breaker = breaker
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

    def execute(self, call: Call) -> Answer:
        """Send one call with the retry policy and decode its answer.

        A call to a plex.tv host (`call.host`) carries this transport's token when
        `call.authenticated`, and goes through the circuit breaker; a call to an owner's server
        (`call.server`) carries only `call.token`, the server's own, in a header.
        """
        if call.server is not None:
            url = call.server.rstrip("/") + call.path
            token = call.token
        else:
            url = self.config.base_url(call.host) + call.path
            token = self.token if call.authenticated else None
        register_token(token)
        headers = self.config.headers()
        headers["Accept"] = "application/json" if call.accept == "json" else "application/xml"
        if token:
            headers["X-Plex-Token"] = token
        if call.headers:
            headers.update(call.headers)
        endpoint = call.endpoint
        breaker = self.breaker if call.guarded else None
        waited = 0.0
        attempt = 0
        while True:
            attempt += 1
            if self.before_write is not None and call.is_write:
                self.before_write(endpoint)
            if self.budget is not None and self.budget.left() <= 0:
                raise self.budget.exceeded(endpoint)
            trial = breaker.before_call() if breaker else False
            try:
                answer = self._attempt(call, url, headers)
            except _Retryable as failure:
                _report(breaker, failure.error, trial)
                delay = self._backoff(attempt)
                error = failure.error
                if isinstance(error, RateLimited):
                    wanted = failure.retry_after if failure.retry_after is not None else delay
                    left = self.config.retry_budget - waited
                    if (
                        wanted > self.config.max_retry_after
                        or wanted > left
                        or attempt >= self.config.retry_attempts
                        or not self._fits_budget(wanted)
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
                if waited + delay > self.config.retry_budget or not self._fits_budget(delay):
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
            except PlexTVError as error:
                _report(breaker, error, trial)
                raise
            else:
                _report(breaker, None, trial)
                return answer

    def _fits_budget(self, delay: float) -> bool:
        """Whether waiting `delay` seconds still leaves time for another attempt."""
        return self.budget is None or self.budget.left() > delay

    def _backoff(self, attempt: int) -> float:
        ceiling = min(
            self.config.retry_backoff_cap, self.config.retry_backoff_base * 2 ** (attempt - 1)
        )
        return self._rng.uniform(0, ceiling)

    def _attempt(self, call: Call, url: str, headers: dict[str, str]) -> Answer:
        method, endpoint, retryable = call.method, call.endpoint, bool(call.retry_safe)
        timeout = call.timeout or self.config.timeout
        ends_at = time.monotonic() + self.config.attempt_timeout
        if self.budget is not None:
            ends_at = min(ends_at, self.budget.ends_at)
        left = max(0.001, ends_at - time.monotonic())
        with self._lock:
            self._sent += 1
        log.debug("plex.tv %s", endpoint)
        started = time.monotonic()
        try:
            with watchdog.deadline(ends_at):
                response = self.session.request(
                    method,
                    url,
                    params=call.params,
                    data=call.form,
                    json=call.json_body,
                    headers=headers,
                    timeout=(min(timeout[0], left), min(timeout[1], left)),
                    stream=True,
                )
        except requests.RequestException as exc:
            notify(Exchange(method, endpoint, None, type(exc).__name__, time.monotonic() - started))
            if time.monotonic() >= ends_at - 0.01 and not _never_sent(exc):
                raise self._too_slow(endpoint, retryable=retryable) from None
            raise self._transport_failure(exc, endpoint, retryable) from None
        try:
            body = _read_body(response, ends_at, timeout[1])
        except _TooSlow:
            notify(Exchange(method, endpoint, None, "ReadTimeout", time.monotonic() - started))
            raise self._too_slow(endpoint, retryable=retryable) from None
        except (urllib3.exceptions.HTTPError, requests.RequestException, OSError) as exc:
            notify(Exchange(method, endpoint, None, type(exc).__name__, time.monotonic() - started))
            raise self._transport_failure(
                requests.ConnectionError(type(exc).__name__), endpoint, retryable
            ) from None
        finally:
            response.close()
        text = _text(body, response.encoding)
        status = response.status_code
        notify(Exchange(method, endpoint, status, None, time.monotonic() - started))
        if status == 429:
            error = error_for_response(status, text, endpoint, call.missing)
            raise _Retryable(error, parse_retry_after(response.headers.get("Retry-After")))
        if status >= 500:
            brief = parse_error_body(text)[1]
            if retryable:
                raise _Retryable(Unavailable(status=status, endpoint=endpoint, plex_message=brief))
            raise OutcomeUnknown(status=status, endpoint=endpoint, plex_message=brief)
        if status >= 400 or status < 200 or status in (301, 302, 303, 307, 308):
            raise error_for_response(status, text, endpoint, call.missing)
        content_type = response.headers.get("Content-Type", "")
        try:
            payload = decode(text, content_type, status, call.accept == "json")
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

    def _too_slow(self, endpoint: str, *, retryable: bool) -> Exception:
        """The deadline of this attempt (or of the client's budget) passed after sending."""
        if self.budget is not None and self.budget.left() <= 0.01:
            error = self.budget.exceeded(endpoint)
        else:
            error = DeadlineExceeded(
                f"plex.tv did not finish answering within {self.config.attempt_timeout:g} s.",
                endpoint=endpoint,
            )
        if not retryable:
            return OutcomeUnknown(
                "The change was sent to plex.tv but its answer did not come in time, so it may "
                "or may not have been applied.",
                endpoint=endpoint,
            )
        if self.budget is not None and self.budget.left() <= 0.01:
            return error  # no time left for another attempt
        return _Retryable(error)

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


class _TooSlow(Exception):
    """Internal: the body did not arrive before the deadline."""


def _read_body(response: requests.Response, ends_at: float, read_timeout: float) -> bytes:
    """The whole body, read in pieces against `ends_at`.

    A read returns as soon as any bytes arrive, and the socket's timeout is narrowed to the
    time left before each read, so neither a stall nor a trickle outlasts the deadline.
    """
    raw = response.raw
    chunks: list[bytes] = []
    while True:
        left = ends_at - time.monotonic()
        if left <= 0:
            raise _TooSlow
        sock = _socket_of(raw)
        if sock is not None:
            sock.settimeout(min(read_timeout, left))
        try:
            chunk = raw.read1(CHUNK, decode_content=True)
        except (urllib3.exceptions.ReadTimeoutError, TimeoutError):
            if time.monotonic() >= ends_at - 0.01:
                raise _TooSlow from None
            raise
        if not chunk:
            break
        chunks.append(chunk)
    raw.release_conn()
    return b"".join(chunks)


def _socket_of(raw: Any) -> socket.socket | None:
    connection = getattr(raw, "connection", None)
    sock = getattr(connection, "sock", None)
    return sock if isinstance(sock, socket.socket) else None


def _text(body: bytes, encoding: str | None) -> str:
    # XML and JSON without a declared charset are UTF-8 by their own specifications.
    try:
        return body.decode(encoding or "utf-8", errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def _report(breaker: CircuitBreaker | None, error: PlexTVError | None, trial: bool) -> None:
    """Tell the breaker how the attempt went: plex.tv not answering usefully is a failure, any
    real answer (a refusal too) a success."""
    if breaker is None:
        return
    if isinstance(error, Unavailable):
        breaker.record_failure(error, trial)
    else:
        breaker.record_success(trial)


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the request cannot have reached the server (refused or connect timeout)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError):
        text = repr(exc.args)
        return "NewConnectionError" in text or "NameResolutionError" in text
    return False
