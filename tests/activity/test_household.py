"""The household activity page: roles, charts, people, bad input, and no plex.tv call."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from activity.models import Collection, Play

pytestmark = pytest.mark.django_db


def test_it_lets_admins_in_and_keeps_others_out(
    collected, owner, co_admin, member, outsider, anonymous
) -> None:
    assert owner.client.get("/activity/").status_code == 200
    assert co_admin.client.get("/activity/").status_code == 200
    assert member.client.get("/activity/").status_code == 403
    assert outsider.client.get("/activity/").status_code == 403
    response = anonymous.client.get("/activity/")
    assert response.status_code == 302
    assert "/accounts/sign-in/" in response["Location"]


def test_it_renders_from_the_database_without_calling_plex_tv(collected, owner, plexsim) -> None:
    response = owner.client.get("/activity/")
    assert response.status_code == 200
    assert plexsim.requests() == []


def test_it_shows_recent_plays_and_the_months_charts(collected, owner) -> None:
    page = owner.client.get("/activity/").content.decode()
    assert "Recent plays" in page
    latest = Play.objects.order_by("-viewed_at").first()
    assert latest is not None
    assert latest.label in page
    for caption in ("Most active people", "Least active people", "Plays per server"):
        assert caption in page
    assert 'class="column"' in page
    assert "Morgan&#x27;s Den" in page


def test_the_least_active_include_people_who_never_played(collected, owner) -> None:
    response = owner.client.get("/activity/")
    least = [bar.label for bar in response.context["least_active"]]
    assert "dev.okafor" in least
    assert response.context["least_active"][0].value == 0


def test_a_past_month_shows_that_months_plays(collected, owner) -> None:
    month = (timezone.localdate().replace(day=1) - timedelta(days=40)).strftime("%Y-%m")
    response = owner.client.get("/activity/", {"month": month})
    assert response.status_code == 200
    assert response.context["month"].key == month
    start = response.context["month"].start
    expected = Play.objects.filter(
        viewed_at__gte=start, viewed_at__lt=response.context["month"].end
    ).count()
    assert response.context["total"] == expected > 0


@pytest.mark.parametrize("month", ["2026-13", "junk", "0000-01", "2026-1", "9" * 40])
def test_a_bad_month_gets_a_clear_message(collected, owner, month) -> None:
    response = owner.client.get("/activity/", {"month": month})
    assert response.status_code == 200
    assert "Choose a month as YYYY-MM" in response.content.decode() or "at most" in (
        response.content.decode()
    )
    assert response.context["month"].key == timezone.localdate().strftime("%Y-%m")


def test_a_bad_month_leaves_the_other_filters_working(collected, owner) -> None:
    response = owner.client.get("/activity/", {"month": "13-2026", "inactive": "90"})
    assert "Choose a month as YYYY-MM" in response.content.decode()
    names = {person.username for person in response.context["people"].object_list}
    assert names == {"grandma.ruth", "dev.okafor"}


def test_the_people_list_filters_by_inactivity(collected, owner) -> None:
    response = owner.client.get("/activity/", {"inactive": "90", "region": "people"})
    names = {person.username for person in response.context["people"].object_list}
    assert names == {"grandma.ruth", "dev.okafor"}


def test_the_people_list_answers_htmx_with_its_region(collected, owner) -> None:
    response = owner.client.get(
        "/activity/", {"inactive": "30", "sort": "name", "region": "people"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="people"')
    assert "Recent plays" not in body


def test_an_unknown_filter_value_is_explained_not_an_error(collected, owner) -> None:
    response = owner.client.get("/activity/", {"inactive": "7", "sort": "drop table"})
    assert response.status_code == 200
    assert "not one of the choices" in response.content.decode()


def test_the_page_takes_a_bounded_number_of_queries(
    collected, owner, django_assert_max_num_queries
) -> None:
    with django_assert_max_num_queries(20):
        owner.client.get("/activity/")


def test_collect_now_queues_one_run_and_refuses_get(collected, owner, co_admin) -> None:
    assert owner.client.get("/activity/collect/").status_code == 405
    response = owner.client.post("/activity/collect/")
    assert response.status_code == 302
    assert Collection.objects.filter(triggered_by=Collection.ADMIN, outcome="running").count() == 1
    owner.client.post("/activity/collect/")
    assert Collection.objects.filter(triggered_by=Collection.ADMIN).count() == 1


def test_members_cannot_collect(collected, member) -> None:
    assert member.client.post("/activity/collect/").status_code == 403
    assert not Collection.objects.filter(triggered_by=Collection.ADMIN).exists()


def test_the_status_partial_polls_while_running_and_reloads_when_done(collected, owner) -> None:
    run = Collection.objects.create(triggered_by=Collection.ADMIN)
    polling = owner.client.get("/activity/collect/status/", HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 1s"' in polling.content.decode()
    run.finish(Collection.SUCCEEDED)
    done = owner.client.get("/activity/collect/status/?was=running", HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"


def test_a_failed_collection_says_why(collected, owner) -> None:
    Collection.objects.create().finish(Collection.FAILED, "plex.tv is not answering properly.")
    page = owner.client.get("/activity/").content.decode()
    assert "The last collection failed" in page
    assert "plex.tv is not answering properly." in page


def test_an_empty_household_page_explains_itself(synced, owner) -> None:
    page = owner.client.get("/activity/").content.decode()
    assert "Not collected yet" in page
    assert "No plays stored yet" in page
