"""The operation status partial (polled while pending) and the Retry action."""

from __future__ import annotations

import json

import pytest

from sharing import operations
from sharing.forms import new_key
from sharing.models import Operation
from tests.console.conftest import operations_for, share_of

pytestmark = pytest.mark.django_db

MOVIES = 118181361


@pytest.fixture
def op(owner, synced, edit_form, django_capture_on_commit_callbacks) -> Operation:
    share = share_of("alex.rivera")
    with django_capture_on_commit_callbacks(execute=False):
        owner.client.post(f"/people/shares/{share.pk}/edit/", edit_form(share, libraries=[MOVIES]))
    [row] = operations_for(share)
    return row


def test_it_polls_while_the_operation_is_pending(owner, op) -> None:
    response = owner.client.get(f"/people/operations/{op.pk}/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'hx-trigger="every 500ms"' in html
    assert "Queued" in html
    assert "HX-Trigger" not in response.headers


def test_it_stops_polling_and_announces_the_end_once_finished(owner, op) -> None:
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    response = owner.client.get(f"/people/operations/{op.pk}/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "hx-trigger" not in html
    assert "Succeeded" in html
    assert json.loads(response.headers["HX-Trigger"]) == {"operationFinished": {"operation": op.pk}}


def test_it_shows_a_full_page_without_htmx(owner, op) -> None:
    response = owner.client.get(f"/people/operations/{op.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html
    assert "Edit share: alex.rivera on Morgan&#x27;s Den" in html


@pytest.mark.parametrize("persona", ["member", "outsider"])
def test_it_hides_operations_from_non_admins(persona, request, op) -> None:
    who = request.getfixturevalue(persona)
    assert who.client.get(f"/people/operations/{op.pk}/").status_code == 403
    assert who.client.post(f"/people/operations/{op.pk}/retry/").status_code == 403


def test_it_answers_404_for_an_unknown_operation(owner, synced) -> None:
    assert owner.client.get("/people/operations/424242/").status_code == 404
    assert owner.client.post("/people/operations/424242/retry/").status_code == 404


def test_it_rejects_get_on_retry(owner, op) -> None:
    assert owner.client.get(f"/people/operations/{op.pk}/retry/").status_code == 405


def test_it_offers_no_retry_when_plex_tv_refuses_the_change_itself(
    owner, synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        owner.client.post(
            "/people/invite/send/",
            {"key": new_key(), "who": "no.such.user", "libraries": [MOVIES], "allow_tuners": "0"},
        )
    op = Operation.objects.get(kind="friend.invite")
    assert operations.execute(op.pk).state == Operation.FAILED
    partial = owner.client.get(f"/people/operations/{op.pk}/", HTTP_HX_REQUEST="true")
    html = partial.content.decode()
    assert "plex.tv said: “User not found”" in html
    assert "/retry/" not in html
    with django_capture_on_commit_callbacks() as callbacks:
        owner.client.post(f"/people/operations/{op.pk}/retry/")
    assert callbacks == []
    op.refresh_from_db()
    assert op.state == Operation.FAILED


def test_it_offers_retry_on_failure_and_queues_the_operation_again(
    owner, op, plexsim, django_capture_on_commit_callbacks, settings
) -> None:
    settings.OPERATION_MAX_ATTEMPTS = 1
    plexsim.add_fault(
        action="status", status=503, body="", method="POST", path="/api/v2/shared_servers/*"
    )
    assert operations.execute(op.pk).state == Operation.FAILED
    page = owner.client.get(f"/people/operations/{op.pk}/", HTTP_HX_REQUEST="true")
    assert f'action="/people/operations/{op.pk}/retry/"' in page.content.decode()

    with django_capture_on_commit_callbacks() as callbacks:
        response = owner.client.post(f"/people/operations/{op.pk}/retry/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'hx-trigger="every 500ms"' in response.content.decode()
    assert len(callbacks) == 1
    op.refresh_from_db()
    assert (op.state, op.attempts, op.message) == (Operation.QUEUED, 0, "")


def test_it_does_not_retry_an_operation_that_did_not_fail(
    owner, op, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        response = owner.client.post(f"/people/operations/{op.pk}/retry/")
    assert response.status_code == 302
    assert callbacks == []


def test_retry_without_javascript_returns_to_the_page_it_was_on(
    owner, op, plexsim, django_capture_on_commit_callbacks, settings
) -> None:
    settings.OPERATION_MAX_ATTEMPTS = 1
    plexsim.add_fault(
        action="status", status=503, body="", method="POST", path="/api/v2/shared_servers/*"
    )
    assert operations.execute(op.pk).state == Operation.FAILED
    person_page = f"/people/{share_of('alex.rivera').user_id}/"
    assert 'name="back"' in owner.client.get(person_page).content.decode()
    for back, landing in (
        (person_page, f"{person_page}?op={op.pk}"),
        ("https://elsewhere.example/", f"/people/operations/{op.pk}/"),
    ):
        Operation.objects.filter(pk=op.pk).update(state=Operation.FAILED)
        with django_capture_on_commit_callbacks(execute=False):
            response = owner.client.post(f"/people/operations/{op.pk}/retry/", {"back": back})
        assert response["Location"] == landing
