"""The jamie story in Chromium, with a real worker and plexsim: jamie signs in with Plex; the
owner gives jamie an allowance of 2 people with Movies and TV Shows on the allowances screen;
jamie makes a link on their own page; a new plexsim account joins through it and gets exactly
those libraries; with both places taken a third link is refused, and a hand-made POST for
Music is refused; the owner sees jamie → the new person in the People tree, and removing jamie
asks about them. Any console error or CSP violation fails the test."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Member, PinLogin, User
from e2e.conftest import WATCH_CSP
from e2e.session import sign_in_browser
from e2e.test_join import DEN, MOVIES, TV, join_as_new_account
from joins.models import InviteLink
from members.models import Allowance
from sharing.models import Library, Operation, PlexUser
from sharing.sync.runs import run_sync
from tests.personas import household, plex_settings  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

JAMIE = 1001002


def _make_link(page, label: str) -> None:  # type: ignore[no-untyped-def]
    page.locator("#id_label").fill(label)
    page.get_by_label("Morgan's Den: Movies", exact=True).check()
    page.get_by_label("Morgan's Den: TV Shows", exact=True).check()
    page.locator("#id_people").fill("1")
    page.locator("#create-link").click()


def test_jamie_brings_a_friend_in_within_the_allowance(
    browser_page,
    chromium,
    live_server,
    household,  # noqa: F811
    plexsim,
    settings,
    celery_worker_on_broker,
) -> None:  # type: ignore[no-untyped-def]
    settings.PLEX_AUTH_URL = f"{plexsim.url}/auth"
    settings.PUBLIC_BASE_URL = live_server.url
    assert run_sync().outcome in ("succeeded", "warning")

    # jamie (a member of the owner's Plex Home) signs in with Plex and lands on their page.
    context = chromium.new_context(base_url=live_server.url)
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    owner = browser_page
    try:
        page.goto("/accounts/sign-in/")
        with page.expect_popup() as opened:
            page.get_by_role("button", name="Sign in with Plex").click()
        popup = opened.value
        popup.wait_for_url(f"{plexsim.url}/auth#?**")
        popup.get_by_role("button", name="Jamie (jamie@example.com)").click()
        popup.get_by_label("Password", exact=True).fill("partner-pass-2")
        popup.get_by_role("button", name="Sign in", exact=True).click()
        popup.get_by_role("button", name="Approve").click()
        page.wait_for_url("**/me/", timeout=30_000)
        jamie = User.objects.get(plex_account__plex_id=JAMIE)
        assert jamie.member.role == Member.Role.MEMBER
        name = jamie.plex_account.display_name  # as plex.tv gave it at sign-in

        # The owner gives jamie an allowance of 2 people with Movies and TV Shows.
        sign_in_browser(owner, live_server, household)
        owner.goto("/me/allowances/")
        owner.get_by_role("link", name=name, exact=True).click()
        owner.get_by_label("People they may bring in").fill("2")
        owner.get_by_label("Morgan's Den: Movies", exact=True).check()
        owner.get_by_label("Morgan's Den: TV Shows", exact=True).check()
        owner.get_by_label("Each person they invite needs an admin's approval").uncheck()
        owner.locator("#save-allowance").click()
        expect(owner.locator(".messages")).to_contain_text(f"{name}'s allowance saved.")
        allowance = Allowance.objects.get(member__user=jamie)
        assert (allowance.max_people, allowance.needs_approval) == (2, False)

        # jamie makes a link for one person from their own page.
        page.reload()
        page.locator("#invite-people").click()
        expect(page.locator("#places-left")).to_contain_text("2 of 2 places left")
        _make_link(page, "for Sam")
        url = page.locator("#new-link-url").input_value()
        assert url.startswith(f"{live_server.url}/join/")
        expect(page.locator("#places-left")).to_contain_text("1 of 2 places left")

        # A new plexsim account joins through it and gets exactly Movies and TV Shows.
        join_as_new_account(chromium, live_server, plexsim, url, "sam.new")
        accounts = {a["username"]: a["id"] for a in plexsim.state()["accounts"]}
        sam = accounts["sam.new"]
        [share] = [s for s in plexsim.state()["shares"] if s.get("userId") == sam]
        assert share["machineIdentifier"] == DEN
        assert sorted(share["sectionIds"]) == [MOVIES, TV]
        assert share["accepted"] is True

        # A hand-made POST for Music is refused, nothing is created.
        music = Library.objects.get(server__machine_identifier=DEN, title="Music").global_id
        page.goto("/me/invites/")
        token = page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
        crafted = page.request.post(
            f"{live_server.url}/me/invites/",
            form={
                "csrfmiddlewaretoken": token,
                "label": "crafted",
                "people": "1",
                "libraries": str(music),
            },
        )
        assert crafted.status == 400
        assert "Your allowance does not include Music" in crafted.text()
        assert InviteLink.objects.count() == 1

        # The second place goes to a second link; a third link is refused.
        _make_link(page, "for Robin")
        expect(page.locator("#places-left")).to_contain_text("0 of 2 places left")
        _make_link(page, "one too many")
        expect(page.locator("#link-refused")).to_contain_text("0 places left")
        assert InviteLink.objects.count() == 2
        assert not InviteLink.objects.filter(label="one too many").exists()
        problems.extend(page.evaluate("window.__cspViolations || []") or [])
    finally:
        context.close()
    assert problems == [], problems

    # The owner sees jamie → the new person in the People tree.
    for _ in range(60):
        if PlexUser.objects.filter(plex_id=sam).exists():
            break
        owner.wait_for_timeout(500)
        run_sync()
    person = PlexUser.objects.get(plex_id=sam)
    owner.goto("/people/?q=sam.new")
    row = owner.locator(f"#person-{person.pk}")
    expect(row.locator("td.invited-by")).to_have_text(name)
    row.locator("td.invited-by").get_by_role("link", name=name).click()
    owner.wait_for_url(re.compile(rf".*/people/\?by={JAMIE}$"))
    expect(owner.locator("#by-filter")).to_contain_text(f"People brought in by {name}")
    expect(owner.locator("#people-results tbody tr")).to_have_count(1)
    expect(owner.locator(f"#person-{person.pk}")).to_be_visible()
    owner.goto(f"/people/{person.pk}/")
    expect(owner.locator("#inviter")).to_contain_text(f"Brought in by {name}")

    # Removing jamie would ask about the person they brought in; keeping is the default.
    jamie_person = PlexUser.objects.get(plex_id=JAMIE)
    owner.goto(f"/people/{jamie_person.pk}/")
    owner.get_by_role("link", name="Remove from Home…").click()
    dialog = owner.locator("#remove-home-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(re.compile(r"jamie brought in 1 person:", re.IGNORECASE))
    expect(dialog.get_by_label("keep them")).to_be_checked()
    expect(dialog.get_by_label("remove them too")).not_to_be_checked()
    expect(dialog).to_contain_text("sam.new")
    dialog.get_by_role("button", name="Keep").click()
    expect(dialog).to_be_hidden()
    assert not Operation.objects.filter(
        target_type=Operation.TARGET_USER, target_id=str(jamie_person.pk)
    ).exists()
    PinLogin.objects.filter(status=PinLogin.Status.PENDING).update(status=PinLogin.Status.CANCELLED)
