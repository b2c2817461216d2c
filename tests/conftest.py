"""Fixtures shared by the Django-side tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery.contrib.testing.worker import TestWorkController, start_worker
from kombu import Queue

from plexadmin.celery import app as celery_app
from tests import processes


@pytest.fixture(autouse=True)
def _cache_of_its_own(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Each test starts with an empty shared cache, without clearing anyone else's.

    The file cache moves to the test's own folder; on Redis (CI) the keys get a prefix of
    their own. Rate-limit counters and locks from one test never leak into the next.
    """
    default = dict(settings.CACHES["default"])
    if default["BACKEND"].endswith("FileBasedCache"):
        default["LOCATION"] = str(tmp_path / "cache")
    else:
        default["KEY_PREFIX"] = f"test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = {**settings.CACHES, "default": default}


@pytest.fixture(autouse=True)
def _setup_code_of_its_own(settings, tmp_path):  # type: ignore[no-untyped-def]
    """The one-time set-up code lives in the test's own folder, never in the working var/."""
    settings.SETUP_CODE_FILE = tmp_path / "setup_code"


@pytest.fixture
def celery_worker_on_broker(transactional_db: None) -> Iterator[TestWorkController]:
    """A real Celery worker consuming from the configured broker, in a thread of this process.

    The broker is whatever settings say: the filesystem broker under var/ by default, Redis when
    REDIS_URL is set (CI). The worker listens on a queue of its own, so a development worker or
    beat running on the same broker neither steals these tasks nor feeds it theirs. Tasks see
    the test database because the test runs in transactional mode.
    """
    queue_name = f"test-{uuid.uuid4().hex[:12]}"
    previous_queue = celery_app.conf.task_default_queue
    previous_queues = celery_app.conf.task_queues
    celery_app.conf.task_default_queue = queue_name
    celery_app.conf.task_queues = [Queue(queue_name)]
    celery_app.amqp.__dict__.pop("queues", None)
    celery_app.amqp.__dict__.pop("_producer_pool", None)
    try:
        with start_worker(
            celery_app,
            pool="solo",
            concurrency=1,
            perform_ping_check=False,
            shutdown_timeout=10,
            loglevel="WARNING",
        ) as worker:
            yield worker
    finally:
        celery_app.conf.task_default_queue = previous_queue
        celery_app.conf.task_queues = previous_queues
        celery_app.amqp.__dict__.pop("queues", None)


@pytest.fixture(scope="session")
def migrated_var(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A var folder whose SQLite database `manage.py migrate` has built, once per session (per
    xdist worker): the tests that run the product as processes copy it instead of migrating
    a database of their own each time (`processes.copy_migrated`)."""
    root = tmp_path_factory.mktemp("migrated")
    processes.manage(processes.embedded_env(root), "migrate", "--no-input", "-v", "0")
    return root / "var"
