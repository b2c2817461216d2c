"""The links screen's disable and enable on a member's link keep the allowance's count."""

from __future__ import annotations

import pytest

from joins.models import InviteLink
from members.models import Allowance, MemberLink
from tests.joins.conftest import MOVIES, TV, link_body
from tests.members.test_allowances import give, new_link

pytestmark = pytest.mark.django_db


def test_it_gives_the_unused_places_back_like_the_members_own_disable(synced, owner, jamie) -> None:
    give(owner, jamie, MOVIES, TV)
    assert new_link(jamie, MOVIES, people=2).status_code == 200
    link = InviteLink.objects.get()
    InviteLink.objects.filter(pk=link.pk).update(uses=1)  # one person joined through it
    assert Allowance.objects.get().used == 2
    response = owner.client.post(f"/links/{link.pk}/disable/")
    assert response.status_code == 302
    assert Allowance.objects.get().used == 1  # the person who joined still counts
    assert MemberLink.objects.get().released
    link.refresh_from_db()
    assert link.disabled_at is not None
    assert not InviteLink.usable().filter(pk=link.pk).exists()
    # jamie has the place back at once.
    assert new_link(jamie, MOVIES).status_code == 200
    assert Allowance.objects.get().used == 2


def test_it_gives_places_back_once_whoever_disables_first(synced, owner, jamie) -> None:
    give(owner, jamie, MOVIES, max_people="3")
    assert new_link(jamie, MOVIES, people=2).status_code == 200
    assert new_link(jamie, MOVIES).status_code == 200
    first, second = InviteLink.objects.order_by("pk")
    assert owner.client.post(f"/links/{first.pk}/disable/").status_code == 302
    assert owner.client.post(f"/links/{first.pk}/disable/").status_code == 302
    assert jamie.client.post(f"/me/invites/{first.pk}/disable/").status_code == 302
    assert Allowance.objects.get().used == 1  # the second link's place only
    assert jamie.client.post(f"/me/invites/{second.pk}/disable/").status_code == 302
    assert owner.client.post(f"/links/{second.pk}/disable/").status_code == 302
    assert Allowance.objects.get().used == 0


def test_enabling_a_members_disabled_link_again_is_refused(synced, owner, jamie) -> None:
    give(owner, jamie, MOVIES, max_people="1")
    assert new_link(jamie, MOVIES).status_code == 200
    link = InviteLink.objects.get()
    owner.client.post(f"/links/{link.pk}/disable/")
    response = owner.client.post(f"/links/{link.pk}/enable/", follow=True)
    html = response.content.decode()
    assert "cannot be enabled again" in html
    assert "Jamie can make a new link" in html
    link.refresh_from_db()
    assert link.disabled_at is not None
    assert not InviteLink.usable().filter(pk=link.pk).exists()
    # The place stays jamie's: a new link takes it, a second one finds none.
    assert Allowance.objects.get().used == 0
    assert new_link(jamie, MOVIES).status_code == 200
    assert new_link(jamie, MOVIES).status_code == 400


def test_an_admins_own_link_is_disabled_and_enabled_as_before(synced, owner) -> None:
    assert owner.client.post("/links/new/", link_body()).status_code == 200
    link = InviteLink.objects.get()
    assert owner.client.post(f"/links/{link.pk}/disable/").status_code == 302
    assert not InviteLink.usable().filter(pk=link.pk).exists()
    response = owner.client.post(f"/links/{link.pk}/enable/", follow=True)
    assert "The link works again." in response.content.decode()
    assert InviteLink.usable().filter(pk=link.pk).exists()


def test_unknown_links_are_not_found(synced, owner) -> None:
    assert owner.client.post("/links/999999/disable/").status_code == 404
    assert owner.client.post("/links/999999/enable/").status_code == 404
    assert owner.client.post(f"/links/{2**64}/disable/").status_code == 404


def test_a_refused_member_link_answers_htmx_in_place(synced, owner, jamie) -> None:
    """With htmx the reason comes back as a 200 in the page's region (a 4xx would be a console
    error in the browser); without JavaScript the same page is a 400."""
    from tests.joins.conftest import MUSIC

    give(owner, jamie, MOVIES)
    body = {"label": "crafted", "people": "1", "libraries": [str(MUSIC)]}
    response = jamie.client.post("/me/invites/", body, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="link-refused"' in html
    assert "Your allowance does not include Music" in html
    assert jamie.client.post("/me/invites/", body).status_code == 400
    assert not InviteLink.objects.exists()


def test_deleting_a_members_link_gives_its_unused_places_back(synced, owner, jamie) -> None:
    give(owner, jamie, MOVIES, TV)
    assert new_link(jamie, MOVIES, people=2).status_code == 200
    link = InviteLink.objects.get()
    InviteLink.objects.filter(pk=link.pk).update(uses=1)
    assert owner.client.post(f"/links/{link.pk}/delete/").status_code == 302
    assert not InviteLink.objects.exists()
    assert Allowance.objects.get().used == 1  # the person who joined still counts
