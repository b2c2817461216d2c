"""The two settings profiles, each loaded in a fresh interpreter as a deployment would."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.processes import production_env, run_manage

manage = run_manage


def test_production_passes_check_deploy_with_no_warning(tmp_path: Path) -> None:
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_sets_host_cookies_hsts_and_ssl_redirect(tmp_path: Path) -> None:
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE,"
        " s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, s.DEBUG, s.ALLOWED_HOSTS)"
    )
    result = manage(production_env(tmp_path), "shell", "-v", "0", "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "__Host-sessionid",
        "__Host-csrftoken",
        "True",
        "31536000",
        "True",
        "False",
        "['plex-admin.example.org']",
    ]


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "TOKEN_ENCRYPTION_KEYS", "PUBLIC_BASE_URL", "PLEX_CLIENT_IDENTIFIER"]
)
def test_production_stops_with_a_clear_message_when_a_secret_is_missing(
    tmp_path: Path, missing: str
) -> None:
    env = production_env(tmp_path)
    del env[missing]
    result = manage(env, "check")
    assert result.returncode != 0
    assert f"{missing} is not set" in result.stderr
    assert not (tmp_path / "var" / "secret_key").exists()


def test_production_refuses_a_plain_http_public_url(tmp_path: Path) -> None:
    result = manage(production_env(tmp_path, PUBLIC_BASE_URL="http://plex.example.org"), "check")
    assert result.returncode != 0
    assert "must be https://" in result.stderr


def test_it_rejects_an_unknown_profile(tmp_path: Path) -> None:
    result = manage(production_env(tmp_path, PLEXADMIN_ENV="staging"), "check")
    assert result.returncode != 0
    assert "PLEXADMIN_ENV='staging'" in result.stderr


def test_development_generates_secrets_once_and_keeps_them(tmp_path: Path) -> None:
    env = production_env(tmp_path, PLEXADMIN_ENV="development")
    for name in (
        "SECRET_KEY",
        "TOKEN_ENCRYPTION_KEYS",
        "PLEX_CLIENT_IDENTIFIER",
        "PUBLIC_BASE_URL",
    ):
        del env[name]
    code = "from django.conf import settings as s; print(s.SECRET_KEY, s.TOKEN_ENCRYPTION_KEYS[0])"
    first = manage(env, "shell", "-v", "0", "-c", code)
    second = manage(env, "shell", "-v", "0", "-c", code)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    var = tmp_path / "var"
    key = (var / "secret_key").read_text().strip()
    assert first.stdout.split()[0] == key
    assert len(key) >= 50
    Fernet((var / "token_encryption_key").read_text().strip())  # a valid key, or this raises
    assert oct((var / "secret_key").stat().st_mode & 0o777) == "0o600"
