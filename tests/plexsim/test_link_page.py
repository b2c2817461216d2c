"""The plex.tv/link page: a plain form that links a 4-character PIN without JavaScript."""

from __future__ import annotations

import requests

from plexsim.pytest_plugin import SimHandle
from tests.plexsim.conftest import PlexClient, client_for


def _device_pin(plexsim: SimHandle) -> tuple[PlexClient, dict]:  # type: ignore[type-arg]
    tv = client_for(plexsim, None)
    tv.session.headers["X-Plex-Client-Identifier"] = "living-room-tv"
    tv.session.headers["X-Plex-Product"] = "Living Room App"
    return tv, tv.json("/api/v2/pins", method="POST")


def test_it_serves_a_form_without_any_script(plexsim: SimHandle) -> None:
    page = requests.get(f"{plexsim.url}/link", timeout=5)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert page.headers["Content-Security-Policy"].startswith("default-src 'none';")
    assert "<script" not in page.text
    assert '<form method="post" action="/link">' in page.text
    for field in ('name="code"', 'name="login"', 'name="password"', 'name="verificationCode"'):
        assert field in page.text
    css = requests.get(f"{plexsim.url}/auth/auth.css", timeout=5)
    assert css.status_code == 200


def test_it_links_the_code_for_the_account_that_signs_in(plexsim: SimHandle) -> None:
    tv, pin = _device_pin(plexsim)
    form = {"code": pin["code"].lower(), "login": "jamie@example.com", "password": "partner-pass-2"}
    done = requests.post(f"{plexsim.url}/link", data=form, timeout=5)
    assert done.status_code == 200
    assert "<h1>Device linked</h1>" in done.text
    assert "<strong>Living Room App</strong>" in done.text
    # The page is a browser page, not an API call: the request log stays for plex.tv calls.
    assert [e["path"] for e in plexsim.requests()] == ["/api/v2/pins"]
    token = tv.json(f"/api/v2/pins/{pin['id']}")["authToken"]
    assert client_for(plexsim, token).xml("/api/v2/user").get("username") == "jamie"
    devices = {d["clientIdentifier"] for d in plexsim.state()["devices"] if d["ownerId"] == 1001002}
    assert {"living-room-tv", "plexsim-link-page"} <= devices


def test_it_asks_for_the_two_factor_code_and_keeps_what_was_typed(plexsim: SimHandle) -> None:
    tv, pin = _device_pin(plexsim)
    form = {"code": pin["code"], "login": "morgan", "password": "owner-pass-1"}
    asked = requests.post(f"{plexsim.url}/link", data=form, timeout=5)
    assert asked.status_code == 400
    assert "Enter the two-factor code" in asked.text
    assert f'value="{pin["code"]}"' in asked.text
    assert 'value="morgan"' in asked.text
    assert "owner-pass-1" not in asked.text
    assert tv.json(f"/api/v2/pins/{pin['id']}")["authToken"] is None
    done = requests.post(
        f"{plexsim.url}/link", data={**form, "verificationCode": "246810"}, timeout=5
    )
    assert done.status_code == 200
    assert tv.json(f"/api/v2/pins/{pin['id']}")["authToken"]


def test_it_refuses_bad_passwords_and_unknown_or_expired_codes(plexsim: SimHandle) -> None:
    _tv, pin = _device_pin(plexsim)
    wrong = {"code": pin["code"], "login": "jamie", "password": "nope"}
    refused = requests.post(f"{plexsim.url}/link", data=wrong, timeout=5)
    assert (refused.status_code, "username or password is not right" in refused.text) == (400, True)
    unknown = {"code": "ZZZZ", "login": "jamie", "password": "partner-pass-2"}
    refused = requests.post(f"{plexsim.url}/link", data=unknown, timeout=5)
    assert (refused.status_code, "not valid or has expired" in refused.text) == (400, True)
    plexsim.advance_clock(901)
    late = {"code": pin["code"], "login": "jamie", "password": "partner-pass-2"}
    assert requests.post(f"{plexsim.url}/link", data=late, timeout=5).status_code == 400
    escaped = requests.post(
        f"{plexsim.url}/link", data={"code": '"><b>x', "login": "<i>"}, timeout=5
    )
    assert "<b>x" not in escaped.text
    assert "&lt;i&gt;" in escaped.text


def test_it_does_not_link_strong_oauth_codes(plexsim: SimHandle) -> None:
    app = client_for(plexsim, None)
    strong = app.json("/api/v2/pins", method="POST", params={"strong": "true"})
    form = {"code": strong["code"], "login": "jamie", "password": "partner-pass-2"}
    assert requests.post(f"{plexsim.url}/link", data=form, timeout=5).status_code == 400


def test_the_browser_pages_favicon_request_gets_no_404(plexsim: SimHandle) -> None:
    answer = requests.get(f"{plexsim.url}/favicon.ico", timeout=5)
    assert answer.status_code == 204
    assert answer.content == b""
