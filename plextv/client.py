"""`PlexTV`: one client per identity (a token, or none for sign-in and PINs)."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

import requests

from plextv.base import ClientBase
from plextv.breaker import CircuitBreaker
from plextv.call import Call
from plextv.config import ClientConfig
from plextv.connect import choose_connection
from plextv.errors import ApiChanged, BadRequest, NotFound, RateLimited, Unauthorized
from plextv.home import HomeOperations
from plextv.images import ImageOperations
from plextv.masking import register_token
from plextv.media import MediaOperations
from plextv.models import Account, Connection, Device, Pin, Resource
from plextv.parsers.account import parse_account, parse_auth_token, parse_pin
from plextv.parsers.common import parse_bool_answer
from plextv.parsers.resources import parse_devices, parse_resources
from plextv.servers import ServerOperations
from plextv.transport import Budget, Transport


class PlexTV(HomeOperations, MediaOperations, ServerOperations, ImageOperations, ClientBase):
    """The plex.tv client. Every method names its endpoint and its request count.

    Counts are for the happy path; a retried request counts once per attempt in
    `requests_sent`.

    `budget` (seconds, or a `Budget` to share) bounds the time all of this client's calls may
    take together, for a web page that must answer in a few seconds; `breaker` stops calls to
    plex.tv while it keeps failing (see `plextv.breaker`).
    """

    def __init__(
        self,
        config: ClientConfig | None = None,
        token: str | None = None,
        session: requests.Session | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        budget: Budget | float | None = None,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self.config = config or ClientConfig()
        self._sleep = sleep
        if isinstance(budget, int | float):
            budget = Budget.starting_now(float(budget))
        self._transport = Transport(
            self.config, token, session, sleep=sleep, budget=budget, breaker=breaker
        )

    def __repr__(self) -> str:
        who = "signed in" if self.token else "anonymous"
        return f"<PlexTV {self.config.plex_tv} {who}>"

    @property
    def token(self) -> str | None:
        return self._transport.token

    @property
    def session(self) -> requests.Session:
        return self._transport.session

    @property
    def requests_sent(self) -> int:
        """HTTP requests this client has sent (each retry attempt counts)."""
        return self._transport.requests_sent

    @property
    def budget(self) -> Budget | None:
        return self._transport.budget

    def with_token(self, token: str) -> PlexTV:
        """A client for another identity sharing this one's config, HTTP session, time budget,
        circuit breaker and write guard."""
        client = PlexTV(
            self.config,
            token,
            self.session,
            sleep=self._sleep,
            budget=self._transport.budget,
            breaker=self._transport.breaker,
        )
        client.guard_writes(self._transport.before_write)
        return client

    def guard_writes(self, check: Callable[[str], None] | None) -> None:
        """Call `check(endpoint)` before every attempt of a request that may change plex.tv
        (anything but GET and HEAD); an exception it raises stops the request unsent."""
        self._transport.before_write = check

    # --- sign-in and account ------------------------------------------------------------------

    def sign_in(
        self, login: str, password: str, code: str | None = None, *, remember: bool = True
    ) -> Account:
        """POST plex.tv/api/v2/users/signin (1 request). The account carries `auth_token`.

        Raises `TwoFactorRequired` when the account needs its 6-digit code; call again with
        `code`. Use `with_token(account.auth_token)` for a client of that account.
        """
        form = {"login": login, "password": password, "rememberMe": "true" if remember else "false"}
        if code:
            form["verificationCode"] = code
        payload = self._call(
            Call("POST", "/api/v2/users/signin", form=form, accept="json", authenticated=False)
        )
        account = parse_account(payload)
        register_token(account.auth_token)
        return account

    def account(self) -> Account:
        """GET plex.tv/api/v2/user (1 request): the signed-in account, Plex Pass included."""
        return parse_account(self._call(Call("GET", "/api/v2/user", accept="json")))

    def sign_out(self) -> None:
        """DELETE plex.tv/api/v2/users/signout (1 request): invalidates this client's token."""
        self._call(Call("DELETE", "/api/v2/users/signout"))

    def ping(self) -> bool:
        """GET plex.tv/api/v2/ping (1 request): True while the token is valid, else False."""
        try:
            return parse_bool_answer(self._call(Call("GET", "/api/v2/ping")), "pong")
        except Unauthorized:
            return False

    def claim_token(self) -> str:
        """GET plex.tv/api/claim/token.json (1 request): a short-lived `claim-…` token."""
        payload = self._call(Call("GET", "/api/claim/token.json", accept="json"))
        token = payload.get("token") if isinstance(payload, dict) else None
        if not isinstance(token, str) or not token:
            raise ApiChanged(plex_message="claim answer without token")
        register_token(token)
        return token

    # --- PINs and OAuth -----------------------------------------------------------------------

    def create_pin(self, *, strong: bool = False) -> Pin:
        """POST plex.tv/api/v2/pins (1 request): a 4-character code, or a strong one for OAuth."""
        params = {"strong": "true"} if strong else None
        payload = self._call(
            Call("POST", "/api/v2/pins", params=params, accept="json", authenticated=False)
        )
        return parse_pin(payload)

    def check_pin(self, pin_id: int) -> Pin:
        """GET plex.tv/api/v2/pins/{id} (1 request). `NotFound` once the PIN has expired."""
        payload = self._call(
            Call(
                "GET", f"/api/v2/pins/{pin_id}", accept="json", authenticated=False, missing="item"
            )
        )
        pin = parse_pin(payload)
        register_token(pin.auth_token)
        return pin

    def wait_for_pin(
        self,
        pin: Pin,
        *,
        timeout: float = 120.0,
        interval: float = 2.0,
        max_interval: float = 30.0,
        max_checks: int = 120,
    ) -> Pin | None:
        """Poll `check_pin` until linked (the Pin), expired or out of time (None).

        At most `max_checks` requests. A 429 doubles the interval (up to `max_interval`, or
        Retry-After when longer), so a rate limit slows polling down instead of hammering.
        """
        deadline = time.monotonic() + timeout
        delay = interval
        for _ in range(max_checks):
            try:
                current = self.check_pin(pin.id)
            except NotFound:
                return None
            except RateLimited as limited:
                delay = min(max(delay * 2, limited.retry_after), max_interval)
            else:
                if current.linked:
                    return current
            if time.monotonic() + delay > deadline:
                return None
            self._sleep(delay)
        return None

    def oauth_url(self, pin: Pin, forward_url: str | None = None) -> str:
        """The app.plex.tv page where the user approves a strong PIN (no request)."""
        params = {
            "clientID": self.config.client_identifier,
            "code": pin.code,
            "context[device][product]": self.config.product,
            "context[device][version]": self.config.version,
            "context[device][platform]": self.config.platform,
            "context[device][deviceName]": self.config.device_name,
        }
        if forward_url:
            params["forwardUrl"] = forward_url
        return f"{self.config.base_url('app')}/auth#?{urlencode(params)}"

    def link_pin(self, code: str) -> None:
        """PUT plex.tv/api/v2/pins/link (1 request): link a device showing a 4-character code."""
        if len(code) != 4:
            raise BadRequest("A device link code has 4 characters.")
        self._call(
            Call(
                "PUT",
                "/api/v2/pins/link",
                form={"code": code},
                headers={"X-Plex-Product": "Plex SSO"},
                missing="item",
            )
        )

    def switch_home_user(self, user_id: int, pin: str | None = None) -> PlexTV:
        """POST plex.tv/api/home/users/{id}/switch (1 request): a client acting as that Home
        user. `InvalidPin` when the user is protected and the PIN is missing or wrong."""
        params = {"pin": pin} if pin else None
        payload = self._call(
            Call("POST", f"/api/home/users/{user_id}/switch", params=params, missing="item")
        )
        token = parse_auth_token(payload)
        register_token(token)
        return self.with_token(token)

    # --- resources and devices ----------------------------------------------------------------

    def resources(self) -> list[Resource]:
        """GET plex.tv/api/v2/resources?includeHttps=1&includeRelay=1 (1 request)."""
        payload = self._call(
            Call(
                "GET",
                "/api/v2/resources",
                params={"includeHttps": 1, "includeRelay": 1},
                accept="json",
            )
        )
        resources = parse_resources(payload)
        for resource in resources:
            register_token(resource.access_token)
        return resources

    def resource(self, name_or_id: str) -> Resource:
        """One resource by name (any case) or client identifier (1 request)."""
        for resource in self.resources():
            if (
                resource.client_identifier == name_or_id
                or resource.name.casefold() == name_or_id.casefold()
            ):
                return resource
        raise NotFound(f"plex.tv lists no server or device called {name_or_id!r}.")

    def connect(self, resource: Resource, timeout: float | None = None) -> Connection:
        """Probe the resource's addresses in parallel (`GET {uri}/identity` each, not plex.tv)
        and return the best that answers: local → remote → relay, https → http, never a
        local address of a server we do not own."""
        return choose_connection(
            self.session,
            self.config,
            resource,
            self.config.connection_probe_timeout if timeout is None else timeout,
        )

    def devices(self) -> list[Device]:
        """GET plex.tv/devices.xml (1 request)."""
        devices = parse_devices(self._call(Call("GET", "/devices.xml")))
        for device in devices:
            register_token(device.token)
        return devices

    def remove_device(self, device_id: str) -> None:
        """DELETE plex.tv/devices/{id}.xml (1 request)."""
        self._call(Call("DELETE", f"/devices/{device_id}.xml", missing="item"))
