"""Whether the optional services tests may use are here, and what to do when they are not.

A test that needs Redis, PostgreSQL or Chromium skips with a reason when the machine lacks it,
unless PLEXADMIN_REQUIRE_SERVICES=1 (CI), which turns that skip into a failure so a missing
service can never pass silently.
"""

from __future__ import annotations

import os
import shutil
import socket
from urllib.parse import urlsplit

import pytest
from django.conf import settings

CHROMIUM = os.environ.get("PLEXADMIN_CHROMIUM", "/usr/bin/chromium")


def require(service: str, available: bool, reason: str) -> None:
    if available:
        return
    if os.environ.get("PLEXADMIN_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{service} is required (PLEXADMIN_REQUIRE_SERVICES=1) but {reason}")
    pytest.skip(f"{service} not available: {reason}")


def _port_open(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    try:
        with socket.create_connection((host, parts.port or default_port), timeout=1):
            return True
    except OSError:
        return False


def require_redis() -> str:
    url = settings.REDIS_URL
    require("Redis", bool(url), "REDIS_URL is not set")
    require("Redis", _port_open(url, 6379), f"nothing answers at {url}")
    return url


def require_postgres() -> None:
    engine = settings.DATABASES["default"]["ENGINE"]
    require("PostgreSQL", "postgresql" in engine, "DATABASE_URL does not point at PostgreSQL")


def require_chromium() -> str:
    found = os.path.exists(CHROMIUM) or shutil.which(CHROMIUM) is not None
    require("Chromium", found, f"{CHROMIUM} is not installed (apt-get install chromium)")
    return CHROMIUM
