"""Invites within a quota: the jamie scenario against plexsim, the server-side checks of a
member's link, atomic counting under concurrent requests, and the admin's allowance screens."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
from django.db import connection

from accounts.models import Member
from joins.models import InviteLink, Redemption
from members import allowances
from members.models import Allowance
from sharing.models import PlexUser
from tests.joins.conftest import DEN, MOVIES, MUSIC, TV, new_account, no_sleep  # noqa: F401
from tests.joins.test_join_flow import join, sim_shares
from tests.personas import Persona

pytestmark = pytest.mark.django_db


def give(owner: Persona, member: Persona, *libraries: int, **fields: Any) -> Any:
    body = {
        "max_people": "2",
        "period": "total",
        "libraries": [str(i) for i in libraries],
        **fields,
    }
    return owner.client.post(f"/me/allowances/{member.user.member.pk}/", body)


def new_link(member: Persona, *libraries: int, people: int = 1, **fields: Any) -> Any:
    body = {
        "label": "for a friend",
        "people": str(people),
        "libraries": [str(i) for i in libraries],
        **fields,
    }
    return member.client.post("/me/invites/", body)


def code_in(html: str) -> str:
    match = re.search(r"/join/([A-Za-z0-9_-]{20,})", html)
    assert match, "no invite URL on the page"
    return match.group(1)


def test_jamie_brings_in_one_person_within_the_allowance(
    synced,
    plexsim,
    owner,
    jamie,
    django_capture_on_commit_callbacks,
    no_sleep,  # noqa: F811
) -> None:
    response = give(owner, jamie, MOVIES, TV)
    assert response.status_code == 302, response.content.decode()[:2000]
    allowance = Allowance.objects.get(member__user=jamie.user)
    assert allowance.max_people == 2
    assert allowance.needs_approval is False  # the box was not ticked
    # jamie makes a link for two people with Movies and TV Shows.
    response = new_link(jamie, MOVIES, TV, people=2)
    assert response.status_code == 200, response.content.decode()[:2000]
    code = code_in(response.content.decode())
    link = InviteLink.objects.get()
    assert link.created_by == jamie.user
    assert link.max_uses == 2
    # A new account joins and gets exactly those libraries at plexsim.
    newbie = new_account(plexsim, "newbie")
    join(plexsim, code, "newbie", django_capture_on_commit_callbacks, no_sleep)
    [share] = sim_shares(plexsim, newbie)
    assert share["machineIdentifier"] == DEN
    assert sorted(share["sectionIds"]) == [MOVIES, TV]
    assert Redemption.objects.get().state == Redemption.DONE
    usage = owner.client.get("/me/allowances/").content.decode()
    row = usage.split(f'data-allowance="{allowance.pk}"')[1].split("</tr>")[0]
    assert re.findall(r"<td>(\d+)</td>", row) == ["0", "1"]  # places left, people joined
    # The allowance is spent: a third invite is refused, nothing created.
    response = new_link(jamie, MOVIES)
    assert response.status_code == 400
    assert "0 places left" in response.content.decode()
    assert InviteLink.objects.count() == 1
    # A crafted POST for Music is refused with a clear message, nothing created.
    allowances.disable_link(jamie.user.member, link.pk)  # one place back
    response = new_link(jamie, MUSIC)
    assert response.status_code == 400
    assert "Your allowance does not include Music" in response.content.decode()
    assert InviteLink.objects.count() == 1
    # The owner sees jamie → newbie on the new person's page and on jamie's.
    from tests.members.conftest import run_sync

    run_sync()
    person = PlexUser.objects.get(plex_id=newbie)
    html = owner.client.get(f"/me/tree/{person.pk}/").content.decode()
    assert "Brought in by <strong>Jamie</strong>" in html
    jamie_person = PlexUser.objects.get(plex_id=jamie.user.plex_account.plex_id)
    html = owner.client.get(f"/me/tree/{jamie_person.pk}/").content.decode()
    assert "newbie" in html
    page = owner.client.get(f"/people/{person.pk}/").content.decode()
    assert f"/me/tree/{person.pk}/" in page


def test_the_allowance_cannot_reach_beyond_the_members_own_access(synced, owner, member) -> None:
    """alex has Movies and TV Shows on the Den: Music needs the owner's explicit tick."""
    response = give(owner, member, MOVIES, MUSIC)
    assert response.status_code == 400
    assert "do not have Music themselves" in response.content.decode()
    assert not Allowance.objects.exists()
    response = give(owner, member, MOVIES, MUSIC, beyond_own_access="on")
    assert response.status_code == 302
    assert allowances.as_wanted(Allowance.objects.get().grants) == {DEN: {MOVIES, MUSIC}}


def test_a_link_longer_than_the_allowance_or_without_places_is_refused(
    synced, owner, jamie
) -> None:
    give(owner, jamie, MOVIES, max_access_days="30", needs_approval="on")
    assert new_link(jamie, MOVIES, access_days="31").status_code == 400
    assert new_link(jamie, MOVIES, people=3, access_days="30").status_code == 400
    assert new_link(jamie, MOVIES, access_days="").status_code == 400
    assert not InviteLink.objects.exists()
    assert Allowance.objects.get().used == 0
    assert new_link(jamie, MOVIES, access_days="30").status_code == 200
    link = InviteLink.objects.get()
    assert link.needs_approval is True
    assert link.access_days == 30
    assert link.grants["servers"][0]["access"]["allow_sync"] is False


