"""`make run PORT=…` / `make demo PORT=…`: the public address (and so the Plex sign-in popup's
return address) follows the port; and sign-ins are not logged line by line, failures are."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from accounts.models import PinLogin

ROOT = Path(__file__).resolve().parents[2]


def _settings_in_a_fresh_process(tmp_path: Path, **env: str) -> list[str]:
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PLEXADMIN_", "PUBLIC_", "CSRF_", "ALLOWED_"))
        and key != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    clean.update(PLEXADMIN_VAR_DIR=str(tmp_path / "var"), **env)
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'plexadmin.settings');"
        "django.setup(); from django.conf import settings as s;"
        "print(s.PUBLIC_BASE_URL); print(','.join(s.CSRF_TRUSTED_ORIGINS))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.split()


def test_the_public_address_follows_the_port(tmp_path: Path) -> None:
    assert _settings_in_a_fresh_process(tmp_path, PLEXADMIN_PORT="8135") == [
        "http://127.0.0.1:8135",
        "http://127.0.0.1:8135",
    ]
    assert _settings_in_a_fresh_process(tmp_path)[0] == "http://127.0.0.1:8000"


def test_a_configured_public_address_wins_over_the_port(tmp_path: Path) -> None:
    found = _settings_in_a_fresh_process(
        tmp_path, PLEXADMIN_PORT="8135", PUBLIC_BASE_URL="http://nas.local:9000"
    )
    assert found[0] == "http://nas.local:9000"


@pytest.mark.parametrize("target", ["run", "demo"])
def test_make_passes_the_port_and_prints_the_set_up_code(target: str) -> None:
    result = subprocess.run(
        ["make", "-n", target, "PORT=8135", "PLEXSIM_PORT=32535"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "PLEXADMIN_PORT=8135" in result.stdout
    assert "manage.py setup_code" in result.stdout


@pytest.mark.django_db
def test_the_popup_comes_back_to_the_public_address(plex_settings) -> None:  # type: ignore[no-untyped-def]
    plex_settings.PUBLIC_BASE_URL = "http://127.0.0.1:8135"
    client = Client()
    page = client.post("/accounts/sign-in/plex/", {"next": "/"}, headers={"HX-Request": "true"})
    login = PinLogin.objects.get()
    forward = (
        f"forwardUrl=http%3A%2F%2F127.0.0.1%3A8135%2Faccounts%2Fsign-in%2Fpin%2F{login.public_id}"
    )
    assert forward in page.content.decode()


@pytest.mark.django_db
def test_a_sign_in_is_not_logged_but_a_failure_is_without_the_password(
    plex_settings, caplog
) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    Client().post("/accounts/sign-in/password/", {"login": "jamie", "password": "partner-pass-2"})
    assert [r for r in caplog.records if r.name.startswith("axes")] == []
    caplog.clear()
    Client().post("/accounts/sign-in/password/", {"login": "jamie", "password": "wrong-pw-xyz"})
    failures = [r for r in caplog.records if r.name.startswith("axes")]
    assert failures
    assert all(r.levelno >= logging.WARNING for r in failures)
    assert "jamie" in caplog.text
    assert "wrong-pw-xyz" not in caplog.text
