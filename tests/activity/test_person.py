"""One person's plays (admins) and a member's own plays: filters, paging, reach."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from activity.models import Play
from sharing.models import PlexUser, Server
from tests.activity.conftest import CABIN

pytestmark = pytest.mark.django_db


def _person(username: str = "", title: str = "") -> PlexUser:
    return PlexUser.objects.get(**({"username": username} if username else {"title": title}))


def test_it_lists_a_persons_plays_newest_first_in_pages(collected, owner) -> None:
    ellie = _person(title="Ellie")
    response = owner.client.get(f"/activity/people/{ellie.pk}/")
    assert response.status_code == 200
    page = response.context["page"]
    assert page.paginator.count == Play.objects.filter(account_id=ellie.plex_id).count() > 50
    times = [play.viewed_at for play in page.object_list]
    assert times == sorted(times, reverse=True)
    second = owner.client.get(f"/activity/people/{ellie.pk}/", {"page": 2}).context["page"]
    assert not {p.pk for p in page.object_list} & {p.pk for p in second.object_list}


def test_it_shows_last_played_and_last_seen_per_server(collected, owner) -> None:
    chen = _person("chen.li")
    response = owner.client.get(f"/activity/people/{chen.pk}/")
    rows = response.context["activity_rows"]
    assert {row.server.name for row in rows} == {"Morgan's Den", "Cabin NAS"}
    assert response.context["last_played"] is not None
    assert response.context["last_seen"] is not None
    assert "Last seen by plex.tv" in response.content.decode()


def test_it_filters_by_date_range_and_server(collected, owner) -> None:
    chen = _person("chen.li")
    since = (timezone.localdate() - timedelta(days=30)).isoformat()
    until = (timezone.localdate() - timedelta(days=10)).isoformat()
    cabin = Server.objects.get(machine_identifier=CABIN)
    response = owner.client.get(
        f"/activity/people/{chen.pk}/", {"since": since, "until": until, "server": cabin.pk}
    )
    plays = list(response.context["page"].object_list)
    assert plays
    assert {p.server_id for p in plays} == {cabin.pk}
    for play in plays:
        local = timezone.localtime(play.viewed_at).date().isoformat()
        assert since <= local <= until


def test_an_htmx_filter_answers_with_the_plays_region(collected, owner) -> None:
    ellie = _person(title="Ellie")
    response = owner.client.get(
        f"/activity/people/{ellie.pk}/", {"since": "2026-01-01"}, HTTP_HX_REQUEST="true"
    )
    assert response.content.decode().lstrip().startswith('<section id="plays"')


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"since": "2026-02-30"}, "Check the filters"),
        ({"since": "not a date"}, "Check the filters"),
        ({"since": "2026-05-01", "until": "2026-04-01"}, "is after the"),
        ({"server": "999999"}, "Check the filters"),
        ({"server": "x" * 300}, "Check the filters"),
        ({"since": "0001-01-01"}, "between 1990 and 2200"),
    ],
)
def test_bad_filters_get_a_clear_message_and_no_plays(collected, owner, params, message) -> None:
    ellie = _person(title="Ellie")
    response = owner.client.get(f"/activity/people/{ellie.pk}/", params)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["page"].paginator.count == 0


def test_an_unknown_or_removed_person_is_not_found(collected, owner) -> None:
    assert owner.client.get("/activity/people/999999/").status_code == 404
    ruth = _person("grandma.ruth")
    PlexUser.objects.filter(pk=ruth.pk).update(removed_locally_at=timezone.now())
    assert owner.client.get(f"/activity/people/{ruth.pk}/").status_code == 404


def test_members_see_only_their_own_plays(collected, member, owner) -> None:
    alex = _person("alex.rivera")
    assert member.client.get(f"/activity/people/{alex.pk}/").status_code == 403
    response = member.client.get("/activity/mine/")
    assert response.status_code == 200
    plays = response.context["page"]
    assert plays.paginator.count == Play.objects.filter(account_id=alex.plex_id).count() > 0
    assert {p.account_id for p in plays.object_list} == {alex.plex_id}


def test_the_owner_sees_their_own_plays_under_their_account(collected, owner) -> None:
    response = owner.client.get("/activity/mine/")
    accounts = {p.account_id for p in response.context["page"].object_list}
    assert accounts == {1001001}


def test_outsiders_have_no_plays_page(collected, outsider, anonymous) -> None:
    assert outsider.client.get("/activity/mine/").status_code == 403
    assert anonymous.client.get("/activity/mine/").status_code == 302


def test_the_person_page_never_calls_plex_tv(collected, owner, plexsim) -> None:
    owner.client.get(f"/activity/people/{_person(title='Ellie').pk}/")
    assert plexsim.requests() == []
