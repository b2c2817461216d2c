"""The product as it runs: `make demo` (honcho with plexsim, web, worker and beat), used in
Chromium, left running until every periodic task has run, then stopped with Ctrl-C.

Unit and view tests passed while the running product could not send two of its beat tasks and
left operations running forever; this test watches what only the running product shows. It
fails on any ERROR line or traceback in the combined log, on a page that answers 5xx, on a
periodic task that never ran, on a status page that reports a problem, and on a process honcho
had to kill at Ctrl-C.

It extends itself: the periodic tasks come from `settings.PERIODIC_TASKS` (each set to run
every minute through its SCHEDULE_* variable) and the pages from the URLconf.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

from e2e.conftest import CHROMIUM_ARGS
from tests.processes import ONE_STACK_AT_A_TIME, ROOT, RUN_VARIABLES, child_env, free_port
from tests.services import CHROMIUM, require, require_chromium

pytestmark = [pytest.mark.stack, pytest.mark.timeout(300), ONE_STACK_AT_A_TIME]

DEN = "Morgan's Den"
ALEX_ON_THE_DEN, KIDS_MOVIES = 30006, 118181365  # plexsim's demo seed
RUTH = 1001014  # plexsim's demo seed: stopped watching 95 days ago
# Only minutes matter to cron: the first run of an every-minute task is at the next minute.
FIRST_TICK_WITHIN = 75.0
SHUTDOWN_GRACE = 30
PROBLEMS = re.compile(r"\bERROR\b|\bCRITICAL\b|Traceback \(most recent call last\)")
STARTED = re.compile(r"system\s+\| (\S+) started \(pid=(\d+)\)")


def every_minute() -> dict[str, str]:
    """SCHEDULE_<NAME>=* * * * * for every periodic task the settings know."""
    return {f"SCHEDULE_{name.upper()}": "* * * * *" for name in settings.PERIODIC_TASKS}


def periodic_task_names() -> set[str]:
    return {task for task, _ in settings.PERIODIC_TASKS.values()}


def plain_pages() -> list[str]:
    """Every URL of the URLconf that takes no argument (the screens and their partials)."""
    found: list[str] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for entry in patterns:
            route = str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + route)
            elif isinstance(entry, URLPattern) and "<" not in route and "(" not in route:
                found.append("/" + (prefix + route).lstrip("^").rstrip("$"))

    walk(get_resolver().url_patterns, "")
    return sorted(set(found))


class Demo:
    """`make demo` in its own session, its combined log in a file."""

    def __init__(self, tmp_path: Path) -> None:
        self.web = free_port()
        self.sim = free_port()
        self.log_path = tmp_path / "demo.log"
        self.var = tmp_path / "var"
        env = child_env(
            drop=RUN_VARIABLES | {"DJANGO_SETTINGS_MODULE", "MAKEFLAGS", "MFLAGS"},
            SHUTDOWN_GRACE=str(SHUTDOWN_GRACE),
            **every_minute(),
        )
        self.log = self.log_path.open("w")
        # -o: never (re)install requirements from a test; the virtualenv is the one running us.
        self.process = subprocess.Popen(
            [
                "make",
                "--no-print-directory",
                "-o",
                ".venv/.runtime",
                "demo",
                f"PORT={self.web}",
                f"PLEXSIM_PORT={self.sim}",
                f"MAILSINK_PORT={free_port()}",
                f"DEMO_VAR={tmp_path / 'var'}",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web}"

    def text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until_serving(self, seconds: float = 90) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"make demo ended early:\n{self.text()}"
            try:
                requests.get(f"{self.url}/healthz", timeout=2)
                requests.get(f"http://127.0.0.1:{self.sim}/__sim__/state", timeout=2)
                return
            except requests.ConnectionError:
                time.sleep(0.3)
        raise AssertionError(f"the demo did not answer within {seconds} s:\n{self.text()}")

    def tasks_that_ran(self) -> set[str]:
        return set(re.findall(r"Task ([\w.]+)\[[\w-]+\] succeeded", self.text()))

    def press_ctrl_c(self) -> int:
        """What a terminal does: SIGINT to the foreground process group (make and honcho)."""
        os.killpg(self.process.pid, signal.SIGINT)
        return self.process.wait(SHUTDOWN_GRACE + 15)

    def kill_everything(self) -> None:
        """Whatever is left: honcho runs each process in a session of its own."""
        groups = [int(pid) for _, pid in STARTED.findall(self.text())] + [self.process.pid]
        for group in groups:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(group, signal.SIGKILL)
        if self.process.poll() is None:
            self.process.wait(10)
        self.log.close()


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    require("make", shutil.which("make") is not None, "make is not installed")
    require_chromium()
    running = Demo(tmp_path)
    try:
        running.wait_until_serving()
        yield running
    finally:
        running.kill_everything()


def sign_in_and_pick_the_den(page: Any, demo: Demo) -> None:
    page.goto(f"{demo.url}/accounts/sign-in/password/")
    page.get_by_label("Plex username or e-mail").fill("morgan")
    page.get_by_label("Password", exact=True).fill("owner-pass-1")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("6-digit code").fill("246810")
    page.get_by_label("Password", exact=True).fill("owner-pass-1")
    page.get_by_role("button", name="Sign in").click()
    # Nobody owns the fresh install: the set-up code `make demo` printed on its console.
    found = re.search(r"Set-up code: (\S+)", demo.text())
    assert found, "make demo did not print the set-up code"
    page.get_by_label("Set-up code").fill(found.group(1))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/accounts/setup/")
    page.get_by_label(DEN).check()
    page.get_by_role("button", name="Manage this server").click()
    page.wait_for_url("**/accounts/account/")


def toggle_a_matrix_cell(page: Any, demo: Demo) -> None:
    cell = page.get_by_role("button", name="Share Kids Movies with alex.rivera")
    deadline = time.monotonic() + 30
    while True:  # the first sync, started when the Den was picked, fills the matrix
        page.goto(f"{demo.url}/matrix/")
        servers = page.get_by_role("navigation", name="Servers")
        if servers.count():  # more than one server: the matrix asks which
            servers.get_by_role("link", name=DEN).click()
        if cell.count() or time.monotonic() > deadline:
            break
        time.sleep(1)
    cell.click()
    page.get_by_role("button", name="Unshare Kids Movies from alex.rivera").wait_for(timeout=30_000)


def warn_alex_that_access_ends_tomorrow(page: Any, demo: Demo) -> None:
    """Set an end on alex's Den share; beat's lifecycle tick is to warn them by e-mail."""
    page.goto(f"{demo.url}/people/")
    page.get_by_role("link", name="alex.rivera").first.click()
    card = page.locator("section.share-card", has_text=DEN)
    tomorrow = time.strftime("%Y-%m-%d", time.localtime(time.time() + 86400))
    card.get_by_label("Access ends on").fill(tomorrow)
    card.get_by_role("button", name="Save").click()
    card.get_by_text("expires in").wait_for(timeout=30_000)


def start_cleaning_up_ruth(page: Any, demo: Demo) -> None:
    """Collect the play history now, pick Ruth (idle 95 days) for a clean-up, then move its end
    into the past as if the grace had gone by: beat's next lifecycle tick removes her."""
    page.goto(f"{demo.url}/activity/")
    page.get_by_role("button", name="Collect now").click()
    ruth = page.get_by_label(re.compile(rf"Pick (Ruth|grandma\.ruth) on {re.escape(DEN)}"))

    def ruth_listed() -> bool:  # once a collection (this one or beat's) has read her plays
        page.goto(f"{demo.url}/lifecycle/?show=inactive&days=60")
        return bool(ruth.count())

    wait_for("Ruth listed as inactive", ruth_listed)
    ruth.check()
    page.get_by_role("button", name="Warn and clean up").click()
    page.get_by_text("Warned, waiting").wait_for()
    with contextlib.closing(sqlite3.connect(demo.var / "plexadmin.sqlite3", timeout=30)) as db:
        db.execute("UPDATE lifecycle_cleanup SET ends_at = ?", ("2000-01-01 00:00:00",))
        db.commit()


