"""The observer hook: one Exchange per attempt, never able to break a call, no Django in plextv."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from plextv import PlexTV, Unauthorized
from plextv.observe import Exchange, add_observer, remove_observer
from tests.plextv.conftest import SAMPLES
from tests.plextv.scripted import ScriptedServer, Step

ROOT = Path(__file__).resolve().parents[2]
USERS_XML = (SAMPLES / "api-users.xml").read_text().replace('totalSize="3"', 'totalSize="2"')


@pytest.fixture
def seen() -> Iterator[list[Exchange]]:
    exchanges: list[Exchange] = []
    add_observer(exchanges.append)
    yield exchanges
    remove_observer(exchanges.append)


def test_it_reports_every_attempt_with_its_answer(
    client: PlexTV, scripted: ScriptedServer, seen: list[Exchange]
) -> None:
    scripted.script(
        Step(status=429, headers={"Retry-After": "0"}),
        Step(action="reset"),
        Step(body=USERS_XML),
    )
    client.users()
    assert [(e.method, e.endpoint, e.status, e.failure) for e in seen] == [
        ("GET", "GET /api/users/", 429, None),
        ("GET", "GET /api/users/", None, "ConnectionError"),
        ("GET", "GET /api/users/", 200, None),
    ]
    assert all(e.seconds >= 0 for e in seen)


def test_it_reports_a_refusal_before_raising_it(
    client: PlexTV, scripted: ScriptedServer, seen: list[Exchange]
) -> None:
    scripted.script(Step(status=401, body="<errors><error code='1001'/></errors>"))
    with pytest.raises(Unauthorized):
        client.users()
    assert [e.status for e in seen] == [401]


def test_a_failing_observer_never_fails_the_call(
    client: PlexTV, scripted: ScriptedServer, seen: list[Exchange]
) -> None:
    def broken(exchange: Exchange) -> None:
        raise RuntimeError("metrics store is down")

    add_observer(broken)
    try:
        scripted.script(Step(body=USERS_XML))
        assert [u.id for u in client.users()] == [1000, 1001]
    finally:
        remove_observer(broken)
    assert [e.status for e in seen] == [200]


def test_adding_an_observer_twice_reports_once(
    client: PlexTV, scripted: ScriptedServer, seen: list[Exchange]
) -> None:
    add_observer(seen.append)
    scripted.script(Step(body=USERS_XML))
    client.users()
    assert len(seen) == 1


def test_plextv_imports_neither_django_nor_prometheus() -> None:
    code = (
        "import sys, plextv, plextv.observe;"
        "bad = {'django', 'prometheus_client'};"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in bad);"
        "print(bad)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
