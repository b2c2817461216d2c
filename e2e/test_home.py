from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HEADING = "Your Plex household, in one place"


def test_the_home_page_loads_with_htmx_and_no_errors(browser_page) -> None:
    response = browser_page.goto("/")
    assert response.status == 200
    assert browser_page.title() == "Home · plexadmin"
    assert browser_page.get_by_role("heading", level=1).inner_text() == (
        "Your Plex household, in one place"
    )
    assert browser_page.evaluate("typeof htmx") == "object"
    assert browser_page.evaluate("htmx.config.allowEval") is False
    assert browser_page.evaluate("htmx.config.includeIndicatorStyles") is False


def test_the_status_panel_refreshes_through_htmx_under_the_csp(browser_page) -> None:
    browser_page.goto("/status/")
    with browser_page.expect_response(re.compile(r"/status/$")) as refresh:
        browser_page.evaluate(
            "htmx.ajax('GET', '/status/', {target: '#status-panel', swap: 'outerHTML'})"
        )
    assert refresh.value.request.headers.get("hx-request") == "true"
    assert browser_page.locator("#status-panel table").count() == 1


def test_a_page_that_breaks_the_csp_is_caught(browser_page, page_problems) -> None:
    browser_page.goto("/")
    browser_page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = '1'; "
        "document.body.appendChild(s); }"
    )
    browser_page.wait_for_timeout(200)
    found = browser_page.evaluate("window.__cspViolations")
    assert any(v.startswith("script-src") for v in found)
    # This test means to break the policy: clear what it caused so teardown checks the rest.
    browser_page.evaluate("window.__cspViolations = []")
    page_problems.console_errors.clear()


def test_the_dashboard_cannot_be_framed_by_another_origin(chromium, live_server) -> None:
    context = chromium.new_context()
    page = context.new_page()
    page.set_content(f'<iframe id="f" src="{live_server.url}/"></iframe>')
    page.wait_for_timeout(1000)
    framed = page.frame_locator("#f").get_by_role("heading", name=HEADING)
    assert framed.count() == 0
    # The same page opened directly does render, so the frame was blocked, not broken.
    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", name=HEADING).count() == 1
    context.close()
