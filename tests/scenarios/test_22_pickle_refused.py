"""RELIABILITY 22: a pickle-serialized task message pushed straight into the Redis queue.

A real worker on a Redis of the test's own. The message's body, were it unpickled, would create
a file (the remote-code-execution an exposed broker allows); the worker must refuse it as
content it does not accept, never run it, and keep consuming: a JSON heartbeat sent after it
runs.
"""

from __future__ import annotations

import pickle
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest
from kombu import Connection

from tests.scenarios.workers import environment, manage, start_worker, stop, until

pytestmark = [pytest.mark.worker, pytest.mark.redis]


class CreatesAFile:
    """Unpickling this calls open(path, "w"): proof that the message was deserialized."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (str(self.path), "w"))


def message(task: str, body: bytes, content_type: str, encoding: str) -> dict[str, Any]:
    task_id = str(uuid.uuid4())
    return {
        "body": body,
        "content_type": content_type,
        "content_encoding": encoding,
        "headers": {"lang": "py", "task": task, "id": task_id, "root_id": task_id},
        "properties": {"correlation_id": task_id},
    }


def heartbeats(db: Path) -> int:
    """Heartbeat tasks run: the row the task writes (the worker's start writes one of its own,
    under another name, which once made this count 2 before the test could see 1)."""
    with sqlite3.connect(db, timeout=5) as conn:
        query = "SELECT COUNT(*) FROM plexadmin_heartbeat WHERE name = 'worker'"
        return int(conn.execute(query).fetchone()[0])


def test_a_pickled_message_is_refused_and_never_run(
    tmp_path: Path, redis_url: str, plexsim: Any
) -> None:
    env = environment(tmp_path, redis_url, plexsim.url, PYTHONUNBUFFERED="1")
    manage(env, "migrate", "--no-input", "-v", "0")
    db = tmp_path / "var" / "plexadmin.sqlite3"
    marker = tmp_path / "unpickled"
    evil = pickle.dumps(((CreatesAFile(marker),), {}, {}), protocol=pickle.HIGHEST_PROTOCOL)

    worker = start_worker(env)
    try:
        with Connection(redis_url) as conn:
            producer = conn.Producer()
            for body, kind, encoding in (
                (evil, "application/x-python-serialize", "binary"),
                (b'[[], {}, {"callbacks": null}]', "application/json", "utf-8"),
            ):
                sent = message("plexadmin.tasks.heartbeat", body, kind, encoding)
                producer.publish(
                    sent["body"],
                    routing_key="celery",
                    content_type=kind,
                    content_encoding=encoding,
                    headers=sent["headers"],
                    correlation_id=sent["properties"]["correlation_id"],
                )
        until(lambda: heartbeats(db) == 1, 60, "the JSON heartbeat after the pickle")
        # Counted before the worker stops: its shutdown bookkeeping may add rows of its own
        # later; the JSON message is the only task that ran.
        ran = heartbeats(db)
    finally:
        output = stop(worker)
    assert not marker.exists(), "the worker unpickled the message"
    assert ran == 1, output
    assert "Refusing to deserialize untrusted content of type pickle" in output, output
    with Connection(redis_url) as conn:
        client = conn.default_channel.client  # type: ignore[attr-defined]
        left = [m[:300] for m in client.lrange("celery", 0, -1)]
        assert not any(b"x-python-serialize" in m for m in left), left
