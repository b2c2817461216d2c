"""Sign in with Plex in Chromium: the popup through plexsim's OAuth page, the set-up code and
the first-run server pick, the account page; the popup closed early and cancel; the code path
without JavaScript; a co-admin removed as a friend losing access at once.

The PIN is polled by a real Celery worker on the configured broker, exactly as in production:
the page itself only polls its own status partial.
"""

from __future__ import annotations

import pytest
import requests

from accounts import setup_code
from accounts.models import Household, Member, PinLogin, PlexAccount
from tests.conftest import celery_worker_on_broker  # noqa: F401
from tests.factories import DEN

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OWNER_TOKEN = "demo-owner-token-0001"  # plexsim's documented demo token for morgan


@pytest.fixture
def plex_site(settings, plexsim, live_server, celery_worker_on_broker):  # type: ignore[no-untyped-def]  # noqa: F811
    """plex.tv is plexsim; the forwardUrl points back at the live server; a worker polls."""
    settings.PLEXTV_BASE_URL = plexsim.url
    settings.PLEX_AUTH_URL = f"{plexsim.url}/auth"
    settings.PUBLIC_BASE_URL = live_server.url
    yield plexsim
    # A PIN left pending keeps its polling task busy for up to a minute; ending it lets the
    # worker stop within its shutdown timeout.
    PinLogin.objects.filter(status=PinLogin.Status.PENDING).update(status=PinLogin.Status.CANCELLED)


def _open_popup(page, plexsim):  # type: ignore[no-untyped-def]
    """Click "Sign in with Plex": the popup opens blank at once (so no blocker stops it) and is
    sent to plex.tv's approval page once our PIN exists."""
    page.goto("/accounts/sign-in/")
    with page.expect_popup() as opened:
        page.get_by_role("button", name="Sign in with Plex").click()
    popup = opened.value
    popup.wait_for_url(f"{plexsim.url}/auth#?**")
    popup.get_by_role("button", name="Morgan (morgan@example.com)").wait_for()
    return popup


def _sign_in_at_plex(popup, *, password: str, code: str) -> None:  # type: ignore[no-untyped-def]
    popup.get_by_role("button", name="Morgan (morgan@example.com)").click()
    popup.get_by_label("Password", exact=True).fill(password)
    popup.get_by_label("Two-factor code").fill(code)
    popup.get_by_role("button", name="Sign in", exact=True).click()


def _pin_polls(plexsim) -> int:  # type: ignore[no-untyped-def]
    return sum(
        1
        for r in plexsim.requests()
        if r["method"] == "GET" and r["path"].startswith("/api/v2/pins/")
    )


def test_the_owner_signs_in_through_the_popup_picks_the_den_and_sees_the_account_page(
    browser_page, plex_site, settings
) -> None:  # type: ignore[no-untyped-def]
    page = browser_page
    popup = _open_popup(page, plex_site)
    assert popup.url.startswith(f"{plex_site.url}/auth#?")
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Approve the sign-in in the Plex window"
    )
    assert page.locator("#pin-status").inner_text() == "Waiting for approval…"

    # The open popup is still reachable from the page: no "window was closed" warning (the
    # page checks twice a second).
    page.wait_for_timeout(1200)
    assert page.locator("#popup-closed").is_hidden()
    _sign_in_at_plex(popup, password="owner-pass-1", code="246810")
    popup.get_by_role("button", name="Approve").click()

    page.wait_for_url("**/accounts/setup/")
    # The popup landed on our "done" page and closed itself.
    if not popup.is_closed():
        popup.wait_for_event("close")
    # Nobody owns the installation yet: the set-up code from the console comes first.
    assert page.get_by_role("heading", level=1).inner_text() == "Enter the set-up code"
    page.get_by_label("Set-up code").fill("not-the-code")
    page.get_by_role("button", name="Continue").click()
    assert "That is not the set-up code" in page.locator(".message").inner_text()
    page.get_by_label("Set-up code").fill(setup_code.ensure_code())
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/accounts/setup/")
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Pick the server this dashboard manages"
    )
    assert page.get_by_label("Morgan's Den").is_checked()
    page.get_by_role("button", name="Manage this server").click()

    page.wait_for_url("**/accounts/account/")
    assert page.get_by_role("heading", level=1).inner_text() == "Plex account"
    assert "This dashboard now manages Morgan's Den." in page.locator(".message").inner_text()
    # The worker reads the account; the page shows it in place when it arrives.
    page.get_by_role("cell", name="Living Room TV").wait_for()
    assert "Managing Morgan's Den." in page.content()
    assert "Read from plex.tv" in page.locator("#account-freshness").inner_text()
    # The dashboard holds the token plex.tv issued to its own device for this sign-in.
    stored = PlexAccount.objects.get(plex_id=1001001).get_token()
    assert stored not in page.content()
    assert OWNER_TOKEN not in page.content()
    assert not setup_code.code_file().exists()

    household = Household.objects.get()
    assert household.machine_identifier == DEN
    assert household.owner.plex_id == 1001001
    assert Member.objects.get(plex_account=household.owner).role == Member.Role.OWNER
    devices = plex_site.state()["devices"]
    dashboard = next(d for d in devices if d["clientIdentifier"] == settings.PLEX_CLIENT_IDENTIFIER)
    assert (dashboard["ownerId"], dashboard["token"]) == (1001001, stored)
    assert stored != OWNER_TOKEN
    assert PinLogin.objects.get().status == PinLogin.Status.COMPLETED

    # The account page's htmx partial works under the CSP too.
    with page.expect_response("**/accounts/account/servers/check/") as checked:
        page.get_by_role("button", name="Check connections").click()
    assert checked.value.request.headers.get("hx-request") == "true"
    assert page.locator("#connections table tbody tr").count() == 2


