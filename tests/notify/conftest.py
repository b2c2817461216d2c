"""Fixtures of the notification tests: a real SMTP server and a real webhook receiver on
loopback, the persona cast, and helpers to run the pipeline (fan out, gather, send)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from notify import delivery
from notify.models import Channel, Delivery, Event, Notification
from tests.console.conftest import synced  # noqa: F401
from tests.processes import free_port


@dataclass
class SmtpSink:
    port: int
    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = BytesParser(policy=policy.default).parsebytes(envelope.original_content)
        self.messages.append(message)  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]


@pytest.fixture
def smtp_sink(settings) -> Iterator[SmtpSink]:  # type: ignore[no-untyped-def]
    """An SMTP server on loopback that keeps what it receives; "default" mails to it."""
    sink = SmtpSink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": sink.port, "timeout": 5},
        }
    }
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture
def dead_smtp(settings) -> int:  # type: ignore[no-untyped-def]
    """ "default" points at a loopback port where nothing listens."""
    port = free_port()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 2},
        }
    }
    return port


@dataclass
class Webhook:
    port: int
    received: list[dict[str, Any]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    status: int = 200

    def url(self, path: str = "hook-secret-0123456789") -> str:
        return f"json://127.0.0.1:{self.port}/{path}"


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    """An HTTP receiver on loopback for Apprise's json:// target."""
    hook = Webhook(port=free_port())

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if hook.status == 200:
                hook.received.append(json.loads(body))
                hook.paths.append(self.path)
            self.send_response(hook.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", hook.port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hook
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def _no_digest_wait(settings) -> None:  # type: ignore[no-untyped-def]
    settings.NOTIFY_DIGEST_SECONDS = 0


def email_channel(user: Any, address: str, events: list[str], name: str = "Mail") -> Channel:
    return Channel.objects.create(
        owner=user, kind=Channel.EMAIL, name=name, address=address, events=events
    )


def apprise_channel(user: Any, url: str, events: list[str], name: str = "Hook") -> Channel:
    from notify.channels import check_url

    checked = check_url(url)
    channel = Channel(owner=user, kind=Channel.APPRISE, name=name, events=events)
    channel.set_url(checked.url, checked.masked, checked.service)
    channel.save()
    return channel


def deliver_all(now: Any = None) -> list[Delivery]:
    """Fan out every event and send every due message, as the worker would."""
    for event in Event.objects.filter(fanned_out_at__isnull=True):
        delivery.fan_out(event.pk)
    sent: list[Delivery] = []
    for pk in Notification.objects.filter(delivery__isnull=True).values_list("pk", flat=True):
        found, _ = delivery.flush_due(pk, now)
        if found is not None:
            delivery.send(found.pk, now)
            sent.append(found)
    return sent
