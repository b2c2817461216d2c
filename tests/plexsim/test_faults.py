"""Fault rules, the request log and the rate limiter."""

from __future__ import annotations

import time

import pytest
import requests

from plexsim.pytest_plugin import SimHandle
from tests.plexsim.conftest import PlexClient


def test_it_answers_a_scripted_status_for_the_given_number_of_times(
    plexsim: SimHandle, owner: PlexClient
) -> None:
    plexsim.add_fault(
        action="status",
        method="GET",
        path="/api/users*",
        status=503,
        body="<html>down</html>",
        headers={"Retry-After": "7"},
        times=2,
    )
    first = owner.get("/api/users/")
    second = owner.get("/api/users/")
    third = owner.get("/api/users/")
    assert (first.status_code, first.headers["Retry-After"]) == (503, "7")
    assert first.text == "<html>down</html>"
    assert second.status_code == 503
    assert third.status_code == 200
    assert owner.get("/api/v2/user").status_code == 200


def test_it_matches_faults_by_host(plexsim: SimHandle, owner: PlexClient) -> None:
    plexsim.add_fault(action="status", host="discover.provider.plex.tv", status=500)
    assert owner.get("/library/sections/watchlist/all").status_code == 500
    assert owner.get("/api/v2/user").status_code == 200


def test_it_resets_the_connection_after_applying_the_request(
    plexsim: SimHandle, owner: PlexClient
) -> None:
    den = "07b33a43085dc2635f0bb026696069991fae76dc"
    plexsim.add_fault(
        action="reset", method="POST", path=f"/api/servers/{den}/shared_servers", times=1
    )
    body = {
        "server_id": den,
        "shared_server": {"library_section_ids": [], "invited_email": "river"},
    }
    with pytest.raises(requests.ConnectionError):
        owner.call("POST", f"/api/servers/{den}/shared_servers", json=body)
    shares = [s for s in plexsim.state()["shares"] if s["userId"] == 1001017]
    assert len(shares) == 1
    entry = plexsim.requests()[-1]
    assert (entry["status"], entry["answered"], entry["fault"]) == (0, 200, "reset")


def test_it_logs_that_a_reset_write_was_refused_by_the_rate_limit(
    plexsim: SimHandle, owner: PlexClient
) -> None:
    """A reset says nothing of whether the write happened: `answered` does."""
    plexsim.set_rate_limit(1)
    owner.get("/api/v2/user")  # the one request of this second
    plexsim.add_fault(action="reset", method="DELETE", path="/api/v2/sharings/*", times=1)
    with pytest.raises(requests.ConnectionError):
        owner.call("DELETE", "/api/v2/sharings/1001017")
    entry = plexsim.requests()[-1]
    assert (entry["status"], entry["answered"], entry["fault"]) == (0, 429, "reset")


def test_it_can_reset_without_applying(plexsim: SimHandle, owner: PlexClient) -> None:
    plexsim.add_fault(action="reset", method="DELETE", path="/api/v2/sharings/*", apply=False)
    with pytest.raises(requests.ConnectionError):
        owner.call("DELETE", "/api/v2/sharings/1001011")
    assert any(r["userId"] == 1001011 for r in plexsim.state()["relations"])


def test_it_can_cut_the_body_mid_transfer(plexsim: SimHandle, owner: PlexClient) -> None:
    plexsim.add_fault(action="reset", path="/api/users/", partial=True)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        owner.get("/api/users/")


def test_it_truncates_bodies_and_lies_about_content_type(
    plexsim: SimHandle, owner: PlexClient
) -> None:
    whole = owner.get("/api/users/").content
    plexsim.add_fault(action="truncate", path="/api/users/", times=1)
    cut = owner.get("/api/users/")
    assert cut.status_code == 200
    assert cut.content == whole[: len(whole) // 2]
    plexsim.add_fault(action="wrong_content_type", path="/api/users/", times=1)
    assert owner.get("/api/users/").headers["Content-Type"] == "text/html; charset=utf-8"


def test_it_delays_answers(plexsim: SimHandle, owner: PlexClient) -> None:
    plexsim.add_fault(action="delay", path="/api/v2/ping", delay=0.3, times=1)
    response = owner.get("/api/v2/ping")
    assert response.status_code == 200
    assert response.elapsed.total_seconds() >= 0.3
    assert plexsim.requests()[-1]["duration_ms"] >= 300


def test_it_rejects_malformed_rules(plexsim: SimHandle) -> None:
    with pytest.raises(AssertionError, match="action must be one of"):
        plexsim.add_fault(action="explode")
    with pytest.raises(AssertionError, match="unknown fault rule keys"):
        plexsim.add_fault(action="status", colour="red")


def test_it_logs_plex_calls_with_increasing_sequence_numbers(
    plexsim: SimHandle, owner: PlexClient
) -> None:
    owner.get("/api/v2/user")
    owner.get("/api/users/", params={"a": "1"})
    plexsim.state()
    entries = plexsim.requests()
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("GET", "/api/v2/user", 200),
        ("GET", "/api/users/", 200),
    ]
    assert entries[1]["query"] == "a=1"
    assert entries[1]["host"] == "plex.tv"
    assert entries[1]["client"] == "plexsim-tests"
    assert entries[0]["seq"] < entries[1]["seq"]
    assert plexsim.requests(since=entries[0]["seq"]) == [entries[1]]


