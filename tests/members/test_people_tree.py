"""The invite tree on the People list: an "Invited by" column, a filter by inviter, and a
query count that does not grow with the number of people brought in."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from joins.models import InviteLink, Redemption, hash_code
from sharing.models import PlexUser, Server, Share
from tests.joins.conftest import DEN, MOVIES
from tests.personas import Persona

pytestmark = pytest.mark.django_db

PRIYA, TOMASZ, CHEN = 1001011, 1001012, 1001013


def link_by(user: User, label: str = "for friends") -> InviteLink:
    return InviteLink.objects.create(
        label=label,
        code_hash=hash_code(secrets.token_urlsafe(16)),
        grants={"servers": [{"machine": DEN, "libraries": [MOVIES]}]},
        max_uses=100,
        created_by=user,
    )


def joined(link: InviteLink, plex_id: int, state: str = Redemption.DONE, **fields: Any) -> None:
    Redemption.objects.create(
        link=link, plex_id=plex_id, state=state, counted=state != Redemption.DENIED, **fields
    )


@pytest.fixture
def tree(synced: Any, owner: Persona, jamie: Persona) -> dict[str, InviteLink]:
    """jamie brought in priya and chen.li; the owner's own link brought in tomasz."""
    mine = link_by(jamie.user)  # type: ignore[arg-type]
    joined(mine, PRIYA)
    joined(mine, CHEN)
    theirs = link_by(owner.user, "owner's link")  # type: ignore[arg-type]
    joined(theirs, TOMASZ)
    # priya used the owner's link later as well: her inviter stays jamie.
    joined(theirs, PRIYA)
    return {"jamie": mine, "owner": theirs}


def row_of(html: str, plex_id: int) -> str:
    person = PlexUser.objects.get(plex_id=plex_id)
    return html.split(f'id="person-{person.pk}"')[1].split("</tr>")[0]


def test_it_shows_who_brought_each_person_in(tree, owner, jamie) -> None:
    html = owner.client.get("/people/").content.decode()
    assert '<th scope="col">Invited by</th>' in html
    jamie_id = jamie.user.plex_account.plex_id
    assert f'href="/people/?by={jamie_id}"' in row_of(html, PRIYA)
    assert ">Jamie</a>" in row_of(html, PRIYA)
    assert ">Jamie</a>" in row_of(html, CHEN)
    assert ">Morgan</a>" in row_of(html, TOMASZ)
    assert "Jamie" not in row_of(html, 1001010)  # alex was invited by hand
    assert '<span class="muted">—</span>' in row_of(html, 1001010)


def test_it_filters_the_people_someone_brought_in(tree, owner, jamie) -> None:
    jamie_id = jamie.user.plex_account.plex_id
    response = owner.client.get("/people/", {"by": str(jamie_id)})
    listed = {row.person.plex_id for row in response.context["rows"]}
    assert listed == {PRIYA, CHEN}
    assert response.context["pending_rows"] == []
    html = response.content.decode()
    assert f'<option value="{jamie_id}" selected>Jamie</option>' in html
    assert "People brought in by <strong>Jamie</strong>" in html
    # The filter combines with the others and keeps itself across pages.
    response = owner.client.get("/people/", {"by": str(jamie_id), "q": "chen"})
    assert {row.person.plex_id for row in response.context["rows"]} == {CHEN}
    assert f"by={jamie_id}" in response.context["base_params"]
    # With htmx the results alone, filtered the same way.
    partial = owner.client.get("/people/", {"by": str(jamie_id)}, HTTP_HX_REQUEST="true")
    assert {row.person.plex_id for row in partial.context["rows"]} == {PRIYA, CHEN}


def test_someone_who_brought_nobody_in_lists_nobody(tree, owner) -> None:
    response = owner.client.get("/people/", {"by": "1001010"})
    assert response.context["rows"] == []
    assert "Nobody brought in by this account matches this list." in response.content.decode()


def test_a_denied_request_brings_nobody_in(tree, owner, jamie) -> None:
    joined(tree["jamie"], 1001014, state=Redemption.DENIED)
    html = owner.client.get("/people/").content.decode()
    assert "Jamie" not in row_of(html, 1001014)


def test_the_person_page_and_the_list_agree(tree, owner, jamie) -> None:
    """priya joined through jamie's link and then the owner's: both pages say jamie."""
    priya = PlexUser.objects.get(plex_id=PRIYA)
    html = owner.client.get(f"/me/tree/{priya.pk}/").content.decode()
    assert "Brought in by <strong>Jamie</strong>" in html
    jamie_person = PlexUser.objects.get(plex_id=jamie.user.plex_account.plex_id)
    html = owner.client.get(f"/me/tree/{jamie_person.pk}/").content.decode()
    for plex_id in (PRIYA, CHEN):
        assert PlexUser.objects.get(plex_id=plex_id).display_name in html
    assert PlexUser.objects.get(plex_id=TOMASZ).display_name not in html
    owners = owner.client.get(
        f"/me/tree/{PlexUser.objects.get(plex_id=TOMASZ).pk}/"
    ).content.decode()
    assert "Brought in by <strong>Morgan</strong>" in owners


def queries_with_invitees(owner: Persona, link: InviteLink, count: int) -> int:
    server = Server.objects.get(machine_identifier=DEN)
    start = PlexUser.objects.count()
    people = [
        PlexUser(plex_id=5_000_000 + start + i, username=f"friend{start + i}") for i in range(count)
    ]
    PlexUser.objects.bulk_create(people)
    Share.objects.bulk_create(
        Share(user=p, server=server, shared_server_id=7_000_000 + start + i)
        for i, p in enumerate(people)
    )
    Redemption.objects.bulk_create(
        Redemption(link=link, plex_id=p.plex_id, state=Redemption.DONE, counted=True)
        for p in people
    )
    with CaptureQueriesContext(connection) as queries:
        response = owner.client.get("/people/", {"sort": "added"})
    assert response.status_code == 200
    assert sum(1 for row in response.context["rows"] if row.inviter) >= min(count, 40)
    return len(queries)


def test_its_query_count_does_not_grow_with_the_invite_tree(tree, owner) -> None:
    few = queries_with_invitees(owner, tree["jamie"], 3)
    many = queries_with_invitees(owner, tree["jamie"], 60)
    assert few == many
    assert many <= 14
