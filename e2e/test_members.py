"""The members' own space in Chromium, with a real worker and plexsim: kai lands on their page,
accepts the owner's pending share with a Plex sign-in; alex asks for Music, the owner approves
it from the top bar's Requests, and alex sees Music on their page. Any console error or CSP
violation fails the test."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Member, User
from sharing.models import Share
from tests import factories
from tests.console.conftest import run_sync
from tests.personas import household, plex_settings  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

KAI = 1001016


def _session_for(page, live_server, user) -> None:  # type: ignore[no-untyped-def]
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def test_a_member_accepts_asks_and_sees_the_answer(
    browser_page,
    chromium,
    live_server,
    household,  # noqa: F811
    plexsim,
    celery_worker_on_broker,
) -> None:  # type: ignore[no-untyped-def]
    run_sync()
    kai = factories.user_for(
        factories.plex_account("kai", title="kai", plex_id=KAI), Member.Role.MEMBER
    )
    alex = factories.user_for(factories.plex_account("alex.rivera"), Member.Role.MEMBER)

    page = browser_page
    _session_for(page, live_server, kai)
    page.goto("/")
    page.wait_for_url("**/me/")
    expect(page.get_by_role("heading", name="Waiting for you to accept")).to_be_visible()
    page.get_by_role("button", name="Accept with Plex").click()
    page.wait_for_url(re.compile(r".*/me/actions/\d+/$"))
    expect(page.locator("#continue-to-plex")).to_be_visible()
    from members.models import SignInAction

    action = SignInAction.objects.select_related("pin_login").get(requester=kai)
    assert action.pin_login is not None
    plexsim.approve_pin(action.pin_login.code, "kai")
    expect(page.locator("#action-status")).to_contain_text("Accepted 1 share(s)", timeout=30_000)
    page.get_by_role("link", name="← Your access").click()
    expect(page.get_by_role("heading", name="Waiting for you to accept")).to_have_count(0)

    page.context.clear_cookies()
    _session_for(page, live_server, alex)
    page.goto("/me/")
    den = page.locator("section.server-access", has_text="Morgan's Den")
    assert "Movies, TV Shows" in den.inner_text()
    den.get_by_label("Ask for another library").select_option(label="Music")
    den.get_by_label("Note").last.fill("for road trips")
    den.get_by_role("button", name="Ask for it").click()
    expect(page.locator("#your-requests")).to_contain_text("waiting for an admin")

    owner_context = chromium.new_context(base_url=live_server.url)
    owner = owner_context.new_page()
    owner.set_default_timeout(10_000)
    try:
        _session_for(owner, live_server, User.objects.get(plex_account=household.owner))
        owner.goto("/people/")
        requests_link = owner.get_by_role("link", name=re.compile("Requests"))
        expect(requests_link).to_contain_text("1")
        requests_link.click()
        row = owner.locator(".request-row", has_text="alex.rivera")
        expect(row).to_contain_text("for road trips")
        row.get_by_role("button", name="Approve").click()
        expect(owner.locator(".messages")).to_contain_text("Approved")
    finally:
        owner_context.close()

    share = Share.objects.get(user__plex_id=1001010, server__name="Morgan's Den")
    for _ in range(60):
        if share.libraries.filter(title="Music").exists():
            break
        page.wait_for_timeout(500)
    page.reload()
    den = page.locator("section.server-access", has_text="Morgan's Den")
    assert "Music" in den.locator("dd").first.inner_text()
    expect(page.locator("#your-requests")).to_contain_text("approved")
