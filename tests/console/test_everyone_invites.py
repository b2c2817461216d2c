"""Pending invites as rows of the people screen's "Everyone" list."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models.functions import Lower
from django.test.utils import CaptureQueriesContext

from sharing import operations
from sharing.forms import new_key
from sharing.models import Invite, Operation, PlexUser, Server, Share
from tests.console.conftest import CABIN, DEN

pytestmark = pytest.mark.django_db

URL = "/people/"
KAI_SHARE, NINA_SHARE = 30013, 30014


def invite_addresses(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        server.invite.address for row in response.context["pending_rows"] for server in row.servers
    ]


def person_names(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [row.person.display_name for row in response.context["rows"]]


def test_everyone_lists_pending_invites_with_a_badge_and_their_actions(owner, synced) -> None:
    kai = Invite.objects.get(shared_server_id=KAI_SHARE)
    nina = Invite.objects.get(shared_server_id=NINA_SHARE)
    response = owner.client.get(URL)
    assert sorted(invite_addresses(response)) == sorted([kai.address, nina.address])
    assert "alex.rivera" in person_names(response)
    html = response.content.decode()
    assert f'<tr id="invite-{nina.pk}" class="invite-row">' in html
    assert html.count("pending invite</span>") == 2
    for invite in (kai, nina):
        assert f'href="/people/invites/{invite.pk}/resend/confirm/"' in html
        assert f'href="/people/invites/{invite.pk}/cancel/confirm/"' in html
    assert "Morgan&#x27;s Den · 2 libraries" in html  # nina: Movies and TV Shows
    assert "Page" not in html  # 2 invites and 8 people fit one page


def test_the_invite_rows_follow_the_server_filter_and_the_search(owner, synced) -> None:
    den = Server.objects.get(machine_identifier=DEN)
    cabin = Server.objects.get(machine_identifier=CABIN)
    assert len(invite_addresses(owner.client.get(URL, {"server": den.pk}))) == 2
    assert invite_addresses(owner.client.get(URL, {"server": cabin.pk})) == []
    searched = owner.client.get(URL, {"q": "nina"})
    assert invite_addresses(searched) == ["nina@example.com"]
    assert person_names(searched) == []
    assert "Nobody" not in searched.content.decode()


@pytest.mark.parametrize("kind", ["friend", "home", "managed"])
def test_other_kinds_list_no_invites(owner, synced, kind: str) -> None:
    response = owner.client.get(URL, {"kind": kind})
    assert invite_addresses(response) == []
    assert "pending invite</span>" not in response.content.decode()


def test_an_invite_with_a_change_under_way_says_so(owner, synced) -> None:
    nina = Invite.objects.get(shared_server_id=NINA_SHARE)
    Operation.objects.create(
        kind="invite.cancel",
        target_type=Operation.TARGET_INVITE,
        target_id=str(nina.pk),
        idempotency_key="busy-invite-0001",
    )
    rows = {row.servers[0].invite.pk: row for row in owner.client.get(URL).context["pending_rows"]}
    assert rows[nina.pk].busy
    assert not rows[Invite.objects.get(shared_server_id=KAI_SHARE).pk].busy


def test_cancelling_from_the_everyone_row_removes_it(
    owner, synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    nina = Invite.objects.get(shared_server_id=NINA_SHARE)
    confirm = owner.client.get(f"/people/invites/{nina.pk}/cancel/confirm/").content.decode()
    assert f'action="/people/invites/{nina.pk}/cancel/"' in confirm
    with django_capture_on_commit_callbacks(execute=False):
        owner.client.post(f"/people/invites/{nina.pk}/cancel/", {"key": new_key()})
    op = Operation.objects.get(kind="invite.cancel")
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    assert NINA_SHARE not in {s["id"] for s in plexsim.state()["shares"]}
    assert invite_addresses(owner.client.get(URL)) == [
        Invite.objects.get(shared_server_id=KAI_SHARE).address
    ]


def add_people(count: int) -> None:
    server = Server.objects.get(machine_identifier=DEN)
    start = PlexUser.objects.count()
    people = [
        PlexUser(plex_id=5_000_000 + start + i, username=f"many{start + i:04d}")
        for i in range(count)
    ]
    PlexUser.objects.bulk_create(people)
    Share.objects.bulk_create(
        Share(user=p, server=server, shared_server_id=7_000_000 + start + i)
        for i, p in enumerate(people)
    )


def add_invites(count: int) -> None:
    server = Server.objects.get(machine_identifier=DEN)
    start = Invite.objects.count()
    Invite.objects.bulk_create(
        Invite(shared_server_id=6_000_000 + start + i, server=server, email=f"inv{start + i}@x.org")
        for i in range(count)
    )


def test_pages_run_invites_first_then_people_without_gaps_or_repeats(owner, synced) -> None:
    add_people(70)
    add_invites(30)
    people = PlexUser.objects.filter(removed_locally_at__isnull=True).count()
    assert people == 79  # the demo's nine and the seventy added
    pages = [owner.client.get(URL, {"page": n}) for n in (1, 2, 3)]
    assert [len(p.context["pending_rows"]) for p in pages] == [32, 0, 0]
    assert [len(p.context["rows"]) for p in pages] == [18, 50, 11]
    listed = [name for page in pages for name in person_names(page)]
    assert len(listed) == len(set(listed)) == people
    in_order = PlexUser.objects.filter(removed_locally_at__isnull=True).order_by(
        Lower("title"), Lower("username"), "plex_id"
    )
    assert listed == [p.display_name for p in in_order]  # their own order, after the invites
    assert "Page 1 of 3 · 111 in all" in pages[0].content.decode()


def queries(client, **params: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL, params).status_code == 200
    return len(captured)


def test_the_query_count_does_not_grow_with_invites_or_people(owner, synced) -> None:
    few = queries(owner.client)  # the demo: 2 invites and 9 people on one page
    add_people(120)
    add_invites(80)
    invites_only = queries(owner.client)  # page 1: 50 of the 82 invites
    mixed = queries(owner.client, page="2")  # the other 32 invites and 18 people
    people_only = queries(owner.client, page="4")
    assert few == mixed
    assert invites_only < mixed
    assert people_only <= mixed
    # session, user, member, household, Home-invite lookups, last played and the invite tree
    # (the page's inviters, the filter's list of inviters)
    assert mixed <= 14
