"""The simulated people of the load run (Locust, headless; started by run.py).

`AdminUser`: an admin signed in with their own session (made by setup_data.py), browsing the
people screen, person pages, the matrix and the audit trail, and now and then editing a share,
inviting someone new or removing a friend, each POST as the page's form sends it (CSRF token,
one-time key).

`MemberUser`: a member signed in with their own session, opening their own page (/me/) every
5 to 15 seconds.

`InviteeUser`: one of LOAD_INVITEES people who, together, take the invite links one after the
other, all of them on the same link at once (each wave waits for everyone, at most 90 s). Each
time a new person: a new plexsim account, a fresh browser (no cookies) from an address of its
own (X-Forwarded-For, the web running behind one trusted proxy), opening /join/<code>, starting
the code sign-in (again after a few seconds when Plex could not be reached, as a person would),
entering the code at plex.tv (plexsim's approval, as its /link page does), then following the
status page every second, as its htmx does, until it ends: "in", "refused" (the link was used
up) or anything else, counted per link. No wave starts in the last LOAD_WAVE_MARGIN seconds of
the run, so none is cut off midway.

Every answer (body and headers) is searched for the owner's Plex token and for every invitee's
token known so far (their account's and the one their approved code carries). The tokens are
kept in this process's memory only: never printed or written.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import secrets
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import requests
from locust import HttpUser, between, constant, events, task

SETUP = json.loads(Path(os.environ["LOAD_SETUP"]).read_text())
LEAKS_OUT = Path(os.environ["LOAD_LEAKS"])
TOKEN = SETUP["owner_token"]
SIM = os.environ["LOAD_PLEXSIM"]
INVITEES = int(os.environ.get("LOAD_INVITEES", "50"))
# Waves start only until this many seconds before the run ends.
WAVE_CUTOFF = (
    time.monotonic()
    + int(os.environ.get("LOAD_SECONDS", "120"))
    - int(os.environ.get("LOAD_WAVE_MARGIN", "60"))
)
# plexsim's token shapes (an account's own, a device's), so each answer is scanned once.
TOKEN_SHAPE = re.compile(r"(?:sim|dev)-[0-9a-f]{20}")
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PIN_CODE = re.compile(r'class="pin-code"[^>]*>\s*([A-Z0-9]{4})\s*<')
PHASE = re.compile(r'data-phase="([a-z]+)"')
LIVE_PHASES = {"waiting", "working"}

_sessions = itertools.cycle(SETUP["sessions"])
_member_sessions = iter(SETUP["member_sessions"])
_invitee_numbers = itertools.count(1)
_invitee_tokens: set[str] = set()
_waves: dict[int, tuple[int, threading.Event]] = {}
_joins: dict[str, Counter[str]] = {}
_sign_in_retries = 0
_removable = list(SETUP["removable"])
_removed: set[int] = set()
_lock = threading.Lock()
_leaks: list[str] = []
_statuses: dict[str, int] = {}
_pages = 0


def _leaks_in(text: str) -> bool:
    if TOKEN in text:
        return True
    return any(found in _invitee_tokens for found in TOKEN_SHAPE.findall(text))


@events.request.add_listener
def _search_for_the_token(name: str, response: Any = None, **_: Any) -> None:
    """Every page, partial and redirect is searched for the owner's and invitees' tokens."""
    global _pages
    if response is None:
        return
    with _lock:
        _pages += 1
        code = str(response.status_code)
        _statuses[code] = _statuses.get(code, 0) + 1
        headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
        if _leaks_in(response.text or "") or _leaks_in(headers):
            _leaks.append(name)


@events.test_stop.add_listener
def _write_leaks(**_: Any) -> None:
    LEAKS_OUT.write_text(
        json.dumps(
            {
                "searched": _pages,
                "leaks": _leaks,
                "statuses": _statuses,
                "joins": {label: dict(seen) for label, seen in _joins.items()},
                "invitees": next(_invitee_numbers) - 1,
                "invitee_tokens": len(_invitee_tokens),
                "sign_in_retries": _sign_in_retries,
            }
        )
    )


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


class MemberUser(HttpUser):
    fixed_count = len(SETUP["member_sessions"])
    wait_time = between(5.0, 15.0)

    def on_start(self) -> None:
        with _lock:
            me = next(_member_sessions)
        self.client.cookies.set(me["session_cookie"], me["session"])
        self.client.cookies.set(me["csrf_cookie"], me["csrf"])

    @task
    def own_page(self) -> None:
        self.client.get("/me/", name="member page")


def _wave_starts(wave: int) -> bool:
    """Wait until every invitee has come to this wave (at most 90 s); whether to run it."""
    with _lock:
        arrived, gate = _waves.get(wave, (0, threading.Event()))
        _waves[wave] = (arrived + 1, gate)
        if arrived + 1 >= INVITEES:
            gate.set()
    gate.wait(90)
    return time.monotonic() < WAVE_CUTOFF


def _sim(path: str, body: dict[str, Any]) -> dict[str, Any]:
    """plexsim's control API (never faulted): what plex.tv's own pages would do."""
    answer = requests.post(f"{SIM}/__sim__/{path}", json=body, timeout=30)
    answer.raise_for_status()
    result: dict[str, Any] = answer.json()
    return result


class InviteeUser(HttpUser):
    fixed_count = INVITEES
    wait_time = constant(0)

    def on_start(self) -> None:
        with _lock:
            self.number = next(_invitee_numbers)
        self.wave = 0

    @task
    def join(self) -> None:
        wave = self.wave
        self.wave += 1
        if wave >= len(SETUP["links"]) or not _wave_starts(wave):
            time.sleep(5)  # nothing left to redeem: idle until the run ends
            return
        link = SETUP["links"][wave]
        outcome = self._redeem(link["code"], f"load-invitee-w{wave + 1}-{self.number}")
        with _lock:
            _joins.setdefault(link["label"], Counter())[outcome] += 1

    def _redeem(self, code: str, username: str) -> str:
        global _sign_in_retries
        self.client.cookies.clear()
        headers = {"X-Forwarded-For": f"10.77.{self.wave}.{self.number}"}
        account = _sim("mutate", {"op": "add_account", "username": username})
        with _lock:
            _invitee_tokens.add(account["token"])
        for url, name in ((f"/join/{code}", "join link"), ("/join/", "join landing")):
            with self.client.get(
                url, name=name, headers=headers, allow_redirects=False, catch_response=True
            ) as landing:
                # A link used up before this person opened it: the neutral page is the answer.
                if landing.status_code == 404:
                    landing.success()
        csrf = CSRF_FIELD.search(landing.text or "")
        if csrf is None:
            return f"landing {landing.status_code}"
        for attempt in range(6):
            with self.client.post(
                "/join/sign-in/",
                data={"kind": "link", "csrfmiddlewaretoken": csrf.group(1)},
                headers=headers,
                name="join sign-in (POST)",
                allow_redirects=False,
                catch_response=True,
            ) as answer:
                if answer.status_code == 503 and "Plex could not be reached" in answer.text:
                    # The page says so and asks to try again: an answer, not an error.
                    answer.success()
                elif answer.status_code == 404:
                    # The link was used up while this person tried again: the neutral page.
                    answer.success()
            if answer.status_code == 303:
                break
            if answer.status_code == 404:
                return "used up before sign-in"
            if answer.status_code != 503 or attempt == 5:
                return f"sign-in {answer.status_code}"
            with _lock:
                _sign_in_retries += 1
            time.sleep(random.uniform(2.0, 4.0))
        page = self.client.get("/join/status/", name="join status", headers=headers)
        pin = PIN_CODE.search(page.text or "")
        if pin is None:
            return f"no code ({page.status_code})"
        approved = _sim(f"pins/{pin.group(1)}/approve", {"username": username})
        with _lock:
            _invitee_tokens.add(approved["token"])
        deadline = time.monotonic() + 90
        phase = "waiting"
        while phase in LIVE_PHASES and time.monotonic() < deadline:
            time.sleep(1.0)
            partial = self.client.get(
                "/join/status/",
                name="join status (htmx)",
                headers={**headers, "HX-Request": "true"},
            )
            found = PHASE.search(partial.text or "")
            phase = found.group(1) if found else f"status {partial.status_code}"
        return phase if phase not in LIVE_PHASES else f"still {phase} after 90 s"
