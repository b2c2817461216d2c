"""Editing a share: POST-only, admins only, read-modify-write, version precondition."""

from __future__ import annotations

from typing import Any

import pytest

from sharing import operations
from sharing.models import AuditEvent, Operation, Share
from tests.console.conftest import (
    CABIN,
    operations_for,
    plex_writes,
    share_of,
    sim_settings,
    sim_share,
)

pytestmark = pytest.mark.django_db

PRIYA = 1001011
ALEX = 1001010
MOVIES, TV, MUSIC, PHOTOS, KIDS = 118181361, 118181362, 118181363, 118181364, 118181365


def url(share: Share) -> str:
    return f"/people/shares/{share.pk}/edit/"


def test_it_rejects_get_and_head(owner, synced) -> None:
    share = share_of("alex.rivera")
    assert owner.client.get(url(share)).status_code == 405
    assert owner.client.head(url(share)).status_code == 405
    assert not Operation.objects.exists()


def test_it_sends_anonymous_visitors_to_sign_in(anonymous, synced, edit_form) -> None:
    share = share_of("alex.rivera")
    response = anonymous.client.post(url(share), edit_form(share))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sign-in/")
    assert not Operation.objects.exists()


@pytest.mark.parametrize("persona", ["member", "outsider"])
def test_it_refuses_people_who_do_not_administer(persona, request, synced, edit_form) -> None:
    who = request.getfixturevalue(persona)
    share = share_of("alex.rivera")
    response = who.client.post(url(share), edit_form(share, allow_sync=None))
    assert response.status_code == 403
    assert not Operation.objects.exists()


def test_it_answers_404_for_a_share_outside_the_household(owner, synced, plexsim) -> None:
    response = owner.client.post("/people/shares/999999/edit/", {"key": "a" * 32})
    assert response.status_code == 404
    assert plexsim.requests() == []


def test_it_queues_one_operation_after_commit(
    owner, synced, edit_form, django_capture_on_commit_callbacks
) -> None:
    share = share_of("alex.rivera")
    with django_capture_on_commit_callbacks() as callbacks:
        response = owner.client.post(url(share), edit_form(share, libraries=[MOVIES, MUSIC]))
    assert response.status_code == 302
    assert response["Location"] == f"/people/{share.user_id}/"
    assert len(callbacks) == 1
    [op] = operations_for(share)
    assert op.state == Operation.QUEUED
    assert op.kind == "share.edit"
    assert op.params["changes"] == {"libraries": [MOVIES, MUSIC]}
    assert op.params["before"] == {"libraries": [MOVIES, TV]}
    share.refresh_from_db()
    assert share.version == 2


def test_it_applies_the_edit_at_plexsim_and_records_it(
    owner, synced, edit_form, plexsim, django_capture_on_commit_callbacks
) -> None:
    share = share_of("alex.rivera")
    body = edit_form(share, libraries=[MOVIES, MUSIC], allow_sync=None, allow_channels="on")
    with django_capture_on_commit_callbacks(execute=False):
        owner.client.post(url(share), body)
    [op] = operations_for(share)

    outcome = operations.execute(op.pk)

    assert outcome.state == Operation.SUCCEEDED
    assert sorted(sim_share(plexsim, share.shared_server_id)["sectionIds"]) == [MOVIES, MUSIC]
    remote = sim_settings(plexsim, ALEX)
    assert (remote["allowSync"], remote["allowChannels"]) == (False, True)
    share.refresh_from_db()
    assert (share.allow_sync, share.allow_channels) == (False, True)
    assert sorted(share.libraries.values_list("global_id", flat=True)) == [MOVIES, MUSIC]
    assert share.desired["libraries"] == [MOVIES, MUSIC]
    event = AuditEvent.objects.get(action="share.edit")
    assert event.source == AuditEvent.DASHBOARD
    assert event.actor == owner.user
    assert event.result == AuditEvent.OK
    assert {"field": "allow_sync", "before": True, "after": False} in event.changes
    assert {"field": "libraries", "before": [MOVIES, TV], "after": [MOVIES, MUSIC]} in event.changes


def test_it_keeps_what_the_form_does_not_show(
    owner, synced, edit_form, plexsim, django_capture_on_commit_callbacks
) -> None:
    # plex.tv holds an excluded rating, an unknown clause and a photo filter; the editor
    # shows none of them, so an edit of the movie labels must leave them as they are.
    plexsim.mutate(
        op="set_settings",
        userId=PRIYA,
        settings={
            "filterMovies": "contentRating!=R|label!=Horror|year>=1990",
            "filterPhotos": "label=Family",
            "allowTuners": 2,
        },
    )
    from tests.console.conftest import run_sync

    run_sync()
    share = share_of("priya")
    body = edit_form(share, filter_movies__excluded_labels="Horror, Gore")
    with django_capture_on_commit_callbacks(execute=False):
        assert owner.client.post(url(share), body).status_code == 302
    [op] = operations_for(share)
    assert operations.execute(op.pk).state == Operation.SUCCEEDED

    remote = sim_settings(plexsim, PRIYA)
    clauses = set(remote["filterMovies"].split("|"))
    assert clauses == {"contentRating!=R", "label!=Horror%2CGore", "year>=1990"}
    assert remote["filterPhotos"] == "label=Family"
    assert remote["allowTuners"] == 2


