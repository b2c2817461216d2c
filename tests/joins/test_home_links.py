"""Links into the Plex Home: Plex Pass and room checked when the link is made and when it is
used; the invitee is invited into the Home and gets the link's libraries."""

from __future__ import annotations

import pytest

from accounts.models import Household
from joins.models import InviteLink
from sharing.models import HomeInvite, Operation
from tests.joins.conftest import MOVIES, TV, link_body, make_link, new_account
from tests.joins.test_join_flow import join, sim_shares

pytestmark = pytest.mark.django_db


def test_a_home_link_needs_plex_pass(owner, synced) -> None:
    owner_account = Household.current().owner  # type: ignore[union-attr]
    owner_account.has_plex_pass = False
    owner_account.save()
    response = owner.client.post("/links/new/", link_body(kind="home"))
    assert "A Plex Home needs Plex Pass." in response.content.decode()
    assert not InviteLink.objects.exists()


def test_a_home_link_invites_into_the_home_and_shares_the_libraries(
    owner, synced, plexsim, django_capture_on_commit_callbacks, no_sleep
) -> None:
    response = owner.client.post("/links/new/", link_body(kind="home"))
    assert response.status_code == 200
    link = InviteLink.objects.get()
    assert link.kind == InviteLink.HOME
    _link, code = make_link(kind="home")
    user_id = new_account(plexsim, "homebound")
    browser, _attempt, outcome = join(
        plexsim, code, "homebound", django_capture_on_commit_callbacks, no_sleep
    )
    assert outcome == "finished"
    invites = [i for i in plexsim.state()["homeInvites"] if i["userId"] == user_id]
    assert len(invites) == 1
    [share] = sim_shares(plexsim, user_id)
    assert sorted(share["sectionIds"]) == [MOVIES, TV]
    assert HomeInvite.objects.filter(plex_id=user_id).exists()
    html = browser.get("/join/status/").content.decode()
    assert "invited into the owner's Plex Home" in html


def test_someone_already_in_the_home_is_not_invited_again(
    synced, plexsim, django_capture_on_commit_callbacks, no_sleep
) -> None:
    _link, code = make_link(kind="home")
    other = plexsim.mutate(op="add_account", username="elsewhere", password="pw-elsewhere")
    plexsim.mutate(op="add_home_user", ownerId=1001001, username="elsewhere")
    join(plexsim, code, "elsewhere", django_capture_on_commit_callbacks, no_sleep)
    op = Operation.objects.get(kind="join.redeem")
    assert op.state == Operation.SUCCEEDED
    assert "is in your Home already" in op.message
    assert not [i for i in plexsim.state()["homeInvites"] if i["userId"] == other["userId"]]