def test_a_member_without_an_allowance_creates_nothing(synced, member) -> None:
    assert "no invite allowance" in member.client.get("/me/invites/").content.decode()
    response = new_link(member, MOVIES)
    assert response.status_code == 400
    assert not InviteLink.objects.exists()


def test_revoking_disables_the_open_links(synced, owner, jamie) -> None:
    give(owner, jamie, MOVIES)
    new_link(jamie, MOVIES)
    response = owner.client.post(f"/me/allowances/{jamie.user.member.pk}/revoke/")
    assert response.status_code == 302
    assert InviteLink.objects.get().disabled_at is not None
    assert new_link(jamie, MOVIES).status_code == 400
    html = owner.client.get("/me/allowances/").content.decode()
    assert "revoked" in html


def test_a_member_cannot_disable_someone_elses_link(synced, owner, jamie, member) -> None:
    give(owner, jamie, MOVIES)
    new_link(jamie, MOVIES)
    link = InviteLink.objects.get()
    assert member.client.post(f"/me/invites/{link.pk}/disable/").status_code == 404
    link.refresh_from_db()
    assert link.disabled_at is None


def test_a_monthly_allowance_starts_again_each_month(synced, owner, jamie) -> None:
    give(owner, jamie, MOVIES, period="month", max_people="1")
    assert new_link(jamie, MOVIES).status_code == 200
    assert new_link(jamie, MOVIES).status_code == 400
    Allowance.objects.update(period_start="2000-01-01")  # last used in another month
    assert new_link(jamie, MOVIES).status_code == 200
    assert InviteLink.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_links_never_exceed_the_allowance(household, plexsim) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the race is measured on PostgreSQL (DATABASE_URL)")
    from tests import factories
    from tests.members.conftest import run_sync

    run_sync()
    account = factories.plex_account("jamie", title="Jamie", plex_id=1001002)
    member = Member.objects.get(user=factories.user_for(account, Member.Role.MEMBER))
    allowance = Allowance.objects.create(
        member=member,
        max_people=3,
        grants=allowances.as_grants({DEN: {MOVIES}}),
        needs_approval=False,
    )
    racers = 12
    barrier = threading.Barrier(racers)
    results: list[str] = []
    lock = threading.Lock()

    def race(n: int) -> None:
        try:
            barrier.wait()
            asked = allowances.LinkRequest(f"link {n}", {MOVIES}, 1, None)
            try:
                allowances.create_link(member, asked)
                outcome = "made"
            except allowances.Refused:
                outcome = "refused"
            with lock:
                results.append(outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=race, args=(n,)) for n in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("made") == 3
    assert results.count("refused") == racers - 3
    allowance.refresh_from_db()
    assert allowance.used == 3
    assert InviteLink.objects.count() == 3


def test_a_disabled_member_link_gives_its_places_back_and_stays_unusable(
    synced, owner, jamie
) -> None:
    give(owner, jamie, MOVIES, max_people="1")
    assert new_link(jamie, MOVIES).status_code == 200
    link = InviteLink.objects.get()
    assert jamie.client.post(f"/me/invites/{link.pk}/disable/").status_code == 302
    assert Allowance.objects.get().used == 0
    # The owner enabling it again on the links screen does not reopen it: its place is gone.
    owner.client.post(f"/links/{link.pk}/enable/")
    assert not InviteLink.usable().filter(pk=link.pk).exists()
    assert new_link(jamie, MOVIES).status_code == 200
    assert Allowance.objects.get().used == 1


def test_a_members_link_says_who_invites_to_whose_plex(synced, owner, jamie) -> None:
    give(owner, jamie, MOVIES, TV)
    code = code_in(new_link(jamie, MOVIES).content.decode())
    from django.test import Client

    invitee = Client()
    invitee.get(f"/join/{code}")
    page = invitee.get("/join/").content.decode()
    owner_name = owner.user.plex_account.display_name
    assert f"<h1>Jamie invites you to {owner_name}'s Plex</h1>" in page
    # The owner's own links keep the plain wording.
    link = InviteLink.objects.get()
    link.created_by = owner.user
    link.save(update_fields=["created_by"])
    page = invitee.get("/join/").content.decode()
    assert f"{owner_name} invites you to their Plex" in page


def test_a_refused_link_keeps_the_libraries_that_were_ticked(synced, owner, jamie) -> None:
    give(owner, jamie, MOVIES, TV)
    response = new_link(jamie, MOVIES, people=5)  # more people than the allowance has places
    assert response.status_code == 400
    page = response.content.decode()
    assert re.search(rf'value="{MOVIES}" checked', page)
    assert not re.search(rf'value="{TV}" checked', page)
    assert not InviteLink.objects.exists()
