"""RELIABILITY 6: every page, opened in headless Chromium with the CSP enforcing, raises no
`securitypolicyviolation`, logs no console error and throws nothing; htmx runs with eval and
script tags off and its indicator styles in our static CSS.

The pages come from the URLconf: every GET route the owner can open once the demo household is
synced, its parameters filled with real objects (people, shares, servers). A route added later
is opened without anyone listing it; a route whose parameter no object fills is named in the
failure.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from e2e.session import sign_in_browser
from sharing.models import PlexUser, Server, Share
from sharing.sync.runs import run_sync
from tests.fuzz.routes import all_routes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Routes that are not pages: downloads, machine endpoints, actions reached only by POST, the
# Django admin (its own CSP-free templates are outside the dashboard).
NOT_PAGES = ("healthz", "metrics", "admin:")


def objects() -> dict[str, str]:
    person = PlexUser.objects.filter(kind=PlexUser.FRIEND).order_by("pk").first()
    share = Share.objects.order_by("pk").first()
    server = Server.objects.order_by("pk").first()
    assert person is not None
    assert share is not None
    assert server is not None
    return {"person_id": str(person.pk), "share_id": str(share.pk), "server_id": str(server.pk)}


def owner_pages(owner: Any) -> tuple[list[str], list[str]]:
    """The HTML pages (whole documents, not htmx partials) the owner gets with 200, and the
    routes no object could fill."""
    client = Client()
    client.force_login(User.objects.get(plex_account=owner))
    values = objects()
    pages, unfilled = [], []
    for route in all_routes():
        if route.regex or route.label.startswith(NOT_PAGES) or route.name in NOT_PAGES:
            continue
        if any(name not in values for name, _ in route.params):
            unfilled.append(route.label)
            continue
        path = route.path(values)
        answer = client.get(path)
        html = answer["Content-Type"].startswith("text/html")
        if answer.status_code == 200 and html and b"<html" in answer.content[:500]:
            pages.append(path)
    return pages, unfilled


def test_every_page_renders_under_csp_without_a_violation_or_console_error(
    browser_page,
    live_server,
    household,
    page_problems,
) -> None:
    assert run_sync().outcome in ("succeeded", "warning")
    pages, unfilled = owner_pages(household.owner)
    assert len(pages) >= 15, (pages, unfilled)
    assert {"/people/", "/audit/", "/notifications/", "/accounts/account/"} <= set(pages)
    page = browser_page
    sign_in_browser(page, live_server, household)
    found: dict[str, list[str]] = {}
    for path in pages:
        before = len(page_problems.all())
        answer = page.goto(path, wait_until="load")
        assert answer is not None, path
        assert answer.ok, path
        page.wait_for_timeout(150)
        csp = answer.headers.get("content-security-policy", "")
        config = page.evaluate(
            "window.htmx ? [htmx.config.allowEval, htmx.config.allowScriptTags,"
            " htmx.config.includeIndicatorStyles] : null"
        )
        violations = page.evaluate("window.__cspViolations || []")
        problems = [*page_problems.all()[before:], *violations]
        if "script-src" not in csp and "default-src" not in csp:
            problems.append(f"no CSP: {csp!r}")
        if config is not None and config != [False, False, False]:
            problems.append(f"htmx config {config}")
        if problems:
            found[path] = problems
    assert found == {}, found
    # The browser fixture fails the test on anything it caught that this loop did not list.
    page_problems.csp_violations.clear()
