"""Removing someone who brought people in, or revoking their allowance: keep those people
(the default) or remove them too, one removal operation each, never anyone else."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Member
from members.models import Allowance
from sharing import operations
from sharing.forms import new_key
from sharing.models import Operation, PlexUser
from sharing.operations.home import REMOVE_HOME_USER
from sharing.operations.invites import REMOVE_FRIEND
from tests import factories
from tests.joins.conftest import DEN, MOVIES
from tests.members.test_people_tree import CHEN, PRIYA, TOMASZ, joined, link_by
from tests.personas import Persona

pytestmark = pytest.mark.django_db

ALEX, DEV = 1001010, 1001015


@pytest.fixture
def brought(synced: Any, owner: Persona, jamie: Persona) -> dict[str, PlexUser]:
    """jamie (a Home member) brought in priya and chen.li; the owner brought in tomasz."""
    mine = link_by(jamie.user)  # type: ignore[arg-type]
    joined(mine, PRIYA)
    joined(mine, CHEN)
    joined(link_by(owner.user, "owner's"), TOMASZ)  # type: ignore[arg-type]
    people = PlexUser.objects.filter(plex_id__in=[PRIYA, CHEN, TOMASZ])
    found = {p.plex_id: p for p in people}
    jamie_person = PlexUser.objects.get(plex_id=jamie.user.plex_account.plex_id)
    return {
        "jamie": jamie_person,
        "priya": found[PRIYA],
        "chen": found[CHEN],
        "tomasz": found[TOMASZ],
    }


def remove_jamie(client: Any, capture: Any, person: PlexUser, **fields: Any) -> Any:
    with capture(execute=False):
        return client.post(f"/people/{person.pk}/home/remove/", {"key": new_key(), **fields})


def removed() -> set[tuple[str, str]]:
    return set(Operation.objects.values_list("kind", "target_id"))


def test_the_confirmation_says_how_many_they_brought_in(brought, owner) -> None:
    jamie = brought["jamie"]
    for url in (f"/people/{jamie.pk}/home/remove/confirm/", f"/people/{jamie.pk}/"):
        html = owner.client.get(url).content.decode()
        assert f"{jamie.display_name} brought in 2 people:" in html
        assert '<input type="radio" name="invited" value="keep" checked> keep them' in html
        assert '<input type="radio" name="invited" value="remove"> remove them too' in html
        for who in ("priya", "chen"):
            assert f'name="invitee" value="{brought[who].pk}"' in html
        assert f'value="{brought["tomasz"].pk}"' not in html
    assert not Operation.objects.exists()


def test_someone_who_brought_nobody_in_is_not_asked(brought, owner) -> None:
    tomasz = brought["tomasz"]
    html = owner.client.get(f"/people/{tomasz.pk}/remove/confirm/").content.decode()
    assert 'name="invited"' not in html


def test_keeping_them_removes_only_the_person(
    brought, owner, django_capture_on_commit_callbacks
) -> None:
    jamie = brought["jamie"]
    response = remove_jamie(owner.client, django_capture_on_commit_callbacks, jamie)
    assert response.status_code == 302
    assert removed() == {(REMOVE_HOME_USER, str(jamie.pk))}
    # "keep" said outright, with the list posted, is the same.
    Operation.objects.all().delete()
    remove_jamie(
        owner.client,
        django_capture_on_commit_callbacks,
        jamie,
        invited="keep",
        invitee=[str(brought["priya"].pk), str(brought["chen"].pk)],
    )
    assert removed() == {(REMOVE_HOME_USER, str(jamie.pk))}


def test_removing_them_too_queues_one_removal_each(
    brought, owner, plexsim, django_capture_on_commit_callbacks
) -> None:
    jamie, priya, chen = brought["jamie"], brought["priya"], brought["chen"]
    key = new_key()
    body = {"key": key, "invited": "remove", "invitee": [str(priya.pk), str(chen.pk)]}
    with django_capture_on_commit_callbacks(execute=False):
        response = owner.client.post(f"/people/{jamie.pk}/home/remove/", body, follow=True)
    assert response.status_code == 200
    assert "Also removing the people" in response.content.decode()
    assert removed() == {
        (REMOVE_HOME_USER, str(jamie.pk)),
        (REMOVE_FRIEND, str(priya.pk)),
        (REMOVE_FRIEND, str(chen.pk)),
    }
    # The form sent again queues nothing more.
    with django_capture_on_commit_callbacks(execute=False):
        owner.client.post(f"/people/{jamie.pk}/home/remove/", body)
    assert Operation.objects.count() == 3
    # The removals run through the normal path, as if the admin had removed each by hand.
    op = Operation.objects.get(kind=REMOVE_FRIEND, target_id=str(priya.pk))
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    assert not [s for s in plexsim.state()["shares"] if s.get("userId") == PRIYA]


def test_only_the_people_listed_are_removed(
    brought, owner, django_capture_on_commit_callbacks
) -> None:
    jamie, priya = brought["jamie"], brought["priya"]
    remove_jamie(
        owner.client,
        django_capture_on_commit_callbacks,
        jamie,
        invited="remove",
        invitee=[str(priya.pk)],
    )
    assert removed() == {(REMOVE_HOME_USER, str(jamie.pk)), (REMOVE_FRIEND, str(priya.pk))}


@pytest.mark.parametrize(
    "fields",
    [
        {"invited": "remove", "invitee": ["tomasz"]},  # brought in by the owner, not jamie
        {"invited": "remove", "invitee": ["priya", "tomasz"]},
        {"invited": "remove", "invitee": ["jamie"]},
        {"invited": "remove", "invitee": ["999999"]},
        {"invited": "remove", "invitee": ["²"]},
        {"invited": "remove"},
        {"invited": "everyone", "invitee": ["priya"]},
    ],
)
def test_a_crafted_post_removes_nobody(
    brought, owner, django_capture_on_commit_callbacks, fields
) -> None:
    ids = [str(brought[v].pk) if v in brought else v for v in fields.get("invitee", [])]
    response = remove_jamie(
        owner.client,
        django_capture_on_commit_callbacks,
        brought["jamie"],
        **{**fields, "invitee": ids},
    )
    assert response.status_code == 400
    assert not Operation.objects.exists()
    # With htmx the refusal comes in place, and still nothing is queued.
    with django_capture_on_commit_callbacks(execute=False):
        partial = owner.client.post(
            f"/people/{brought['jamie'].pk}/home/remove/",
            {"key": new_key(), **fields, "invitee": ids},
            HTTP_HX_REQUEST="true",
        )
    assert 'role="alert"' in partial.content.decode()
    assert not Operation.objects.exists()


def test_removing_a_friend_who_brought_people_in(
    synced, owner, django_capture_on_commit_callbacks
) -> None:
    """alex is a friend with a member's sign-in who brought dev.okafor in."""
    account = factories.plex_account("alex.rivera", title="Alex Rivera", plex_id=ALEX)
    alex_user = factories.user_for(account, Member.Role.MEMBER)
    joined(link_by(alex_user), DEV)
    alex = PlexUser.objects.get(plex_id=ALEX)
    dev = PlexUser.objects.get(plex_id=DEV)
    html = owner.client.get(f"/people/{alex.pk}/remove/confirm/").content.decode()
    assert "brought in 1 person:" in html
    with django_capture_on_commit_callbacks(execute=False):
        owner.client.post(
            f"/people/{alex.pk}/remove/",
            {"key": new_key(), "invited": "remove", "invitee": [str(dev.pk)]},
        )
    assert removed() == {(REMOVE_FRIEND, str(alex.pk)), (REMOVE_FRIEND, str(dev.pk))}


