"""Run in a fresh interpreter with the production profile (test_02/test_03): migrate a
throwaway SQLite database, then call the real WSGI application the way a TLS proxy forwards
requests, and print JSON: every URL pattern's answer headers for a visitor and the owner, and
the Set-Cookie headers of a page with a form and of a password sign-in (plexsim at
PLEXTV_BASE_URL)."""

from __future__ import annotations

import io
import json
import sys
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.core.management import call_command  # noqa: E402

from tests.fuzz.routes import all_routes  # noqa: E402
from tests.fuzz.values import REGEX_EXAMPLES  # noqa: E402

HOST = "plex-admin.example.org"
FILL = {
    "int": "1",
    "str": "x",
    "slug": "x",
    "path": "x",
    "uuid": str(uuid.UUID(int=1)),
    "_Digest": "0" * 64,
}

app = WSGIHandler()


def call(
    method: str,
    path: str,
    cookies: dict[str, str] | None = None,
    body: dict[str, str] | None = None,
) -> tuple[int, list[tuple[str, str]]]:
    """One request through the WSGI application; the status and the raw header list."""
    data = urlencode(body or {}).encode()
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": HOST,
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": HOST,
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_X_FORWARDED_FOR": "203.0.113.9",
        "HTTP_ORIGIN": f"https://{HOST}",
        "HTTP_REFERER": f"https://{HOST}/",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(data),
        "wsgi.errors": sys.stderr,
        "CONTENT_LENGTH": str(len(data)),
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
    }
    if cookies:
        environ["HTTP_COOKIE"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> None:
        seen["status"], seen["headers"] = int(status.split()[0]), headers

    answer = app(environ, start_response)
    for _ in answer:
        pass
    if hasattr(answer, "close"):
        answer.close()
    return seen["status"], seen["headers"]


def owner_session() -> dict[str, str]:
    from accounts.models import Household, Member, PlexAccount, User

    account = PlexAccount.objects.create(plex_id=1001001, username="morgan", title="Morgan")
    user = User.objects.create_user(username="plex-1001001", plex_account=account)
    Member.objects.create(user=user, plex_account=account, role=Member.Role.OWNER)
    Household.objects.create(owner=account, name="h", machine_identifier="0" * 40)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return {settings.SESSION_COOKIE_NAME: session.session_key or ""}


def paths() -> list[tuple[str, str]]:
    found = []
    for route in all_routes():
        if route.regex:
            found += [(route.label, p) for p in REGEX_EXAMPLES.get(route.route, [])]
        else:
            found.append((route.label, route.path({n: FILL[k] for n, k in route.params})))
    return found


def cookies_of(headers: list[tuple[str, str]]) -> list[str]:
    return [value for key, value in headers if key.lower() == "set-cookie"]


def sign_in_cookies() -> list[str]:
    """The password sign-in: the form's CSRF cookie, then the session a sign-in starts."""
    status, headers = call("GET", "/accounts/sign-in/password/")
    assert status == 200, status
    set_cookies = cookies_of(headers)
    csrf = next(c for c in set_cookies if c.startswith(settings.CSRF_COOKIE_NAME + "="))
    secret = csrf.split(";")[0].split("=", 1)[1]
    body = {"login": "alex.rivera", "password": "friend-pass-10", "csrfmiddlewaretoken": secret}
    status, headers = call(
        "POST", "/accounts/sign-in/password/", {settings.CSRF_COOKIE_NAME: secret}, body
    )
    assert status == 302, status
    return set_cookies + cookies_of(headers)


def main() -> None:
    call_command("migrate", "--no-input", verbosity=0)
    call_command("collectstatic", "--no-input", verbosity=0)
    report: dict[str, Any] = {"cookies": sign_in_cookies(), "answers": []}
    owner = owner_session()
    for persona, cookies in (("visitor", None), ("owner", owner)):
        for label, path in paths():
            status, headers = call("GET", path, cookies)
            report["answers"].append(
                {
                    "route": label,
                    "path": path,
                    "persona": persona,
                    "status": status,
                    "headers": {k.lower(): v for k, v in headers if k.lower() != "set-cookie"},
                }
            )
    print(json.dumps(report))


if __name__ == "__main__":
    main()
