from __future__ import annotations

import pytest

from e2e.session import sign_in_browser
from sharing.models import PlexUser

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def signed_in_page(browser_page, live_server, household):
    sign_in_browser(browser_page, live_server, household)
    return browser_page


def test_switching_to_the_protected_kid_asks_for_her_pin(signed_in_page, plexsim) -> None:
    PlexUser.objects.create(
        plex_id=1001003, kind=PlexUser.MANAGED, title="Ellie", protected=True, home=True
    )
    page = signed_in_page
    page.goto("/switch/")
    page.get_by_role("link", name="Switch to Ellie").click()
    page.get_by_label("Ellie's PIN").fill("0000")
    page.get_by_role("button", name="Switch").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "That PIN is not right for Ellie" in alert.inner_text()
    page.get_by_label("Ellie's PIN").fill("1111")
    page.get_by_role("button", name="Switch").click()
    page.wait_for_url("**/switch/viewing/")
    assert "Viewing as Ellie" in page.get_by_role("status").first.inner_text()
    page.get_by_role("button", name="Exit").click()
    page.wait_for_url("**/switch/")
    assert "back as yourself" in page.content()
