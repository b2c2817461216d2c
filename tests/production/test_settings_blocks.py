"""The production settings: bad values stop start-up with a message, wherever they are read."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.processes import production_env

ROOT = Path(__file__).resolve().parents[2]


def check(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT, env=production_env(tmp_path, **env), capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        # Read after the beat schedule is built: this one used to pass silently, because
        # measuring the schedule loaded the half-imported settings as the final ones.
        ("OPERATION_SWEEP_AFTER", "soon", "OPERATION_SWEEP_AFTER='soon' is not a whole number."),
        ("LOG_FORMAT", "xml", "LOG_FORMAT='xml': use 'plain' or 'json'."),
        ("METRICS_TOKEN", "short", "METRICS_TOKEN must be at least 32 characters long."),
        ("METRICS_ALLOWED_NETWORKS", "10.0.0.0/8,lan", "METRICS_ALLOWED_NETWORKS: 'lan'"),
    ],
)
def test_a_bad_value_stops_start_up(tmp_path: Path, name: str, value: str, message: str) -> None:
    result = check(tmp_path, **{name: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_with_redis_beat_uses_the_redbeat_lock_and_without_it_the_file(tmp_path: Path) -> None:
    code = (
        "from django.conf import settings as s;"
        "print(getattr(s, 'CELERY_BEAT_SCHEDULER', 'default'), getattr(s, 'CELERY_REDBEAT_REDIS_URL', ''))"  # noqa: E501
    )
    args = [sys.executable, "manage.py", "shell", "-v", "0", "-c", code]
    with_redis = subprocess.run(
        args, cwd=ROOT, env=production_env(tmp_path, REDIS_URL="redis://127.0.0.1:6379/7"),
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    without = subprocess.run(
        args, cwd=ROOT, env=production_env(tmp_path), capture_output=True, text=True,
        timeout=120, check=True,
    )  # fmt: skip
    assert with_redis.stdout.split() == ["redbeat.RedBeatScheduler", "redis://127.0.0.1:6379/7"]
    assert without.stdout.split() == ["default"]


def test_an_empty_value_beside_its_file_counts_as_unset(tmp_path: Path) -> None:
    """An env file made from .env.example has `SECRET_KEY=` beside systemd's SECRET_KEY_FILE."""
    secret = tmp_path / "secret_key"
    secret.write_text("k" * 60 + "\n")
    env = production_env(tmp_path, SECRET_KEY="", SECRET_KEY_FILE=str(secret), LOG_FORMAT="")
    code = "from django.conf import settings as s; print(s.SECRET_KEY == 'k' * 60, s.LOG_FORMAT)"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", code],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "plain"]