def test_it_refuses_the_second_of_two_edits_from_the_same_version(
    owner, co_admin, synced, edit_form, plexsim, django_capture_on_commit_callbacks
) -> None:
    share = share_of("alex.rivera")
    first = edit_form(share, libraries=[MOVIES])
    second = edit_form(share, libraries=[MOVIES, PHOTOS])
    with django_capture_on_commit_callbacks(execute=False):
        assert owner.client.post(url(share), first).status_code == 302
        response = co_admin.client.post(url(share), second)
    assert response.status_code == 409
    page = response.content.decode()
    assert "changed by someone else" in page
    assert 'name="version" value="2"' in page
    assert len(operations_for(share)) == 1
    assert plex_writes(plexsim) == []


def test_it_does_not_act_twice_on_a_resent_form(
    owner, synced, edit_form, django_capture_on_commit_callbacks
) -> None:
    share = share_of("alex.rivera")
    body = edit_form(share, libraries=[MOVIES])
    with django_capture_on_commit_callbacks(execute=False):
        first = owner.client.post(url(share), body)
        assert "Change queued" in owner.client.get(first["Location"]).content.decode()
        again = owner.client.post(url(share), body)
    assert again.status_code == 302
    assert len(operations_for(share)) == 1
    [op] = operations_for(share)
    page = owner.client.get(again["Location"]).content.decode()
    assert "already submitted" in page
    assert "Change queued" not in page
    assert f'id="operation-{op.pk}"' in page


def test_a_reused_key_with_other_values_is_refused_with_409(
    owner, synced, edit_form, plexsim, django_capture_on_commit_callbacks
) -> None:
    # The trial: the same key with allow_sync, then with allow_channels, said "Change queued".
    share = share_of("alex.rivera")
    first = edit_form(share, allow_channels="on")
    second = {**edit_form(share, allow_camera_upload="on"), "key": first["key"]}
    with django_capture_on_commit_callbacks(execute=False):
        queued = owner.client.post(url(share), first)
        owner.client.get(queued["Location"])  # the first answer's "Change queued" is read
        again = owner.client.post(url(share), second)
        htmx = owner.client.post(url(share), second, HTTP_HX_REQUEST="true")
    [op] = operations_for(share)
    for response in (again, htmx):
        assert response.status_code == 409
        html = response.content.decode()
        assert "already used for a different change" in html
        assert "Change queued" not in html
        assert f'id="operation-{op.pk}"' in html
    assert op.params["changes"] == {"allow_channels": True}
    assert plex_writes(plexsim) == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"libraries": []}, "Pick at least one library"),
        ({"libraries": [118290001]}, "Select a valid choice"),
        ({"libraries": ["nope"]}, "Select a valid choice"),
        ({"allow_tuners": "7"}, "Select a valid choice"),
        ({"filter_movies__labels": "a\x00b"}, "NUL character"),
        ({"expires_at": "2001-01-01"}, "a day after today"),
        ({"key": "not-a-key-but-long-enough"}, "out of date"),
    ],
)
def test_it_rejects_invalid_input_before_calling_plex_tv(
    owner, synced, edit_form, plexsim, overrides: dict[str, Any], message: str
) -> None:
    share = share_of("alex.rivera")
    response = owner.client.post(url(share), edit_form(share, **overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Operation.objects.exists()
    assert plexsim.requests() == []


def test_it_explains_that_a_profile_excludes_filters(owner, synced, edit_form) -> None:
    share = Share.objects.get(user__title="Sam", server__machine_identifier=CABIN)
    response = owner.client.post(url(share), edit_form(share, filter_television__labels="Anime"))
    assert response.status_code == 400
    assert "restriction profile" in response.content.decode()
    assert not Operation.objects.exists()


def test_it_answers_htmx_with_the_share_card(
    owner, synced, edit_form, django_capture_on_commit_callbacks
) -> None:
    share = share_of("alex.rivera")
    with django_capture_on_commit_callbacks(execute=False):
        response = owner.client.post(
            url(share), edit_form(share, libraries=[MOVIES]), HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert f'id="share-{share.pk}"' in html
    [op] = operations_for(share)
    assert f'hx-get="/people/operations/{op.pk}/"' in html
    assert 'hx-trigger="every 500ms"' in html


def test_it_lets_a_co_admin_edit(
    co_admin, synced, edit_form, django_capture_on_commit_callbacks
) -> None:
    share = share_of("alex.rivera")
    with django_capture_on_commit_callbacks(execute=False):
        response = co_admin.client.post(url(share), edit_form(share, libraries=[TV]))
    assert response.status_code == 302
    [op] = operations_for(share)
    assert op.actor == co_admin.user
