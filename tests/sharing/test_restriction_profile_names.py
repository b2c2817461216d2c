"""One name per restriction profile on every screen: plex.tv's `little_kid`, `older_kid` and
`teen` read "Younger Kid", "Older Kid" and "Teen" on People, a person's page, the Switch
list, the viewing-as page, the forms, operation messages and the audit trail."""

from __future__ import annotations

import re

import pytest

from sharing import restriction_profiles
from sharing.forms import PROFILE_CHOICES, ManagedUserForm
from sharing.models import PlexUser
from sharing.templatetags.console_tags import restriction_profile
from tests.console.conftest import run_sync

pytestmark = pytest.mark.django_db

CODES = re.compile(r"little_kid|older_kid|Littlekid|Olderkid|Little kid|profile: ")


def _text(html: str) -> str:
    """What a reader sees: the page without tags (option values and attributes are code)."""
    return re.sub(r"<[^>]+>", " ", html)


@pytest.fixture
def synced_home(household, plexsim):  # type: ignore[no-untyped-def]
    run_sync()
    sam = PlexUser.objects.get(title="Sam")
    sam.restriction_profile = "older_kid"
    sam.save(update_fields=["restriction_profile"])
    plexsim.mutate(op="set_account", userId=sam.plex_id, restrictionProfile="older_kid")
    return {"ellie": PlexUser.objects.get(title="Ellie"), "sam": sam}


def test_every_screen_uses_the_same_names(owner, synced_home) -> None:
    people = owner.client.get("/people/").content.decode()
    ellie = owner.client.get(f"/people/{synced_home['ellie'].pk}/").content.decode()
    switch = owner.client.get("/switch/").content.decode()
    for page in (people, ellie, switch):
        assert "Younger Kid" in _text(page)
        assert not CODES.search(_text(page)), CODES.search(_text(page))
    assert "Older Kid" in _text(people)
    assert "Older Kid" in _text(switch)
    assert '<span class="badge" title="Restriction profile">Younger Kid</span>' in ellie


def test_viewing_as_a_member_names_their_profile(owner, synced_home) -> None:
    response = owner.client.post(f"/switch/{synced_home['sam'].pk}/", {"pin": ""})
    assert response["Location"] == "/switch/viewing/"
    content = owner.client.get("/switch/viewing/").content.decode()
    assert "<dt>Restriction profile</dt><dd>Older Kid</dd>" in content


def test_the_forms_offer_the_same_names() -> None:
    assert PROFILE_CHOICES == [
        ("", "No restrictions"),
        ("little_kid", "Younger Kid"),
        ("older_kid", "Older Kid"),
        ("teen", "Teen"),
    ]
    field = ManagedUserForm(libraries=[], home_room=3).fields["profile"]
    assert list(field.choices) == PROFILE_CHOICES  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("little_kid", "Younger Kid"),
        ("older_kid", "Older Kid"),
        ("teen", "Teen"),
        ("", "No restrictions"),
        (None, "No restrictions"),
        ("Younger Kid", "Younger Kid"),
        ("grown_up", "Grown Up"),
    ],
)
def test_one_mapping_names_each_value(value, shown) -> None:
    assert restriction_profiles.profile_label(value) == shown
    assert restriction_profile(value) == shown