def wait_for(what: str, check: Any, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"{what} did not happen within {seconds} s"
        time.sleep(1)


def check_the_lifecycle_went_through_beat(page: Any, demo: Demo) -> None:
    """Ruth's Den share is gone at plexsim; the warnings are in the demo's mailbox page."""

    def ruth_removed() -> bool:
        sim = requests.get(f"http://127.0.0.1:{demo.sim}/__sim__/state", timeout=5).json()
        machine = {s["name"]: s["machineIdentifier"] for s in sim["servers"]}.get(DEN)
        return not any(
            s["userId"] == RUTH and s["machineIdentifier"] == machine for s in sim["shares"]
        )

    wait_for("Ruth's removal", ruth_removed)

    def mailbox() -> str:
        page.goto(f"{demo.url}/notifications/mailbox/")
        return str(page.locator("main").inner_text())

    wait_for("the warnings in the mailbox", lambda: "ends in" in mailbox()
             and "unless you watch something" in mailbox(), seconds=60)  # fmt: skip
    text = mailbox()
    assert f"Your access to {DEN} ends in" in text, text
    assert "grandma.ruth@example.com" in text, text


def use_the_demo_in_chromium(demo: Demo) -> list[str]:
    """Sign in, make a change, open every page, wait for the periodic tasks, read the status
    page. Returns what the browser reported as errors."""
    from playwright.sync_api import sync_playwright

    browser_errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context().new_page()
        page.set_default_timeout(20_000)
        page.on("console", lambda m: browser_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: browser_errors.append(str(error)))
        try:
            sign_in_and_pick_the_den(page, demo)
            toggle_a_matrix_cell(page, demo)
            sim = requests.get(f"http://127.0.0.1:{demo.sim}/__sim__/state", timeout=5).json()
            [alex] = [s for s in sim["shares"] if s["id"] == ALEX_ON_THE_DEN]
            assert KIDS_MOVIES in alex["sectionIds"]
            warn_alex_that_access_ends_tomorrow(page, demo)
            start_cleaning_up_ruth(page, demo)

            failing_pages = {}
            for path in plain_pages():
                answer = page.request.get(f"{demo.url}{path}", max_redirects=0)
                if answer.status >= 500:
                    failing_pages[path] = answer.status
            assert failing_pages == {}

            expected = periodic_task_names()
            deadline = time.monotonic() + FIRST_TICK_WITHIN
            while time.monotonic() < deadline and not expected <= demo.tasks_that_ran():
                time.sleep(1)
            assert expected <= demo.tasks_that_ran(), (
                f"never ran: {sorted(expected - demo.tasks_that_ran())}\n{demo.text()}"
            )

            check_the_lifecycle_went_through_beat(page, demo)

            page.goto(f"{demo.url}/status/")
            status = page.locator("#status-panel").inner_text()
            assert "problem" not in status, status
            assert requests.get(f"{demo.url}/healthz", timeout=5).json()["status"] == "ok"
        finally:
            browser.close()
    return browser_errors


def test_the_demo_runs_signs_in_makes_a_change_and_stops_cleanly(demo: Demo) -> None:
    # Playwright's sync API refuses a thread where an event loop runs, as it does in the main
    # thread once the browser tests' session browser has started: the browser gets a thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        browser_errors = pool.submit(use_the_demo_in_chromium, demo).result()

    demo.press_ctrl_c()
    log = demo.text()
    assert browser_errors == []
    assert "sending SIGKILL" not in log, log
    for name in ("web", "worker", "beat", "plexsim"):
        assert re.search(rf"{name}\.1 stopped", log), f"{name} did not stop:\n{log}"
    problems = [line for line in log.splitlines() if PROBLEMS.search(line)]
    assert problems == [], "\n".join(problems)
