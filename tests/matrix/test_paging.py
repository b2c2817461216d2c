"""The matrix of a server shared with hundreds of people: pages of 100 rows read from the
database page by page, the search and the kind filter over everyone, kept from page to page."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sharing.models import Library, PlexUser, Share, ShareLibrary
from sharing.views.matrix import ROWS_PER_PAGE
from tests.matrix.conftest import MOVIES

CROWD = 250


@pytest.fixture
def crowd(den):  # type: ignore[no-untyped-def]
    """250 more friends on the den, each with Movies: "guest 000" to "guest 249"."""
    users = PlexUser.objects.bulk_create(
        PlexUser(
            plex_id=7_000_000 + n,
            username=f"guest{n:03d}",
            title=f"guest {n:03d}",
            email=f"guest{n:03d}@crowd.example",
        )
        for n in range(CROWD)
    )
    shares = Share.objects.bulk_create(
        Share(user=user, server=den, shared_server_id=70_000 + n) for n, user in enumerate(users)
    )
    movies = Library.objects.get(global_id=MOVIES)
    ShareLibrary.objects.bulk_create(ShareLibrary(share=s, library=movies) for s in shares)
    return den


def rows(html: str) -> list[str]:
    return re.findall(r'<tr id="row-(\d+)"', html)


def names(html: str) -> list[str]:
    return re.findall(r'<th scope="row">([^<]+?) <span class="badge">', html)


def page(owner, den, query: str = "") -> str:  # type: ignore[no-untyped-def]
    response = owner.client.get(f"/matrix/{den.pk}/{query}")
    assert response.status_code == 200
    return response.content.decode()


def test_it_shows_a_hundred_people_a_page_and_every_one_across_the_pages(owner, crowd) -> None:
    total = Share.objects.filter(server=crowd, shared_server_id__isnull=False).count()
    pages = -(-total // ROWS_PER_PAGE)
    seen: list[str] = []
    for number in range(1, pages + 1):
        html = page(owner, crowd, f"?page={number}")
        assert f"Page {number} of {pages}" in html
        found = rows(html)
        assert len(found) == (ROWS_PER_PAGE if number < pages else total - len(seen))
        seen += found
    assert len(seen) == len(set(seen)) == total


def test_the_rows_keep_their_order_from_one_page_to_the_next(owner, crowd) -> None:
    first, second = names(page(owner, crowd)), names(page(owner, crowd, "?page=2"))
    guests = [n for n in first + second if n.startswith("guest ")]
    assert guests == sorted(guests)
    assert not set(first) & set(second)


def test_a_later_page_costs_the_same_queries_as_the_first(owner, crowd) -> None:
    def count(query: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            page(owner, crowd, query)
        return len(queries)

    assert count("?page=3") == count("")


def test_search_finds_someone_beyond_the_first_page(owner, crowd) -> None:
    assert "guest 240" not in page(owner, crowd)
    html = page(owner, crowd, "?q=GUEST+240")
    assert names(html) == ["guest 240"]
    assert "Page 1 of" not in html  # one page of results: no pager


def test_search_matches_the_e_mail_too(owner, crowd) -> None:
    assert names(page(owner, crowd, "?q=guest123%40crowd")) == ["guest 123"]


def test_a_search_spanning_pages_keeps_the_search_in_the_pager(owner, crowd) -> None:
    html = page(owner, crowd, "?q=guest&kind=friends")
    assert "Page 1 of 3" in html
    assert 'href="?q=guest&amp;kind=friends&amp;page=2"' in html
    second = page(owner, crowd, "?q=guest&kind=friends&page=2")
    assert all(n.startswith("guest ") for n in names(second))
    assert len(rows(second)) == ROWS_PER_PAGE


def test_the_kind_filter_leaves_the_crowd_out_of_home(owner, crowd) -> None:
    html = page(owner, crowd, "?kind=home")
    assert not [n for n in names(html) if n.startswith("guest ")]


def test_a_page_past_the_end_shows_the_last_page(owner, crowd) -> None:
    total = Share.objects.filter(server=crowd, shared_server_id__isnull=False).count()
    pages = -(-total // ROWS_PER_PAGE)
    html = page(owner, crowd, "?page=99")
    assert f"Page {pages} of {pages}" in html
    assert len(rows(html)) == total - (pages - 1) * ROWS_PER_PAGE


def test_nobody_matching_says_so(owner, crowd) -> None:
    html = page(owner, crowd, "?q=nobody-by-this-name")
    assert "Nobody matches." in html
    assert not rows(html)
