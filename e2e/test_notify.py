"""Notifications in Chromium: an admin subscribes, removes a friend, and the e-mail arrives; a dead
chat channel shows as failing while the removal still succeeds."""

from __future__ import annotations

import time

import pytest

from e2e.session import sign_in_browser
from sharing.models import PlexUser
from sharing.sync.runs import run_sync
from tests.notify.conftest import _no_digest_wait, smtp_sink  # noqa: F401
from tests.processes import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ALEX = 1001010


@pytest.fixture
def owner_page(browser_page, live_server, household):
    sign_in_browser(browser_page, live_server, household)
    assert run_sync().outcome in ("succeeded", "warning")
    return browser_page


def add_channel(page, name: str, kind: str, target: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/notifications/")
    form = page.locator("form", has=page.get_by_role("button", name="Add channel"))
    form.get_by_label("Name").fill(name)
    form.get_by_label(kind, exact=True).check()
    if kind == "E-mail":
        form.get_by_label("E-mail address (for e-mail)").fill(target)
    else:
        form.get_by_label("Apprise URL (for chat or push)").fill(target)
    for box in form.locator("input[name=events]").all():
        box.uncheck()
    form.get_by_label("Person removed").check()
    form.get_by_role("button", name="Add channel").click()
    page.get_by_text(f"Channel “{name}” added").wait_for()


def remove_alex(page) -> None:  # type: ignore[no-untyped-def]
    alex = PlexUser.objects.get(plex_id=ALEX)
    page.goto(f"/people/{alex.pk}/")
    page.get_by_role("link", name="Remove friend…").click()
    page.locator("#remove-friend-dialog").get_by_role("button", name="Remove friend").click()
    # The admin stays on the person's page; the change's live status appears in place.
    page.locator(".operation .badge").get_by_text("Succeeded").wait_for(timeout=30_000)


def test_an_admin_subscribes_and_the_removal_arrives_by_email(
    owner_page,
    plexsim,
    smtp_sink,  # noqa: F811
    celery_worker_on_broker,
) -> None:
    page = owner_page
    add_channel(page, "My inbox", "E-mail", "morgan@example.com")
    card = page.locator(".channel-card", has_text="My inbox")
    card.get_by_role("button", name="Send a test").click()
    card.get_by_text("working").wait_for(timeout=20_000)
    remove_alex(page)
    deadline = time.monotonic() + 30
    while len(smtp_sink.messages) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    subjects = [m["Subject"] for m in smtp_sink.messages]
    assert subjects == [
        "[plexadmin] plexadmin test message",
        "[plexadmin] alex.rivera was removed from every server",
    ]
    page.goto("/notifications/")
    assert page.locator("table").get_by_text("alex.rivera was removed from every server").count()


def test_a_dead_chat_channel_shows_failing_and_the_removal_still_succeeds(
    owner_page, plexsim, celery_worker_on_broker
) -> None:
    page = owner_page
    add_channel(page, "Dead hook", "Chat or push", f"json://127.0.0.1:{free_port()}/hook-token")
    remove_alex(page)
    page.goto("/notifications/")
    card = page.locator(".channel-card", has_text="Dead hook")
    deadline = time.monotonic() + 30
    while "failing" not in card.inner_text() and time.monotonic() < deadline:
        time.sleep(0.5)
        page.reload()
    assert "failing" in card.inner_text()
    assert "hook-token" not in page.content()
    assert [s for s in plexsim.state()["shares"] if s.get("userId") == ALEX] == []
