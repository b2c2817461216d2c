from __future__ import annotations

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_home_page_renders_with_htmx_from_our_own_static_files(client: Client) -> None:
    response = client.get("/")
    content = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<script src="/static/django_htmx/htmx-2\.min\.js"', content)
    assert "cdn" not in content.lower()
    assert "unpkg" not in content


def test_the_token_htmx_sends_from_body_passes_csrf_and_its_absence_fails() -> None:
    client = Client(enforce_csrf_checks=True)
    content = client.get("/").content.decode()
    match = re.search(r"""<body hx-headers='\{"x-csrftoken": "([^"]+)"\}'""", content)
    assert match is not None
    form = {"username": "nobody", "password": "wrong"}
    without = client.post("/django-admin/login/", form, headers={"HX-Request": "true"})
    assert without.status_code == 403
    with_token = client.post(
        "/django-admin/login/",
        form,
        headers={"HX-Request": "true", "X-CSRFToken": match.group(1)},
    )
    assert with_token.status_code == 200
    foreign = client.post(
        "/django-admin/login/",
        form,
        headers={"X-CSRFToken": match.group(1), "Origin": "https://evil.example"},
        secure=True,
    )
    assert foreign.status_code == 403


def test_htmx_is_configured_for_a_strict_csp(client: Client) -> None:
    content = client.get("/").content.decode()
    assert '"allowEval": false' in content
    assert '"includeIndicatorStyles": false' in content


def test_every_page_sends_the_security_headers(client: Client) -> None:
    for url in ("/", "/status/", "/healthz"):
        response = client.get(url)
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
        csp = response["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert "unsafe-eval" not in csp


def test_script_tags_carry_the_csp_nonce(client: Client) -> None:
    response = client.get("/")
    assert "script-src 'self' 'nonce-" in response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    scripts = re.findall(r"<script[^>]*>", response.content.decode())
    assert scripts
    assert all(f'nonce="{nonce}"' in tag for tag in scripts)


def test_a_foreign_host_header_is_refused(client: Client) -> None:
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400


def test_favicon_ico_leads_to_the_icon_the_pages_name(client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith(".svg")
    assert "favicon" in response["Location"]
