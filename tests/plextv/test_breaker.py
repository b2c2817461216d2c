"""The circuit breaker: open after consecutive failures, fail fast while open, one trial call
after the cool-down, shared by every client that uses the same store."""

from __future__ import annotations

import pytest

from plextv import CircuitBreaker, CircuitOpen, ClientConfig, MemoryStore, NotFound, PlexTV
from plextv.breaker import BreakerStore
from plextv.call import Call
from tests.plextv.conftest import CANARY, SAMPLES
from tests.plextv.scripted import ScriptedServer, Step

USERS_XML = (SAMPLES / "api-users.xml").read_text().replace('totalSize="3"', 'totalSize="2"')


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def breaker(clock: Clock) -> CircuitBreaker:
    return CircuitBreaker(MemoryStore(clock), threshold=3, reset_timeout=60, clock=clock)


def _client(config: ClientConfig, breaker: CircuitBreaker) -> PlexTV:
    # One attempt per call, so each call is one failure.
    return PlexTV(config.with_changes(retry_attempts=1), token=CANARY, breaker=breaker)


def test_it_opens_after_consecutive_failures_and_then_sends_nothing(
    fast_config: ClientConfig, scripted: ScriptedServer, breaker: CircuitBreaker
) -> None:
    scripted.script(*[Step(status=503)] * 10)
    client = _client(fast_config, breaker)
    for _ in range(3):
        with pytest.raises(Exception, match="not answering"):
            client.users()
    assert breaker.status().state == "open"
    with pytest.raises(CircuitOpen) as caught:
        client.users()
    assert 59 <= caught.value.retry_after <= 60
    assert len(scripted.seen) == 3


def test_every_client_on_the_same_store_sees_it_open(
    fast_config: ClientConfig, scripted: ScriptedServer, clock: Clock
) -> None:
    store = MemoryStore(clock)
    scripted.script(*[Step(status=500)] * 3)
    first = _client(fast_config, CircuitBreaker(store, threshold=3, clock=clock))
    for _ in range(3):
        with pytest.raises(Exception, match="not answering"):
            first.users()
    # Another process: its own breaker object, the same store.
    second = _client(fast_config, CircuitBreaker(store, threshold=3, clock=clock))
    with pytest.raises(CircuitOpen):
        second.users()
    assert len(scripted.seen) == 3


def test_a_success_clears_the_count(
    fast_config: ClientConfig, scripted: ScriptedServer, breaker: CircuitBreaker
) -> None:
    scripted.script(
        Step(status=503), Step(status=503), Step(body=USERS_XML), Step(status=503), Step(body="")
    )
    client = _client(fast_config, breaker)
    for _ in range(2):
        with pytest.raises(Exception, match="not answering"):
            client.users()
    client.users()
    with pytest.raises(Exception, match="not answering"):
        client.users()
    assert breaker.status().state == "closed"
    assert breaker.status().failures == 1


def test_a_refusal_is_an_answer_not_a_failure(
    fast_config: ClientConfig, scripted: ScriptedServer, breaker: CircuitBreaker
) -> None:
    scripted.script(*[Step(status=404)] * 5)
    client = _client(fast_config, breaker)
    for _ in range(5):
        with pytest.raises(NotFound):
            client.check_pin(1)
    assert breaker.status().state == "closed"


def test_one_trial_call_after_the_cool_down_closes_it_on_success(
    fast_config: ClientConfig, scripted: ScriptedServer, breaker: CircuitBreaker, clock: Clock
) -> None:
    scripted.script(*[Step(status=503)] * 3, Step(body=USERS_XML), Step(body=USERS_XML))
    client = _client(fast_config, breaker)
    for _ in range(3):
        with pytest.raises(Exception, match="not answering"):
            client.users()
    clock.now += 61
    assert breaker.status().state == "half_open"
    # While the trial is out (claimed, not reported yet), everyone else still waits.
    assert breaker.before_call() is True
    with pytest.raises(CircuitOpen):
        client.users()
    breaker.record_success(trial=True)
    assert breaker.status().state == "closed"
    assert len(client.users()) == 2
    assert len(scripted.seen) == 4


def test_a_failed_trial_opens_it_for_another_cool_down(
    fast_config: ClientConfig, scripted: ScriptedServer, breaker: CircuitBreaker, clock: Clock
) -> None:
    scripted.script(*[Step(status=503)] * 4)
    client = _client(fast_config, breaker)
    for _ in range(3):
        with pytest.raises(Exception, match="not answering"):
            client.users()
    opened_at = breaker.status().opened_at
    clock.now += 61
    with pytest.raises(Exception, match="not answering"):
        client.users()  # the trial
    status = breaker.status()
    assert status.state == "open"
    assert status.opened_at == opened_at
    assert status.retry_at == clock.now + 60
    assert status.last_failure_at == clock.now
    with pytest.raises(CircuitOpen):
        client.users()
    assert len(scripted.seen) == 4


def test_connections_to_the_owners_own_servers_do_not_count(
    fast_config: ClientConfig, scripted: ScriptedServer, breaker: CircuitBreaker
) -> None:
    scripted.script(*[Step(status=503)] * 3)
    client = _client(fast_config, breaker)
    for _ in range(3):
        with pytest.raises(Exception, match="not answering"):
            client._transport.execute(
                Call("GET", "/identity", server=scripted.url, label="GET identity")
            )
    assert breaker.status().state == "closed"


class BrokenStore(MemoryStore):
    def get(self, key: str) -> object:
        raise ConnectionError("store down")

    def incr(self, key: str, ttl: float) -> int:
        raise ConnectionError("store down")


def test_a_store_that_fails_lets_every_call_through(
    fast_config: ClientConfig, scripted: ScriptedServer
) -> None:
    store: BreakerStore = BrokenStore()
    scripted.script(*[Step(status=503)] * 5, Step(body=USERS_XML))
    client = _client(fast_config, CircuitBreaker(store, threshold=2))
    for _ in range(5):
        with pytest.raises(Exception, match="not answering"):
            client.users()
    assert len(client.users()) == 2
