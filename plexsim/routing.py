"""Route registry and the per-request context handed to every handler."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request

from plexsim.model import Account, SimError, State
from plexsim.render import Reply, json_reply, json_to_xml, xml_reply

if TYPE_CHECKING:
    from plexsim.app import Simulator

PLEX_HOSTS = (
    "plex.tv",
    "clients.plex.tv",
    "discover.provider.plex.tv",
    "metadata.provider.plex.tv",
)

Handler = Callable[..., Reply]


@dataclass(frozen=True)
class RouteSpec:
    path: str
    methods: tuple[str, ...]
    host: str
    handler: Handler
    auth: bool

    @property
    def v1(self) -> bool:
        """plex.tv's older API (not under /api/v2/): XML only, with its own error forms."""
        return self.host in {"plex.tv", "clients.plex.tv"} and not self.path.startswith("/api/v2/")


ROUTES: list[RouteSpec] = []


def route(
    path: str, *methods: str, host: str = "plex.tv", auth: bool = True
) -> Callable[[Handler], Handler]:
    """Register a handler; `host` is the plex.tv host the path belongs to (for the request log)."""

    def register(handler: Handler) -> Handler:
        ROUTES.append(RouteSpec(path, methods or ("GET",), host, handler, auth))
        return handler

    return register


class Ctx:
    """What a handler needs: the request, the state, the caller, and content negotiation."""

    def __init__(self, sim: Simulator, request: Request, host: str) -> None:
        self.sim = sim
        self.request = request
        self.host = host
        self.state: State = sim.state
        self._account: Account | None = None

    @property
    def wants_json(self) -> bool:
        return "application/json" in self.request.headers.get("Accept", "")

    def plex_value(self, name: str) -> str:
        """An X-Plex-* value from the headers or, as plex.tv also allows, the query string."""
        return self.request.headers.get(name) or self.request.args.get(name, "")

    @property
    def token(self) -> str:
        return self.plex_value("X-Plex-Token")

    @property
    def client_id(self) -> str:
        return self.plex_value("X-Plex-Client-Identifier")

    @property
    def now(self) -> float:
        return self.state.now()

    def account(self) -> Account:
        if self._account is None:
            account = self.state.account_by_token(self.token) if self.token else None
            if account is None:
                raise SimError(401, 1001, "User could not be authenticated")
            self._account = account
        return self._account

    def body(self) -> dict[str, Any]:
        """The request body as a dict: JSON when sent as JSON, else the form fields."""
        if self.request.mimetype == "application/json":
            raw = self.request.get_data(as_text=True).strip()
            if not raw:
                return {}
            try:
                value = json.loads(raw)
            except ValueError:
                raise SimError(400, 1000, "The request body is not valid JSON") from None
            if not isinstance(value, dict):
                raise SimError(400, 1000, "The request body must be a JSON object")
            return value
        return dict(self.request.form.items())

    def param(self, name: str, default: str = "") -> str:
        """A value from the query string or the form body, as plex.tv reads either."""
        value = self.request.args.get(name)
        if value is None:
            value = self.request.form.get(name, default)
        return value

    def v2(self, value: Any, tag: str, status: int = 200) -> Reply:
        """A v2 answer: JSON with Accept JSON, else the same object in v2 XML style."""
        if self.wants_json:
            return json_reply(value, status)
        return xml_reply(json_to_xml(tag, value), status)


def flag(value: object) -> bool:
    """plex.tv accepts 1/0, true/false and (from python clients) True/False."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    return str(value).strip().lower() in {"1", "true", "yes", "on"}
