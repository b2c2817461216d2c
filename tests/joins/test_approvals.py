"""Links that need approval: the request waits, the top bar counts it, approve shares, deny
gives the use back with a note."""

from __future__ import annotations

import pytest

from joins.models import InviteLink, Redemption
from joins.tasks import check_once
from notify.models import Event
from sharing import operations
from sharing.models import Operation
from tests.joins.conftest import MOVIES, TV, make_link, new_account, start_join
from tests.joins.test_join_flow import sim_shares

pytestmark = pytest.mark.django_db


def request_join(plexsim, code, name, capture, sleep):  # type: ignore[no-untyped-def]
    user_id = new_account(plexsim, name)
    browser, attempt = start_join(code, capture)
    plexsim.approve_pin(attempt.pin_login.code, name)
    assert check_once(attempt, sleep=sleep) == Redemption.APPROVAL
    return browser, user_id


def test_a_request_waits_and_is_counted_in_the_top_bar(
    owner, synced, plexsim, django_capture_on_commit_callbacks, no_sleep
) -> None:
    link, code = make_link(needs_approval=True)
    browser, user_id = request_join(
        plexsim, code, "patient", django_capture_on_commit_callbacks, no_sleep
    )
    assert sim_shares(plexsim, user_id) == []
    assert not Operation.objects.filter(kind="join.redeem").exists()
    assert "Request sent" in browser.get("/join/status/").content.decode()
    [event] = Event.objects.filter(type="join.needs_approval")
    assert event.context["person"] == "patient"
    assert event.context["link_name"] == link.label
    home = owner.client.get("/links/").content.decode()
    assert 'hx-get="/links/approvals/waiting/"' in home  # the top bar loads its count
    badge = owner.client.get("/links/approvals/waiting/").content.decode()
    assert 'title="join requests waiting for approval">1<' in badge
    page = owner.client.get("/links/approvals/").content.decode()
    assert "patient" in page
    link.refresh_from_db()
    assert link.uses == 1  # the request holds its place under the limit


def test_approve_runs_the_operation(
    owner, synced, plexsim, django_capture_on_commit_callbacks, no_sleep
) -> None:
    _link, code = make_link(needs_approval=True)
    _browser, user_id = request_join(
        plexsim, code, "approved", django_capture_on_commit_callbacks, no_sleep
    )
    redemption = Redemption.objects.get()
    with django_capture_on_commit_callbacks(execute=False):
        response = owner.client.post(f"/links/approvals/{redemption.pk}/approve/")
    assert response.status_code == 302
    op = Operation.objects.get(kind="join.redeem")
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    [share] = sim_shares(plexsim, user_id)
    assert sorted(share["sectionIds"]) == [MOVIES, TV]
    # A second click finds it decided and makes nothing more.
    owner.client.post(f"/links/approvals/{redemption.pk}/approve/")
    assert Operation.objects.filter(kind="join.redeem").count() == 1


def test_deny_gives_the_use_back_and_tells_the_invitee(
    owner, synced, plexsim, django_capture_on_commit_callbacks, no_sleep
) -> None:
    link, code = make_link(needs_approval=True)
    browser, user_id = request_join(
        plexsim, code, "denied", django_capture_on_commit_callbacks, no_sleep
    )
    redemption = Redemption.objects.get()
    response = owner.client.post(
        f"/links/approvals/{redemption.pk}/deny/", {"note": "We don't know you"}
    )
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.uses == 0
    assert InviteLink.objects.get().state == InviteLink.ACTIVE
    html = browser.get("/join/status/").content.decode()
    assert "not approved" in html
    assert "We don&#x27;t know you" in html
    assert sim_shares(plexsim, user_id) == []
    assert not Operation.objects.filter(kind="join.redeem").exists()


@pytest.mark.parametrize("persona", ["member", "outsider"])
def test_only_admins_decide(
    persona, request, synced, plexsim, django_capture_on_commit_callbacks, no_sleep
) -> None:
    _link, code = make_link(needs_approval=True)
    request_join(plexsim, code, "someone", django_capture_on_commit_callbacks, no_sleep)
    redemption = Redemption.objects.get()
    who = request.getfixturevalue(persona)
    assert who.client.post(f"/links/approvals/{redemption.pk}/approve/").status_code == 403
    assert who.client.post(f"/links/approvals/{redemption.pk}/deny/").status_code == 403
    redemption.refresh_from_db()
    assert redemption.state == Redemption.APPROVAL
