"""Each pytest-xdist worker's own Redis database and var folder (tests/workers.py)."""

from __future__ import annotations

import os

import pytest
from django.conf import settings

from tests.workers import ROOT, redis_url_for_worker, worker_environment


def test_the_first_worker_keeps_the_configured_redis_database_and_the_next_ones_follow() -> None:
    assert redis_url_for_worker("redis://127.0.0.1:6379/9", 0) == "redis://127.0.0.1:6379/9"
    assert redis_url_for_worker("redis://127.0.0.1:6379/9", 1) == "redis://127.0.0.1:6379/10"
    assert redis_url_for_worker("redis://:pw@redis:6380", 2) == "redis://:pw@redis:6380/2"


def test_a_worker_past_the_last_redis_database_is_refused() -> None:
    with pytest.raises(ValueError, match="would need Redis database 16"):
        redis_url_for_worker("redis://127.0.0.1:6379/15", 1)


def test_each_worker_gets_a_var_folder_of_its_own_and_redis_only_when_configured() -> None:
    assert worker_environment(1, {}) == {"PLEXADMIN_VAR_DIR": str(ROOT / "var" / "xdist" / "gw1")}
    given = {"PLEXADMIN_VAR_DIR": "/srv/var", "REDIS_URL": "redis://127.0.0.1:6379/4"}
    assert worker_environment(0, given) == {
        "PLEXADMIN_VAR_DIR": "/srv/var/xdist/gw0",
        "REDIS_URL": "redis://127.0.0.1:6379/4",
    }


def test_this_worker_runs_on_its_own_services() -> None:
    """Under xdist, the settings Django read are this worker's, not the run's."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        assert "xdist" not in settings.VAR_DIR.parts
        return
    assert settings.VAR_DIR.parts[-2:] == ("xdist", worker)
    assert str(settings.VAR_DIR) == os.environ["PLEXADMIN_VAR_DIR"]
    assert os.environ.get("REDIS_URL", "") == settings.REDIS_URL
