"""Devices & downloads in Chromium, with a real worker reading and changing plexsim: the
downloads read, one removed, a device linked by its code and a wrong code refused; any
console error or CSP violation fails the test."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from e2e.session import sign_in_browser
from tests.personas import household, plex_settings  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

IPHONE = "demo-iphone-01"


@pytest.fixture
def owner_page(browser_page, live_server, household, settings, tmp_path):  # noqa: F811
    settings.VAR_DIR = tmp_path
    sign_in_browser(browser_page, live_server, household)
    return browser_page


def _sim_items(plexsim) -> list[int]:  # type: ignore[no-untyped-def]
    device = next(d for d in plexsim.state()["devices"] if d["clientIdentifier"] == IPHONE)
    return [i["id"] for i in device["syncItems"]]


def test_downloads_removal_and_linking_a_device(
    owner_page, plexsim, celery_worker_on_broker
) -> None:
    page = owner_page
    page.goto("/accounts/account/")
    page.get_by_role("link", name="Devices & downloads").click()
    page.wait_for_url("**/activity/devices/")
    # The first look asks the worker; the page reloads once the devices have been read.
    page.locator(".badge-ok", has_text="Read from plex.tv").wait_for(timeout=30_000)
    phone = page.locator("section.device", has_text="Morgan's iPhone")
    expect(phone.locator("tbody tr")).to_have_count(2)
    harbour = phone.locator("tbody tr", has_text="Harbour Street")
    assert "In progress" in harbour.inner_text()
    assert "2 of 3 items" in harbour.inner_text()
    assert "Downloaded" in phone.locator("tbody tr", has_text="The Lighthouse Keeper").inner_text()
    assert (
        "does not download"
        in page.locator("section.device", has_text="Living Room TV").inner_text()
    )

    page.once("dialog", lambda dialog: dialog.accept())
    harbour.get_by_role("button", name="Remove").click()
    # The live status polls until the worker is done, then the list reloads without it.
    expect(phone.locator("tbody tr")).to_have_count(1, timeout=30_000)
    assert _sim_items(plexsim) == [6001]
    page.reload()
    assert (
        "Removed “Harbour Street” from Morgan's iPhone's downloads."
        in page.locator("body").inner_text()
    )

    waiting = plexsim.device_code("Plex for Roku")
    link = page.locator("#device-link")
    link.get_by_label("Code").fill(waiting["code"].lower())
    link.get_by_role("button", name="Link").click()
    page.locator("#device-link .operation .badge").get_by_text("Succeeded").wait_for(timeout=30_000)
    linked = next(
        d
        for d in plexsim.state()["devices"]
        if d["clientIdentifier"] == waiting["clientIdentifier"]
    )
    assert linked["ownerId"] == 1001001

    link = page.locator("#device-link")
    link.get_by_label("Code").fill("ZZZZ")
    link.get_by_role("button", name="Link").click()
    page.locator("#device-link .operation .badge").get_by_text("Failed").wait_for(timeout=30_000)
    assert "No device is waiting for the code ZZZZ" in page.locator("#device-link").inner_text()

    link = page.locator("#device-link")
    code = link.get_by_label("Code")
    code.evaluate("el => el.removeAttribute('pattern')")
    code.fill("A1")
    link.get_by_role("button", name="Link").click()
    expect(page.locator("#device-link [role=alert]")).to_contain_text("4 letters or digits")
    # The form stays, ready for the right code.
    assert page.locator("#device-link").get_by_label("Code").input_value() == ""