def test_a_wrong_two_factor_code_in_the_popup_signs_nobody_in(browser_page, plex_site) -> None:  # type: ignore[no-untyped-def]
    page = browser_page
    popup = _open_popup(page, plex_site)
    _sign_in_at_plex(popup, password="owner-pass-1", code="000000")
    assert popup.get_by_role("alert").inner_text() == "Please enter the verification code"
    assert popup.get_by_role("button", name="Approve").is_hidden()
    page.wait_for_timeout(1500)
    assert page.locator("#pin-status").inner_text() == "Waiting for approval…"
    assert PinLogin.objects.get().status == PinLogin.Status.PENDING
    assert not PlexAccount.objects.exists()


def test_closing_the_popup_early_offers_it_again_and_cancel_starts_over(
    browser_page, plex_site
) -> None:  # type: ignore[no-untyped-def]
    page = browser_page
    popup = _open_popup(page, plex_site)
    popup.close()
    notice = page.locator("#popup-closed")
    notice.wait_for(state="visible")
    assert notice.inner_text().startswith("The Plex window was closed. If you approved there")
    # Still waiting, and the page offers the approval page again.
    assert page.locator("#pin-status").inner_text() == "Waiting for approval…"
    with page.expect_popup() as reopened:
        notice.get_by_role("link", name="Open it again").click()
    assert reopened.value.url.startswith(f"{plex_site.url}/auth#?")
    reopened.value.close()

    login = PinLogin.objects.get()
    page.get_by_role("button", name="Cancel").click()
    page.wait_for_url("**/accounts/sign-in/")
    assert page.get_by_role("button", name="Sign in with Plex").is_visible()
    assert PinLogin.objects.get(pk=login.pk).status == PinLogin.Status.CANCELLED

    # The worker notices the cancel at its next check: polling of that PIN stops.
    page.wait_for_timeout(2500)
    polls_after_cancel = _pin_polls(plex_site)
    page.wait_for_timeout(3000)
    assert _pin_polls(plex_site) == polls_after_cancel
    # Nobody is signed in, and starting over makes a fresh PIN.
    assert page.get_by_role("link", name="Sign in", exact=True).count() == 1
    again = _open_popup(page, plex_site)
    fresh = PinLogin.objects.exclude(pk=login.pk).get()
    assert f"code={fresh.code}" in again.url
    assert fresh.code != login.code