def give_jamie(jamie: Persona) -> Allowance:
    from members import allowances

    return Allowance.objects.create(
        member=jamie.user.member,  # type: ignore[union-attr]
        max_people=2,
        grants=allowances.as_grants({DEN: {MOVIES}}),
    )


def test_revoking_an_allowance_asks_and_keeps_them_by_default(
    brought, owner, jamie, django_capture_on_commit_callbacks
) -> None:
    allowance = give_jamie(jamie)
    url = f"/me/allowances/{allowance.member_id}/revoke/"
    html = owner.client.get(url).content.decode()
    assert "brought in 2 people:" in html
    assert 'value="keep" checked' in html
    with django_capture_on_commit_callbacks(execute=False):
        assert owner.client.post(url, {"key": new_key()}).status_code == 302
    allowance.refresh_from_db()
    assert allowance.revoked_at is not None
    assert not Operation.objects.exists()


def test_revoking_an_allowance_can_remove_them_too(
    brought, owner, jamie, django_capture_on_commit_callbacks
) -> None:
    allowance = give_jamie(jamie)
    url = f"/me/allowances/{allowance.member_id}/revoke/"
    body = {"key": new_key(), "invited": "remove", "invitee": [str(brought["chen"].pk)]}
    with django_capture_on_commit_callbacks(execute=False):
        assert owner.client.post(url, body).status_code == 302
    assert removed() == {(REMOVE_FRIEND, str(brought["chen"].pk))}
    # jamie keeps their own access: revoking the allowance is not removing jamie.
    assert not Operation.objects.filter(target_id=str(brought["jamie"].pk)).exists()


def test_a_crafted_revoke_changes_nothing(
    brought, owner, jamie, django_capture_on_commit_callbacks
) -> None:
    allowance = give_jamie(jamie)
    url = f"/me/allowances/{allowance.member_id}/revoke/"
    body = {"key": new_key(), "invited": "remove", "invitee": [str(brought["tomasz"].pk)]}
    with django_capture_on_commit_callbacks(execute=False):
        assert owner.client.post(url, body).status_code == 400
    allowance.refresh_from_db()
    assert allowance.revoked_at is None
    assert not Operation.objects.exists()