def test_it_rate_limits_per_client_without_retry_after(
    plexsim: SimHandle, owner: PlexClient
) -> None:
    plexsim.set_rate_limit(2)
    statuses = [owner.get("/api/v2/ping").status_code for _ in range(4)]
    assert statuses[:2] == [200, 200]
    assert 429 in statuses[2:]
    limited = owner.get("/api/v2/ping", headers={"Accept": "application/json"})
    assert limited.status_code == 429
    # No capture of plex.tv's 429 shows a Retry-After header.
    assert "Retry-After" not in limited.headers
    assert limited.json()["errors"][0] == {
        "code": 1003,
        "message": "API rate limit exceeded",
        "status": 429,
    }
    other = owner.get("/api/v2/ping", headers={"X-Plex-Client-Identifier": "another-app"})
    assert other.status_code == 200


def test_it_adds_retry_after_to_429s_when_asked(plexsim: SimHandle, owner: PlexClient) -> None:
    plexsim.set_rate_limit(1, retry_after=True)
    answers = [owner.get("/api/v2/ping") for _ in range(3)]
    limited = [a for a in answers if a.status_code == 429]
    assert limited
    assert all(int(a.headers["Retry-After"]) >= 1 for a in limited)


def test_a_stall_accepts_and_never_answers_until_the_client_gives_up(
    plexsim: SimHandle, owner: PlexClient
) -> None:
    plexsim.add_fault(action="stall", path="/api/users/", delay=30, times=1)
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        owner.get("/api/users/", timeout=(2, 0.5))
    assert time.monotonic() - started < 5
    [entry] = [e for e in plexsim.requests() if e["path"] == "/api/users/"]
    assert (entry["status"], entry["fault"]) == (0, "stall")
    assert owner.get("/api/users/").status_code == 200


def test_a_stall_does_not_apply_the_change(plexsim: SimHandle, owner: PlexClient) -> None:
    plexsim.add_fault(action="stall", method="DELETE", path="/api/v2/sharings/*", delay=30)
    with pytest.raises(requests.exceptions.ReadTimeout):
        owner.call("DELETE", "/api/v2/sharings/1001011", timeout=(2, 0.5))
    assert any(r["userId"] == 1001011 for r in plexsim.state()["relations"])


def test_a_trickle_sends_headers_at_once_and_the_body_a_byte_at_a_time(
    plexsim: SimHandle, owner: PlexClient
) -> None:
    plexsim.add_fault(action="trickle", path="/api/v2/ping", delay=0.1, times=1)
    started = time.monotonic()
    response = owner.get("/api/v2/ping", stream=True)
    assert response.status_code == 200
    assert time.monotonic() - started < 0.5
    first = next(response.iter_content(1))
    body = first + b"".join(response.iter_content(1))
    assert len(body) == int(response.headers["Content-Length"]) > 3
    assert time.monotonic() - started >= 0.1 * len(body)
    assert plexsim.requests()[-1]["fault"] == "trickle"


def test_a_probability_applies_a_rule_to_about_that_share_of_requests(
    plexsim: SimHandle, owner: PlexClient
) -> None:
    plexsim.add_fault(action="status", path="/api/v2/ping", status=503, probability=0.3)
    statuses = [owner.get("/api/v2/ping").status_code for _ in range(200)]
    assert set(statuses) == {200, 503}
    assert 20 <= statuses.count(503) <= 110  # 60 expected; bounds far beyond chance


def test_it_rejects_a_probability_outside_zero_to_one(plexsim: SimHandle) -> None:
    for bad in (0, 1.5, -1):
        with pytest.raises(AssertionError, match="probability must be"):
            plexsim.add_fault(action="status", probability=bad)
