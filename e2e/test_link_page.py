"""Without JavaScript in Chromium: the code page links to plex.tv/link (plexsim's page in the
demo and here), where the person types the code, signs in with 2FA, and the dashboard signs
them in once they ask it to check.
"""

from __future__ import annotations

import pytest

from accounts.models import PinLogin, PlexAccount
from tests.conftest import celery_worker_on_broker  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def plex_site(settings, plexsim, live_server, celery_worker_on_broker):  # type: ignore[no-untyped-def]  # noqa: F811
    """plex.tv is plexsim; a worker polls the PIN as in production."""
    settings.PLEXTV_BASE_URL = plexsim.url
    settings.PUBLIC_BASE_URL = live_server.url
    yield plexsim
    PinLogin.objects.filter(status=PinLogin.Status.PENDING).update(status=PinLogin.Status.CANCELLED)


def test_the_code_is_entered_at_the_linked_plex_tv_link_page(
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

        with page.expect_popup() as opened:
            page.get_by_role("link", name="plex.tv/link").click()
        plex = opened.value
        plex.wait_for_load_state()
        assert plex.url == f"{plex_site.url}/link"
        plex.get_by_label("Code", exact=True).fill(code.lower())
        plex.get_by_label("Username or e-mail").fill("morgan")
        plex.get_by_label("Password", exact=True).fill("owner-pass-1")
        plex.get_by_role("button", name="Link").click()
        # 2FA is on for morgan: the page asks for the code and keeps what was typed.
        assert plex.get_by_role("alert").inner_text().startswith("Enter the two-factor code")
        assert plex.get_by_label("Code", exact=True).input_value() == code.lower()
        plex.get_by_label("Password", exact=True).fill("owner-pass-1")
        plex.get_by_label("Two-factor code").fill("246810")
        plex.get_by_role("button", name="Link").click()
        assert plex.get_by_role("heading", level=1).inner_text() == "Device linked"

        page.get_by_role("button", name="I have approved: check now").click()
        page.wait_for_url("**/accounts/setup/")
        assert PinLogin.objects.get().status == PinLogin.Status.COMPLETED
        assert PlexAccount.objects.get(plex_id=1001001).get_token()
    finally:
        context.close()
    assert page_problems.all() == []
