"""LOG_FORMAT=json: one masked JSON object per line, with the request id and operation id."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from celery.signals import task_prerun
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from plexadmin import logs
from sharing.tasks import apply_operation
from tests.processes import production_env

ROOT = Path(__file__).resolve().parents[2]
CANARY = "cAn4ry7QxZ9vLm2PwT8k"


def canary_pieces(text: str) -> list[str]:
    return [CANARY[i : i + 8] for i in range(len(CANARY) - 7) if CANARY[i : i + 8] in text]


def test_json_lines_are_masked_and_carry_the_context(tmp_path: Path) -> None:
    code = f"""
import logging
from plexadmin import logs
from plextv.masking import register_token
register_token({CANARY!r})
log = logging.getLogger("plexadmin.test")
logs.request_id.set("req-42")
logs.operation_id.set(7)
log.warning("token in args %s", {CANARY!r}, extra={{"leak": {CANARY!r}}})
log.info("url https://plex.tv/api?X-Plex-Token=unregisteredTOKEN123")
try:
    raise RuntimeError("boom " + {CANARY!r})
except RuntimeError:
    log.exception("failed with %s", "details")
"""
    env = production_env(tmp_path, LOG_FORMAT="json")
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", code],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.strip()]
    ours = [line for line in lines if line["logger"] == "plexadmin.test"]
    assert [line["level"] for line in ours] == ["WARNING", "INFO", "ERROR"]
    assert ours[0]["request_id"] == "req-42"
    assert ours[0]["operation_id"] == 7
    assert ours[0]["message"].startswith("token in args ********")
    assert "unregisteredTOKEN123" not in ours[1]["message"]
    assert ours[2]["message"] == "failed with details"
    assert "RuntimeError: boom ********" in ours[2]["exception"]
    assert "leak" not in ours[0]
    assert canary_pieces(result.stderr) == []


def test_plain_stays_the_default(tmp_path: Path) -> None:
    code = "import logging; logging.getLogger('plexadmin.test').warning('hello')"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", code],
        cwd=ROOT, env=production_env(tmp_path), capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "WARNING plexadmin.test: hello" in result.stderr


def test_it_refuses_an_unknown_log_format(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT, env=production_env(tmp_path, LOG_FORMAT="xml"), capture_output=True,
        text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "LOG_FORMAT='xml'" in result.stderr


@pytest.mark.django_db
def test_every_answer_names_its_request_id(client: Client) -> None:
    fresh = client.get("/healthz")
    passed = client.get("/healthz", headers={"X-Request-ID": "caddy-3f2a-11"})
    odd = client.get("/healthz", headers={"X-Request-ID": "two words\u00e9" + "x" * 80})
    assert len(fresh["X-Request-ID"]) == 16
    assert passed["X-Request-ID"] == "caddy-3f2a-11"
    assert odd["X-Request-ID"] != "two words"
    assert len(odd["X-Request-ID"]) == 16


def test_log_lines_inside_a_request_carry_its_id() -> None:
    records: list[logging.LogRecord] = []
    context = logs.ContextFilter()

    def view(request: HttpRequest) -> HttpResponse:
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "inside", None, None)
        context.filter(record)
        records.append(record)
        return HttpResponse("ok")

    request = RequestFactory().get("/", headers={"X-Request-ID": "abc-123"})
    logs.RequestIdMiddleware(view)(request)
    after = logging.LogRecord("x", logging.INFO, __file__, 1, "after", None, None)
    context.filter(after)
    assert records[0].request_id == "abc-123"  # type: ignore[attr-defined]
    assert after.request_id is None  # type: ignore[attr-defined]


@pytest.mark.worker
def test_a_task_carries_the_request_id_that_enqueued_it_and_its_operation_id(
    celery_worker_on_broker,  # type: ignore[no-untyped-def]
) -> None:
    seen: dict[str, object] = {}
    done = threading.Event()

    def look(**_: object) -> None:
        current = logs.current_task.get()
        seen.update(
            request_id=logs.request_id.get(),
            operation_id=logs.operation_id.get(),
            task=current[0] if current else None,
        )
        done.set()

    task_prerun.connect(look, weak=False)
    token = logs.request_id.set("req-from-web-1")
    try:
        apply_operation.delay(987654)
    finally:
        logs.request_id.reset(token)
    try:
        assert done.wait(30), "the worker did not run the task"
    finally:
        task_prerun.disconnect(look)
    assert seen == {
        "request_id": "req-from-web-1",
        "operation_id": 987654,
        "task": "sharing.console_tasks.apply_operation",
    }
