"""Sending one fuzz request and checking what must hold after it.

After every request: no 500 (an exception raised by a view counts as one); a refused request
(400, 403, 404, 405, 429, or a sign-in redirect) made no plex.tv call, read from plexsim's
request log. After a request that carried extra fields: none of them landed anywhere.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.test import Client

from accounts.models import Household, PlexAccount, User
from sharing.models import AuditEvent, Operation, Share
from tests.fuzz.values import describe
from tests.personas import Persona

REFUSALS = {400, 403, 404, 405, 429}


def refused(status: int, location: str) -> bool:
    """A refusal status, or a redirect to a sign-in page (ours or the Django admin's)."""
    return status in REFUSALS or (300 <= status < 400 and "?next=" in location)


# Scenario 13: fields no form has, each with a value that can be recognised if it lands.
CANARY = "fuzz-canary-7f3a"
EXTRA_FIELDS = {
    "is_superuser": "on",
    "is_staff": "on",
    "owner": CANARY,
    "plex_token": CANARY,
    "uses": "424242",
    "max_uses": "424242",
    "expires_at": "2031-02-03",
    "created_by": CANARY,
}
LANDED = (CANARY, "424242", "2031-02-03")

# Views whose 400 is plex.tv's own answer (a wrong password), so asking it was the point.
ASKS_PLEX_TV_FIRST = {"accounts:password"}


@dataclass
class Sent:
    persona: str
    method: str
    path: str
    body: Mapping[str, Any] | None
    status: int
    location: str = ""

    def __str__(self) -> str:
        text = f"{self.persona} {self.method} {self.path}"
        if self.body:
            text += f" body={describe(dict(self.body))}"
        return f"{text} -> {self.status}"


@dataclass
class Fuzzer:
    """Sends requests as the cast's personas; collects every broken promise with its request."""

    plexsim: Any
    household_owner_id: int
    problems: list[str] = field(default_factory=list)
    sent: int = 0
    _seq: int | None = None

    def _last_seq(self) -> int:
        if self._seq is None:
            log = self.plexsim.requests()
            self._seq = log[-1]["seq"] if log else 0
        return self._seq

    def send(
        self,
        persona: Persona,
        method: str,
        path: str,
        body: Mapping[str, Any] | None = None,
        *,
        label: str = "",
        htmx: bool = False,
    ) -> Sent:
        before = self._last_seq()
        client: Client = persona.client
        headers = {"HX-Request": "true"} if htmx else {}
        self.sent += 1
        try:
            if method == "POST":
                response = client.post(path, body or {}, headers=headers)
            elif method == "HEAD":
                response = client.head(path, body or {}, headers=headers)
            else:
                response = client.get(path, body or {}, headers=headers)
        except Exception:  # a view that raises is a 500 the visitor would see
            sent = Sent(persona.name, method, path, body, 500)
            self.problems.append(f"{sent}: raised\n{traceback.format_exc(limit=-6)}")
            self._seq = None
            return sent
        sent = Sent(
            persona.name, method, path, body, response.status_code, response.get("Location", "")
        )
        if response.status_code >= 500:
            self.problems.append(f"{sent}: server error")
        if refused(sent.status, sent.location) and not (
            label in ASKS_PLEX_TV_FIRST and response.status_code == 400
        ):
            calls = self.plexsim.requests(since=before)
            if calls:
                made = ", ".join(f"{c['method']} {c['path']}" for c in calls)
                self.problems.append(f"{sent}: refused, yet plex.tv received {made}")
            self._seq = calls[-1]["seq"] if calls else before
        else:
            self._seq = None  # read the log again before the next request
        return sent

    def check_extras_ignored(self, sent: Sent) -> None:
        """Scenario 13: no extra field made anyone staff, changed the owner or was stored."""
        elevated = User.objects.filter(Q(is_superuser=True) | Q(is_staff=True))
        if elevated.exists():
            self.problems.append(f"{sent}: made {list(elevated)} staff or superuser")
        household = Household.current()
        if household is None or household.owner_id != self.household_owner_id:
            self.problems.append(f"{sent}: the household's owner changed")
        stored = [
            json.dumps(list(Operation.objects.values_list("params", flat=True))),
            json.dumps(list(AuditEvent.objects.values_list("changes", flat=True))),
            " ".join(str(d) for d in Share.objects.values_list("expires_at", flat=True)),
        ]
        for canary in LANDED:
            if any(canary in text for text in stored):
                self.problems.append(f"{sent}: the extra value {canary!r} was stored")
        for account in PlexAccount.objects.exclude(token_ciphertext=""):
            if account.get_token() == CANARY:
                self.problems.append(f"{sent}: the submitted plex_token was stored")