def test_without_javascript_the_plex_tv_link_code_signs_in(
    chromium, live_server, plex_site, page_problems
) -> None:  # type: ignore[no-untyped-def]
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on(
        "console",
        lambda m: page_problems.console_errors.append(m.text) if m.type == "error" else None,
    )
    try:
        page.goto("/accounts/sign-in/")
        page.get_by_role("button", name="Get a code").click()
        page.wait_for_url("**/accounts/sign-in/pin/*/")
        code = page.get_by_label("code").inner_text()
        login = PinLogin.objects.get()
        assert login.kind == PinLogin.Kind.LINK
        assert code == login.code
        assert len(code) == 4

        linked = requests.put(
            f"{plex_site.url}/api/v2/pins/link",
            data={"code": code},
            headers={"X-Plex-Token": OWNER_TOKEN, "X-Plex-Client-Identifier": "e2e-tv-app"},
            timeout=10,
        )
        assert linked.status_code == 204
        # Nothing moves the page without JavaScript until the person asks.
        page.wait_for_timeout(1500)
        assert page.get_by_label("code").inner_text() == code

        page.get_by_role("button", name="I have approved: check now").click()
        page.wait_for_url("**/accounts/setup/")
        assert page.get_by_role("heading", level=1).inner_text() == "Enter the set-up code"
        page.get_by_label("Set-up code").fill(setup_code.ensure_code())
        page.get_by_role("button", name="Continue").click()
        assert page.get_by_role("heading", level=1).inner_text() == (
            "Pick the server this dashboard manages"
        )
        assert PinLogin.objects.get().status == PinLogin.Status.COMPLETED
    finally:
        context.close()
    assert page_problems.all() == []


def test_an_approval_page_for_an_expired_code_leaves_the_page_explaining(
    browser_page, plex_site
) -> None:  # type: ignore[no-untyped-def]
    page = browser_page
    popup = _open_popup(page, plex_site)
    plex_site.advance_clock(1801)
    status = page.locator("#pin-status")
    status.get_by_role("link", name="Start again").wait_for()
    assert "expired" in status.inner_text()
    assert PinLogin.objects.get().status == PinLogin.Status.EXPIRED
    popup.close()
    # The polling has stopped (htmx got 286), so the closed-popup warning stays away.
    page.wait_for_timeout(1200)
    assert page.locator("#popup-closed").is_hidden()
    assert page.locator("#pin-status").get_attribute("hx-get") is None


def test_a_co_admin_removed_as_a_friend_loses_access_at_once(
    chromium, browser_page, live_server, plex_site
) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    from e2e.session import sign_in_browser
    from sharing.models import PlexUser
    from sharing.sync.runs import run_sync
    from tests import factories

    morgan = factories.plex_account("morgan", keep_token=True, title="Morgan")
    factories.user_for(morgan, Member.Role.OWNER)
    household = factories.household(morgan)
    assert run_sync().outcome in ("succeeded", "warning")
    # Priya signs in with her Plex password in her own browser and is made co-admin.
    priya_context = chromium.new_context(base_url=live_server.url)
    priya = priya_context.new_page()
    priya.set_default_timeout(10_000)
    try:
        priya.goto("/accounts/sign-in/password/")
        priya.get_by_label("Plex username or e-mail").fill("priya")
        priya.get_by_label("Password", exact=True).fill("friend-pass-11")
        priya.get_by_role("button", name="Sign in").click()
        priya.wait_for_url("**/me/")
        owner = browser_page
        sign_in_browser(owner, live_server, household)
        member = Member.objects.get(plex_account__plex_id=1001011)
        owner.goto("/accounts/roles/")
        owner.locator("tr", has_text="Priya").get_by_role("button", name="Make co-admin").click()
        priya.goto("/people/")
        assert priya.get_by_role("heading", level=1).count() >= 1
        assert priya.url.endswith("/people/")

        person = PlexUser.objects.get(plex_id=1001011)
        owner.goto(f"/people/{person.pk}/")
        owner.get_by_role("link", name="Remove friend…").click()
        owner.locator("#remove-friend-dialog").get_by_role("button", name="Remove friend").click()
        owner.locator(".operation .badge").get_by_text("Succeeded").wait_for(timeout=30_000)

        assert not Member.objects.filter(pk=member.pk).exists()
        priya.goto("/people/")
        priya.wait_for_url("**/accounts/sign-in/**")
        priya.get_by_label("Plex username or e-mail").count()  # the sign-in page, nothing else
        fresh = Client()
        fresh.post("/accounts/sign-in/password/", {"login": "priya", "password": "friend-pass-11"})
        assert fresh.get("/people/").status_code == 403
    finally:
        priya_context.close()
