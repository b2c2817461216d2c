"""The people screen: roles, filters, search, sort, pagination, counters, badges, queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sharing.models import Operation, PlexUser, Server, Share
from tests.console.conftest import DEN, share_of

pytestmark = pytest.mark.django_db

URL = "/people/"


def names(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [row.person.display_name for row in response.context["rows"]]


def test_it_lists_everyone_with_access(owner, synced) -> None:
    response = owner.client.get(URL)
    assert response.status_code == 200
    listed = set(names(response))
    assert {"jamie", "Ellie", "Sam", "alex.rivera", "priya", "chen.li"} <= listed
    assert "Morgan" not in listed


def test_it_counts_home_members_and_people_shared_with(owner, synced) -> None:
    response = owner.client.get(URL)
    html = response.content.decode()
    # Home: morgan, jamie, Ellie, Sam. Shared: six friends and the two pending invitees.
    assert "Home members 4/15" in html
    assert "Shared with 8/100" in html


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("friend", {"alex.rivera", "priya", "tomasz", "chen.li", "grandma.ruth", "dev.okafor"}),
        ("home", {"jamie"}),
        ("managed", {"Ellie", "Sam"}),
    ],
)
def test_it_filters_by_kind(owner, synced, kind: str, expected: set[str]) -> None:
    assert set(names(owner.client.get(URL, {"kind": kind}))) == expected


def test_it_lists_pending_invites(owner, synced) -> None:
    html = owner.client.get(URL, {"kind": "pending"}).content.decode()
    assert "kai" in html
    assert "nina@example.com" in html


def test_it_filters_by_server(owner, synced) -> None:
    cabin = Server.objects.get(name="Cabin NAS")
    assert set(names(owner.client.get(URL, {"server": cabin.pk}))) == {
        "jamie",
        "Sam",
        "tomasz",
        "chen.li",
        "dev.okafor",
    }


def test_it_searches_names_and_emails(owner, synced) -> None:
    assert names(owner.client.get(URL, {"q": "RUTH"})) == ["grandma.ruth"]
    assert names(owner.client.get(URL, {"q": "priya@example"})) == ["priya"]


def test_it_sorts(owner, synced) -> None:
    ascending = names(owner.client.get(URL, {"sort": "name"}))
    descending = names(owner.client.get(URL, {"sort": "-name"}))
    assert ascending[0] == "alex.rivera"
    assert descending == list(reversed(ascending))


def test_it_shows_flags_and_badges(owner, synced) -> None:
    PlexUser.objects.filter(username="tomasz").update(missing_since="2026-01-01T00:00:00Z")
    share = share_of("chen.li")
    share.desired = {**share.observed_state(), "allow_sync": False}
    share.save(update_fields=["desired"])
    Operation.objects.create(
        kind="share.edit",
        target_type=Operation.TARGET_SHARE,
        target_id=str(share_of("alex.rivera").pk),
        idempotency_key="busy-0001",
    )
    rows = {r.person.display_name: r for r in owner.client.get(URL).context["rows"]}
    assert rows["tomasz"].person.flagged
    assert rows["tomasz"].live_tv
    assert rows["chen.li"].drift
    assert rows["alex.rivera"].busy
    assert rows["alex.rivera"].downloads
    assert rows["grandma.ruth"].filters == ["movies", "TV"]
    assert not rows["priya"].drift
    html = owner.client.get(URL).content.decode()
    assert "not on plex.tv" in html
    assert ">drift<" in html
    assert "change in progress" in html


def test_it_answers_htmx_with_the_results_only(owner, synced) -> None:
    response = owner.client.get(URL, {"q": "alex"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="people-results"' in html
    assert "alex.rivera" in html


@pytest.mark.parametrize("persona", ["member", "outsider"])
def test_it_is_for_admins_only(persona, request, synced) -> None:
    who = request.getfixturevalue(persona)
    response = who.client.get(URL)
    assert response.status_code == 403
    assert "alex.rivera" not in response.content.decode()


def test_it_sends_anonymous_visitors_to_sign_in(anonymous, synced) -> None:
    response = anonymous.client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sign-in/")


def test_it_paginates(owner, synced) -> None:
    server = Server.objects.get(machine_identifier=DEN)
    extra = [
        PlexUser(plex_id=3_000_000 + i, username=f"extra{i:03d}", title=f"Extra {i:03d}")
        for i in range(60)
    ]
    PlexUser.objects.bulk_create(extra)
    Share.objects.bulk_create(
        Share(user=p, server=server, shared_server_id=9_000_000 + i) for i, p in enumerate(extra)
    )
    first = owner.client.get(URL, {"q": "extra"})
    second = owner.client.get(URL, {"q": "extra", "page": 2})
    assert len(first.context["rows"]) == 50
    assert len(second.context["rows"]) == 10
    assert "Page 1 of 2 · 60 in all" in first.content.decode()
    assert "q=extra&amp;sort=name&amp;page=2" in first.content.decode()


def queries_for(client, count: int) -> int:  # type: ignore[no-untyped-def]
    server = Server.objects.get(machine_identifier=DEN)
    start = PlexUser.objects.count()
    people = [
        PlexUser(plex_id=4_000_000 + start + i, username=f"bulk{start + i}") for i in range(count)
    ]
    PlexUser.objects.bulk_create(people)
    Share.objects.bulk_create(
        Share(user=p, server=server, shared_server_id=8_000_000 + start + i)
        for i, p in enumerate(people)
    )
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


def test_its_query_count_does_not_grow_with_the_number_of_people(owner, synced) -> None:
    few = queries_for(owner.client, 5)
    many = queries_for(owner.client, 200)
    assert few == many
    # session, user, member, household, Home-invite lookups, last played and the invite tree
    # (the page's inviters, the filter's list of inviters) included
    assert many <= 14


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kind=st.text(max_size=20),
    server=st.text(max_size=30),
    q=st.text(max_size=300),
    sort=st.text(max_size=20),
    page=st.text(max_size=12),
)
def test_it_never_fails_on_odd_query_parameters(
    owner, synced, kind: str, server: str, q: str, sort: str, page: str
) -> None:
    params = {"kind": kind, "server": server, "q": q, "sort": sort, "page": page}
    response = owner.client.get(URL, {k: v.replace("\x00", "") for k, v in params.items()})
    assert response.status_code == 200


def test_it_escapes_the_search_text(owner, synced) -> None:
    html = owner.client.get(URL, {"q": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    "path", ["/people/", "/people/invite/", "/people/home/invite/", "/sharing/sync/"]
)
def test_pages_that_list_people_are_never_cached_nor_kept_in_htmx_history(
    owner, synced, path: str
) -> None:
    response = owner.client.get(path)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert 'hx-history="false"' in response.content.decode()


def test_the_person_page_is_never_cached_nor_kept_in_htmx_history(owner, synced) -> None:
    priya = PlexUser.objects.get(username="priya")
    response = owner.client.get(f"/people/{priya.pk}/")
    assert "no-store" in response["Cache-Control"]
    assert 'hx-history="false"' in response.content.decode()
