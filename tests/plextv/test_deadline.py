"""Time limits that cover the whole answer: a page's budget and one attempt's limit, against a
scripted server that stalls or sends its answer a byte at a time."""

from __future__ import annotations

import time

import pytest

from plextv import Budget, ClientConfig, DeadlineExceeded, OutcomeUnknown, PlexTV, Unavailable
from tests.plextv.conftest import CANARY, SAMPLES
from tests.plextv.scripted import ScriptedServer, Step

USERS_XML = (SAMPLES / "api-users.xml").read_text().replace('totalSize="3"', 'totalSize="2"')


def _page_client(config: ClientConfig, budget: float) -> PlexTV:
    return PlexTV(config.with_changes(retry_attempts=1), token=CANARY, budget=budget)


def test_a_trickling_answer_is_cut_off_at_the_budget(
    fast_config: ClientConfig, scripted: ScriptedServer
) -> None:
    # One byte every 0.2 s: each read returns well within the read timeout (0.5 s), so only
    # a deadline over the whole body can stop it; sending all of it would take minutes.
    scripted.script(Step(body=USERS_XML, action="trickle", interval=0.2))
    client = _page_client(fast_config, budget=1.5)
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded) as caught:
        client.users()
    assert time.monotonic() - started < len(USERS_XML) * 0.2 / 10
    assert "1.5 s" in caught.value.human_message
    assert client.requests_sent == 1


def test_status_line_and_headers_trickling_in_are_cut_off_too(
    fast_config: ClientConfig, scripted: ScriptedServer
) -> None:
    # Every byte comes well within the read timeout; the headers alone would take 20 s.
    scripted.script(Step(body=USERS_XML, action="trickle_all", interval=0.2))
    client = _page_client(fast_config.with_changes(read_timeout=5.0), budget=1.5)
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        client.users()
    assert time.monotonic() - started < 10


def test_without_a_budget_the_attempt_limit_cuts_trickling_headers(
    fast_config: ClientConfig, scripted: ScriptedServer, sleeps: list[float]
) -> None:
    config = fast_config.with_changes(read_timeout=5.0, attempt_timeout=1.0, retry_attempts=2)
    client = PlexTV(config, token=CANARY, sleep=sleeps.append)
    scripted.script(Step(body=USERS_XML, action="trickle_all", interval=0.2), Step(body=USERS_XML))
    started = time.monotonic()
    assert len(client.users()) == 2
    assert time.monotonic() - started < 10  # the headers alone would have taken 20 s
    assert len(scripted.seen) == 2


def test_a_stalled_answer_is_cut_off_at_the_budget_even_with_a_long_read_timeout(
    fast_config: ClientConfig, scripted: ScriptedServer
) -> None:
    scripted.script(Step(body=USERS_XML, delay=30))
    config = fast_config.with_changes(read_timeout=20.0)
    client = _page_client(config, budget=1.0)
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        client.users()
    assert time.monotonic() - started < 10


def test_the_budget_is_shared_by_every_call_of_the_client(
    fast_config: ClientConfig, scripted: ScriptedServer
) -> None:
    scripted.script(Step(body=USERS_XML, delay=0.7), Step(body=USERS_XML, delay=0.7))
    client = _page_client(fast_config.with_changes(read_timeout=5.0), budget=1.0)
    assert len(client.users()) == 2
    with pytest.raises(DeadlineExceeded):
        client.users()
    # A client for another identity made from it spends the same budget.
    other = client.with_token("another-token")
    assert other.budget is client.budget
    with pytest.raises(DeadlineExceeded):
        other.users()
    assert len(scripted.seen) == 2  # nothing is sent once the budget is spent


def test_without_a_budget_each_attempt_is_bounded_and_retried(
    fast_config: ClientConfig, scripted: ScriptedServer, sleeps: list[float]
) -> None:
    config = fast_config.with_changes(attempt_timeout=0.8, retry_attempts=2)
    client = PlexTV(config, token=CANARY, sleep=sleeps.append)
    scripted.script(
        Step(body=USERS_XML, action="trickle", interval=0.1),
        Step(body=USERS_XML),
    )
    assert len(client.users()) == 2
    assert len(scripted.seen) == 2


def test_a_post_cut_off_by_the_deadline_is_outcome_unknown_and_not_repeated(
    fast_config: ClientConfig, scripted: ScriptedServer
) -> None:
    answer = (SAMPLES / "api-v2-pins-post.json").read_text()
    scripted.script(
        Step(body=answer, content_type="application/json", action="trickle", interval=0.2)
    )
    client = PlexTV(fast_config, budget=1.0)
    with pytest.raises(OutcomeUnknown):
        client.create_pin()
    assert len(scripted.seen) == 1


def test_a_whole_answer_within_the_budget_is_read_normally(
    fast_config: ClientConfig, scripted: ScriptedServer
) -> None:
    scripted.script(Step(body=USERS_XML), Step(body=USERS_XML))
    client = _page_client(fast_config, budget=5.0)
    assert [u.id for u in client.users()] == [1000, 1001]
    assert [u.id for u in client.users()] == [1000, 1001]
    # Both answers came over one kept-alive connection.
    assert len({seen.peer for seen in scripted.seen}) == 1


def test_a_budget_reports_what_is_left() -> None:
    budget = Budget.starting_now(2.0)
    assert 1.5 < budget.left() <= 2.0
    assert isinstance(budget.exceeded(), Unavailable)
