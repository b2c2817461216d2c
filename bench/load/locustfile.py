"""The simulated people of the load run (Locust, headless; started by run.py).

`AdminUser`: an admin signed in with their own session (made by setup_data.py), browsing the
people screen, person pages, the matrix and the audit trail, and now and then editing a share,
inviting someone new or removing a friend, each POST as the page's form sends it (CSRF token,
one-time key). Every answer is searched for the owner's Plex token.

To add a population (members opening their own page, invitees redeeming links once those
exist), add an `HttpUser` class here with its `weight` or `fixed_count`, take what it needs
from the setup document (extend setup_data.py), and run.py reports its pages like the others.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import secrets
import threading
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task

SETUP = json.loads(Path(os.environ["LOAD_SETUP"]).read_text())
LEAKS_OUT = Path(os.environ["LOAD_LEAKS"])
TOKEN = SETUP["owner_token"]

_sessions = itertools.cycle(SETUP["sessions"])
_removable = list(SETUP["removable"])
_removed: set[int] = set()
_lock = threading.Lock()
_leaks: list[str] = []
_statuses: dict[str, int] = {}
_pages = 0


@events.request.add_listener
def _search_for_the_token(name: str, response: Any = None, **_: Any) -> None:
    """Every page, partial and redirect is searched for the owner's token."""
    global _pages
    if response is None:
        return
    with _lock:
        _pages += 1
        code = str(response.status_code)
        _statuses[code] = _statuses.get(code, 0) + 1
        if TOKEN in (response.text or "") or any(TOKEN in v for v in response.headers.values()):
            _leaks.append(name)


@events.test_stop.add_listener
def _write_leaks(**_: Any) -> None:
    LEAKS_OUT.write_text(json.dumps({"searched": _pages, "leaks": _leaks, "statuses": _statuses}))


def _take_removable() -> int | None:
    with _lock:
        if not _removable:
            return None
        person: int = _removable.pop()
        _removed.add(person)
        return person


class AdminUser(HttpUser):
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        with _lock:
            me = next(_sessions)
        self.csrf = me["csrf"]
        self.client.cookies.set(me["session_cookie"], me["session"])
        self.client.cookies.set(me["csrf_cookie"], me["csrf"])

    def _post(self, url: str, data: dict[str, Any], name: str) -> None:
        body = {**data, "key": secrets.token_hex(16), "csrfmiddlewaretoken": self.csrf}
        with self.client.post(
            url, data=body, name=name, allow_redirects=False, catch_response=True
        ) as answer:
            # A redirect to the operation's page, or a 4xx that says why (a share another
            # admin changed first, someone already removed): both are answers, not errors.
            if answer.status_code < 500:
                answer.success()

    @task(5)
    def people(self) -> None:
        page = random.choice(["", "?page=2", "?q=user000", "?kind=friend"])
        self.client.get(f"/people/{page}", name="people")

    @task(5)
    def person(self) -> None:
        person = random.choice(SETUP["people"])
        with self.client.get(f"/people/{person}/", name="person", catch_response=True) as answer:
            # A friend this run removed is gone from People: 404 is the right answer.
            if answer.status_code == 404 and person in _removed:
                answer.success()

    @task(3)
    def matrix(self) -> None:
        server = random.choice(SETUP["servers"])
        self.client.get(f"/matrix/{server}/", name="matrix")

    @task(2)
    def audit(self) -> None:
        self.client.get("/audit/", name="audit")

    @task(2)
    def edit(self) -> None:
        share = random.choice(SETUP["shares"])
        body = dict(share["body"])
        if "allow_sync" in body:
            del body["allow_sync"]
        else:
            body["allow_sync"] = "on"
        self._post(f"/people/shares/{share['id']}/edit/", body, "edit (POST)")

    @task(1)
    def invite(self) -> None:
        who = f"load-{secrets.token_hex(6)}@example.com"
        body = {"who": who, "libraries": SETUP["libraries"][:2], "allow_tuners": "0"}
        self._post("/people/invite/send/", body, "invite (POST)")

    @task(1)
    def remove(self) -> None:
        person = _take_removable()
        if person is not None:
            self._post(f"/people/{person}/remove/", {}, "remove (POST)")
