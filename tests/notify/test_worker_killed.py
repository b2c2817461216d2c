"""RELIABILITY 46 with a real worker: a worker killed after sending does not send again, and a
worker killed in the middle of a send is handled as each channel promises.

A real `celery worker` (prefork, one child, acks late, reject on worker lost) runs on Redis;
the SMTP server and the webhook receiver run in this process on loopback.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.console.test_worker_killed import redis_url  # noqa: F401
from tests.notify.conftest import SmtpSink
from tests.processes import (
    ONE_STACK_AT_A_TIME,
    celery_worker,
    copy_migrated,
    free_port,
    pool_children,
    shell,
    sqlite_row,
    stop,
    worker_env,
)
from tests.processes import (
    wait_until as poll,
)

pytestmark = [pytest.mark.worker, pytest.mark.redis, ONE_STACK_AT_A_TIME]

SETUP = """
from django.db import transaction
from accounts.models import Member, PlexAccount, User
from notify import events
from notify.channels import check_url
from notify.models import Channel

owner = PlexAccount.objects.create(plex_id=1001001, username="morgan", title="Morgan")
user = User.objects.create_user(username="plex-1001001", plex_account=owner)
Member.objects.create(user=user, plex_account=owner, role="owner")
channel = Channel(owner=user, kind="{kind}", name="c", address="morgan@example.com",
                  events=["person.removed"])
if "{url}":
    checked = check_url("{url}")
    channel.set_url(checked.url, checked.masked, checked.service)
channel.save()
with transaction.atomic():
    events.emit("person.removed", key="op-1", context={{"person": "alex", "where": "Home"}})
"""


def prepare(
    tmp_path: Path, migrated_var: Path, redis: str, **extra: str
) -> tuple[dict[str, str], Path]:
    env = worker_env(tmp_path, redis, "http://127.0.0.1:9", 5)
    env.update(NOTIFY_DIGEST_SECONDS="0", NOTIFY_TEST_RUNS=str(tmp_path / "runs.jsonl"), **extra)
    return env, copy_migrated(migrated_var, env)


def delivery_row(db: Path) -> tuple[str, int] | None:
    row = sqlite_row(db, "SELECT state, attempts FROM notify_delivery")
    return (str(row[0]), int(row[1])) if row else None


def wait_until(check: Callable[[], Any], seconds: float = 60) -> Any:
    return poll(check, seconds)


@pytest.fixture
def smtp() -> Any:
    sink = SmtpSink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    yield sink
    controller.stop()


def test_a_worker_killed_after_sending_does_not_send_again(
    tmp_path: Path,
    migrated_var: Path,
    redis_url: str,  # noqa: F811
    smtp: SmtpSink,
) -> None:
    env, db = prepare(
        tmp_path, migrated_var, redis_url, EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(smtp.port)
    )
    shell(env, SETUP.format(kind="email", url=""))
    worker = celery_worker(env, "-I", "tests.notify.kill_after_send")
    runs = tmp_path / "runs.jsonl"
    try:
        wait_until(lambda: runs.with_suffix(".killed").exists())

        # The message that was running when its process died is delivered again and run again.
        def rerun() -> bool:
            names = [tuple(json.loads(line)[0:1]) for line in runs.read_text().splitlines()]
            return names.count(("notify.tasks.flush",)) >= 2

        wait_until(rerun)
        time.sleep(1.0)
    finally:
        output = stop(worker)
    assert len(smtp.messages) == 1, output
    assert delivery_row(db) == ("sent", 1)


def test_an_email_cut_off_mid_send_goes_again_with_the_same_message_id(
    tmp_path: Path,
    migrated_var: Path,
    redis_url: str,  # noqa: F811
) -> None:
    worker: subprocess.Popen[str] | None = None

    class KillingSink(SmtpSink):
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            answer = await super().handle_DATA(server, session, envelope)
            if len(self.messages) == 1 and worker is not None:
                for pid in pool_children(worker):  # dies before it reads "250"
                    subprocess.run(["kill", "-9", str(pid)], check=False)
            return answer

    sink = KillingSink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    env, db = prepare(
        tmp_path, migrated_var, redis_url, EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(sink.port)
    )
    shell(env, SETUP.format(kind="email", url=""))
    worker = celery_worker(env)
    try:
        wait_until(lambda: sink.messages)
        wait_until(lambda: delivery_row(db) == ("sending", 1))
        time.sleep(2.0)  # the redelivered task finds the row sending and leaves it alone
        assert len(sink.messages) == 1
        with sqlite3.connect(db, timeout=5) as conn:  # the lease runs out
            conn.execute("UPDATE notify_delivery SET lease_until = '2000-01-01 00:00:00'")
        shell(env, "from notify.tasks import sweep; sweep.delay()")
        wait_until(lambda: delivery_row(db) == ("sent", 2))
    finally:
        output = stop(worker)
        controller.stop()
    first, second = sink.messages
    assert first["Message-ID"] == second["Message-ID"], output
    assert first.get_content() == second.get_content()


def test_a_webhook_cut_off_mid_send_is_not_repeated(
    tmp_path: Path,
    migrated_var: Path,
    redis_url: str,  # noqa: F811
) -> None:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    received: list[bytes] = []
    holder: dict[str, subprocess.Popen[str]] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(self.rfile.read(int(self.headers["Content-Length"])))
            for pid in pool_children(holder["worker"]):
                subprocess.run(["kill", "-9", str(pid)], check=False)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    Thread(target=server.serve_forever, daemon=True).start()
    env, db = prepare(tmp_path, migrated_var, redis_url)
    shell(env, SETUP.format(kind="apprise", url=f"json://127.0.0.1:{port}/hook"))
    holder["worker"] = celery_worker(env)
    try:
        wait_until(lambda: received)
        wait_until(lambda: delivery_row(db) == ("sending", 1))
        with sqlite3.connect(db, timeout=5) as conn:
            conn.execute("UPDATE notify_delivery SET lease_until = '2000-01-01 00:00:00'")
        shell(env, "from notify.tasks import sweep; sweep.delay()")
        wait_until(lambda: delivery_row(db) == ("unconfirmed", 1))
        time.sleep(1.0)
    finally:
        output = stop(holder["worker"])
        server.shutdown()
    assert len(received) == 1, output
