"""The invite form started from an access profile: prefilled, still editable, still validated."""

from __future__ import annotations

from typing import Any

import pytest

from joins.models import AccessProfile
from sharing import operations
from sharing.forms import new_key
from sharing.models import Operation
from tests.joins.conftest import CABIN, DEN, MOVIES, MUSIC, TV

pytestmark = pytest.mark.django_db

ANIME = 118290003
PAGE, SEND = "/people/invite/", "/people/invite/send/"


def access(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "allow_sync": True,
        "allow_camera_upload": False,
        "allow_channels": False,
        "allow_tuners": 1,
        "filter_movies": {"content_ratings": ["PG"], "labels": [], "excluded_labels": ["gore"]},
        "filter_television": {"content_ratings": [], "labels": [], "excluded_labels": []},
    }
    data.update(overrides)
    return data


def profile(name: str = "Friends", days: int | None = 14, **servers: Any) -> AccessProfile:
    entries = servers.get("entries") or [
        {"machine": DEN, "libraries": [MOVIES, TV], "access": access()}
    ]
    return AccessProfile.objects.create(
        name=name, grants={"servers": entries}, default_access_days=days
    )


def page_body(response: Any, **overrides: Any) -> dict[str, Any]:
    """What the browser posts back: the form as the page drew it, with `overrides`."""
    form = response.context["form"]
    body: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if value in (None, False, "", []):
            continue
        body[name] = "on" if value is True else value
    body.update({"who": "new.friend@example.com"}, **overrides)
    return {k: v for k, v in body.items() if v is not None}


def test_choosing_a_profile_fills_libraries_flags_filters_and_length(owner, synced) -> None:
    chosen = profile()
    response = owner.client.get(PAGE, {"profile": chosen.pk})
    assert response.status_code == 200
    form = response.context["form"]
    assert sorted(int(v) for v in form["libraries"].value()) == [MOVIES, TV]
    assert form["allow_sync"].value() is True
    assert form["allow_camera_upload"].value() is False
    assert str(form["allow_tuners"].value()) == "1"
    assert form["filter_movies__content_ratings"].value() == ["PG"]
    assert form["filter_movies__excluded_labels"].value() == "gore"
    assert form["access_days"].value() == "14"
    html = response.content.decode()
    assert f'<option value="{chosen.pk}" selected>Friends</option>' in html
    assert '<option value="14" selected>14 days</option>' in html
    assert "Started from the profile “Friends”" in html
    # Nothing was sent anywhere: the profile only fills the form.
    assert not Operation.objects.exists()


def test_the_page_without_a_profile_offers_them_and_starts_empty(owner, synced) -> None:
    profile()
    response = owner.client.get(PAGE)
    html = response.content.decode()
    assert "Start from a profile" in html
    assert ">Friends</option>" in html
    assert response.context["form"]["libraries"].value() in (None, [])


@pytest.mark.parametrize("value", ["999999", "abc", "-1", "1e3", "²", "١٢"])
def test_an_unknown_profile_says_so_and_starts_empty(owner, synced, value) -> None:
    response = owner.client.get(PAGE, {"profile": value})
    assert response.status_code == 200
    assert "That profile does not exist any more" in response.content.decode()
    assert response.context["form"]["libraries"].value() in (None, [])


def test_servers_that_differ_start_from_the_strictest(owner, synced) -> None:
    chosen = profile(
        entries=[
            {"machine": DEN, "libraries": [MOVIES], "access": access()},
            {
                "machine": CABIN,
                "libraries": [ANIME],
                "access": access(
                    allow_sync=False,
                    allow_tuners=0,
                    filter_movies={
                        "content_ratings": ["PG", "G"],
                        "labels": [],
                        "excluded_labels": ["scary"],
                    },
                ),
            },
        ]
    )
    response = owner.client.get(PAGE, {"profile": chosen.pk})
    form = response.context["form"]
    assert sorted(int(v) for v in form["libraries"].value()) == [MOVIES, ANIME]
    assert form["allow_sync"].value() is False
    assert str(form["allow_tuners"].value()) == "0"
    assert form["filter_movies__content_ratings"].value() == ["PG"]
    assert form["filter_movies__excluded_labels"].value() == "gore, scary"
    assert "starts from the strictest" in response.content.decode()


def test_sending_the_prefilled_form_invites_with_exactly_the_profile(
    owner, synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    chosen = profile()
    page = owner.client.get(PAGE, {"profile": chosen.pk})
    with django_capture_on_commit_callbacks(execute=False):
        response = owner.client.post(SEND, page_body(page))
    assert response.status_code == 302, response.content.decode()[:800]
    op = Operation.objects.get(kind="friend.invite")
    assert op.params["access_days"] == 14
    assert op.params["access"]["allow_sync"] is True
    assert op.params["access"]["filter_movies"]["excluded_labels"] == ["gore"]
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    [share] = [
        s
        for s in plexsim.state()["shares"]
        if s["machineIdentifier"] == DEN and s.get("invitedEmail") == "new.friend@example.com"
    ]
    assert sorted(share["sectionIds"]) == [MOVIES, TV]


def test_the_admin_can_change_the_prefilled_form(
    owner, synced, django_capture_on_commit_callbacks
) -> None:
    chosen = profile()
    page = owner.client.get(PAGE, {"profile": chosen.pk})
    body = page_body(page, libraries=[MUSIC], allow_sync=None, access_days="30")
    with django_capture_on_commit_callbacks(execute=False):
        assert owner.client.post(SEND, body).status_code == 302
    op = Operation.objects.get(kind="friend.invite")
    assert [s["libraries"] for s in op.params["servers"]] == [[MUSIC]]
    assert op.params["access"]["allow_sync"] is False
    assert op.params["access_days"] == 30


@pytest.mark.parametrize(
    "crafted",
    [
        {"access_days": "99999"},
        {"access_days": "0"},
        {"access_days": "abc"},
        {"libraries": [MOVIES, 999]},
        {"allow_tuners": "7"},
        {"filter_movies__content_ratings": ["XXX"]},
        {"filter_movies__excluded_labels": "a\x01b"},
    ],
)
def test_crafted_values_are_still_refused(owner, synced, plexsim, crafted) -> None:
    chosen = profile()
    page = owner.client.get(PAGE, {"profile": chosen.pk})
    body = {**page_body(page), "key": new_key(), **crafted}
    response = owner.client.post(SEND, body)
    assert response.status_code == 400
    assert "Start from a profile" in response.content.decode()
    assert not Operation.objects.exists()
    assert plexsim.requests() == []


def test_profiles_are_offered_to_admins_only(member, synced) -> None:
    chosen = profile()
    assert member.client.get(PAGE, {"profile": chosen.pk}).status_code == 403
