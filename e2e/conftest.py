"""Browser tests: Playwright driving Debian's headless Chromium against pytest-django's live server.

Every page a test opens is watched: a console error, an uncaught exception or a Content
Security Policy violation fails the test at teardown, whatever the test itself asserted.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from tests.conftest import (  # noqa: F401  (shared fixtures: a cache per test, a real worker)
    _cache_of_its_own,
    _setup_code_of_its_own,
    celery_worker_on_broker,
)
from tests.services import require_chromium

# Once Playwright's sync API starts, an event loop stays running in the main thread for the
# rest of the session, and Django refuses ORM calls from a thread with a running loop. The ORM
# work here (fixtures, database flushes) is synchronous and never overlaps a browser call.
# Subprocesses started by other tests drop this variable (see test_settings_profiles).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(event.violatedDirective + ' ' + event.blockedURI);
});
"""


@dataclass
class PageProblems:
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)

    def all(self) -> list[str]:
        return [*self.console_errors, *self.page_errors, *self.csp_violations]


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page_problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def browser_page(chromium, live_server, page_problems: PageProblems) -> Iterator[object]:
    """A fresh browser context and page; fails the test on console errors or CSP violations."""
    context = chromium.new_context(base_url=live_server.url)
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on(
        "console",
        lambda message: (
            page_problems.console_errors.append(message.text) if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: page_problems.page_errors.append(str(error)))
    yield page
    try:
        if not page.is_closed() and page.url.startswith("http"):
            page_problems.csp_violations.extend(page.evaluate("window.__cspViolations || []"))
    finally:
        context.close()
    assert page_problems.all() == [], f"problems in the browser: {page_problems.all()}"
