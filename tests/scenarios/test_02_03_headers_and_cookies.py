"""RELIABILITY 2 and 3 under the production profile (PLEXADMIN_ENV=production behind its TLS
proxy), in a fresh interpreter as a deployment loads it.

2. Every URL pattern, read from the URLconf (a route added later is covered), answers a
   visitor and the owner with HSTS (≥ 1 year), nosniff, Referrer-Policy same-origin, COOP
   same-origin, X-Frame-Options DENY and a CSP with frame-ancestors 'none'.
3. The real Set-Cookie headers of a password sign-in: the session and CSRF cookies are
   __Host- prefixed (Secure, Path=/, no Domain), the session one HttpOnly, both SameSite=Lax.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.foundation.test_settings_profiles import production_env

ROOT = Path(__file__).resolve().parents[2]
# The sign-in pages open plex.tv in a popup and must keep a handle to it; the popup's landing
# page must stay in their group (accounts/views/sign_in.py, `opener_policy`). Only these three.
OPENER_EXCEPTIONS = {
    "accounts:sign-in": "same-origin-allow-popups",
    "accounts:sign-in-again": "same-origin-allow-popups",
    "accounts:pin-done": "unsafe-none",
}
REQUIRED = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "x-frame-options": "DENY",
}


@pytest.fixture(scope="module")
def walk(tmp_path_factory: pytest.TempPathFactory, plexsim_server: Any) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("production")
    env = production_env(tmp, PLEXTV_BASE_URL=plexsim_server.url)
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "scenarios" / "production_walk.py")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def problems(answer: dict[str, Any]) -> list[str]:
    headers = answer["headers"]
    found = []
    hsts = re.search(r"max-age=(\d+)", headers.get("strict-transport-security", ""))
    if not hsts or int(hsts[1]) < 31_536_000:
        found.append(f"HSTS {headers.get('strict-transport-security')!r}")
    required = dict(REQUIRED)
    if answer["route"] in OPENER_EXCEPTIONS:
        required["cross-origin-opener-policy"] = OPENER_EXCEPTIONS[answer["route"]]
    found += [
        f"{name} {headers.get(name)!r}"
        for name, value in required.items()
        if headers.get(name) != value
    ]
    if "frame-ancestors 'none'" not in headers.get("content-security-policy", ""):
        found.append(f"CSP {headers.get('content-security-policy')!r}")
    return found


def test_every_route_answers_with_the_security_headers(walk: dict[str, Any]) -> None:
    answers = walk["answers"]
    routes = {a["route"] for a in answers}
    assert {"home", "people:list", "matrix:index", "accounts:sign-in"} <= routes
    assert len(answers) > 100
    bad = [
        f"{a['persona']} {a['path']} → {a['status']}: {', '.join(problems(a))}"
        for a in answers
        if problems(a)
    ]
    assert bad == []


def test_the_walk_reached_pages_not_only_redirects(walk: dict[str, Any]) -> None:
    owner_ok = [a for a in walk["answers"] if a["persona"] == "owner" and a["status"] == 200]
    assert len(owner_ok) >= 10


def cookie(walk: dict[str, Any], name: str) -> dict[str, str]:
    lines = [c for c in walk["cookies"] if c.startswith(f"{name}=")]
    assert lines, walk["cookies"]
    attributes: dict[str, str] = {}
    for part in lines[-1].split(";")[1:]:
        key, _, value = part.strip().partition("=")
        attributes[key.lower()] = value
    return attributes


def test_the_session_cookie_is_host_prefixed_secure_httponly_and_lax(walk: dict[str, Any]) -> None:
    attrs = cookie(walk, "__Host-sessionid")
    assert "secure" in attrs
    assert "httponly" in attrs
    assert attrs["samesite"] in {"Lax", "Strict"}
    assert attrs["path"] == "/"
    assert "domain" not in attrs


def test_the_csrf_cookie_is_host_prefixed_secure_and_lax(walk: dict[str, Any]) -> None:
    attrs = cookie(walk, "__Host-csrftoken")
    assert "secure" in attrs
    assert attrs["samesite"] in {"Lax", "Strict"}
    assert attrs["path"] == "/"
    assert "domain" not in attrs


def test_no_cookie_goes_out_without_secure(walk: dict[str, Any]) -> None:
    assert walk["cookies"]
    assert all("secure" in c.lower() for c in walk["cookies"]), walk["cookies"]
