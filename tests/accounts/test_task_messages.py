"""Scenario 21: the raw Celery messages of every accounts task, read from Redis, carry row ids
only: no token, no PIN code or authToken, no e-mail address."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator

import pytest
import redis
from django.test import Client
from kombu import Queue

from accounts.models import Household, PinLogin
from accounts.tasks import ping_owner_token
from plexadmin.celery import app as celery_app
from tests.services import require_redis

pytestmark = [pytest.mark.django_db, pytest.mark.redis]

SECRETS = ("demo-owner-token-0001", "morgan@example.com", "owner-pass-1")


@pytest.fixture
def queue() -> Iterator[tuple[redis.Redis, str]]:
    """A private default queue on the Redis broker, so no running worker takes the messages."""
    url = require_redis()
    name = f"test-messages-{uuid.uuid4().hex[:12]}"
    previous = celery_app.conf.task_default_queue, celery_app.conf.task_queues
    celery_app.conf.task_default_queue = name
    celery_app.conf.task_queues = [Queue(name)]
    celery_app.amqp.__dict__.pop("queues", None)
    celery_app.amqp.__dict__.pop("_producer_pool", None)
    connection = redis.Redis.from_url(url)
    try:
        yield connection, name
    finally:
        connection.delete(name)
        celery_app.conf.task_default_queue, celery_app.conf.task_queues = previous
        celery_app.amqp.__dict__.pop("queues", None)
        celery_app.amqp.__dict__.pop("_producer_pool", None)


def _messages(connection: redis.Redis, name: str) -> list[tuple[str, dict, list]]:
    found = []
    for raw in connection.lrange(name, 0, -1):
        text = raw.decode()
        envelope = json.loads(text)
        assert envelope["properties"]["body_encoding"] == "base64"
        body = json.loads(base64.b64decode(envelope["body"]))
        found.append((text, envelope, body))
    return found


def _assert_ids_only(text: str, envelope: dict, body: list, pin: PinLogin | None) -> None:
    decoded = text + json.dumps(body)
    for secret in SECRETS:
        assert secret not in decoded
    if pin is not None:
        assert pin.code not in decoded
        assert str(pin.public_id) not in decoded
    assert envelope["headers"]["kwargsrepr"] == "{}"
    assert body[1] == {}


def test_the_pin_polling_message_holds_the_row_id_only(
    queue, household: Household, plexsim, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    connection, name = queue
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/accounts/sign-in/plex/", {"next": "/"}).status_code == 302
    pin = PinLogin.objects.get()
    plexsim.approve_pin(pin.code, "morgan")  # the PIN now carries the token on plex.tv

    [(text, envelope, body)] = _messages(connection, name)
    assert envelope["headers"]["task"] == "accounts.tasks.poll_pin"
    assert body[0] == [pin.pk]
    assert envelope["headers"]["argsrepr"] == f"({pin.pk},)"
    _assert_ids_only(text, envelope, body, pin)


def test_the_owner_ping_message_holds_nothing(queue, household: Household) -> None:  # type: ignore[no-untyped-def]
    connection, name = queue
    ping_owner_token.delay()
    [(text, envelope, body)] = _messages(connection, name)
    assert envelope["headers"]["task"] == "accounts.tasks.ping_owner_token"
    assert body[0] == []
    _assert_ids_only(text, envelope, body, None)
    # Nor is a result kept anywhere: no backend, every task ignores its result.
    assert celery_app.conf.result_backend is None
    assert ping_owner_token.ignore_result is True
