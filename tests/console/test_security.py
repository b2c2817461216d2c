"""RELIABILITY scenarios 4, 13, 15 and 29 on the console's forms."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from accounts.models import Member, User
from sharing import operations
from sharing.forms import new_key
from sharing.models import Operation
from tests.console.conftest import operations_for, share_of

pytestmark = pytest.mark.django_db

MOVIES = 118181361


def csrf_client(owner) -> tuple[Client, str]:  # type: ignore[no-untyped-def]
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner.user)
    client.get("/people/")
    return client, client.cookies[django_settings.CSRF_COOKIE_NAME].value


def test_an_htmx_post_needs_the_csrf_token_and_a_same_origin(owner, synced, edit_form) -> None:
    share = share_of("alex.rivera")
    client, token = csrf_client(owner)
    url = f"/people/shares/{share.pk}/edit/"
    data = edit_form(share, libraries=[MOVIES])
    assert client.post(url, data, HTTP_HX_REQUEST="true").status_code == 403
    evil = client.post(
        url,
        data,
        HTTP_HX_REQUEST="true",
        HTTP_X_CSRFTOKEN=token,
        HTTP_ORIGIN="https://evil.example",
    )
    assert evil.status_code == 403
    assert not Operation.objects.exists()
    good = client.post(url, data, HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token)
    assert good.status_code == 200
    assert len(operations_for(share)) == 1


def test_the_body_carries_the_csrf_header_for_htmx(owner, synced) -> None:
    html = owner.client.get("/people/").content.decode()
    assert 'hx-headers=\'{"x-csrftoken": "' in html


EXTRA_FIELDS = {
    "is_superuser": "on",
    "is_staff": "on",
    "owner": "1",
    "plex_token": "stolen-token",
    "uses": "9",
    "max_uses": "99",
    "created_by": "1",
    "actor": "1",
    "state": "succeeded",
    "attempts": "0",
    "target_id": "1",
}


def test_extra_fields_never_reach_an_operation_or_a_user(
    owner, synced, edit_form, django_capture_on_commit_callbacks
) -> None:
    share = share_of("alex.rivera")
    with django_capture_on_commit_callbacks(execute=False):
        owner.client.post(
            f"/people/shares/{share.pk}/edit/",
            {**edit_form(share, libraries=[MOVIES]), **EXTRA_FIELDS},
        )
        owner.client.post(
            "/people/invite/send/",
            {
                "key": new_key(),
                "who": "x@example.com",
                "libraries": [MOVIES],
                "allow_tuners": "0",
                **EXTRA_FIELDS,
            },
        )
    edit = Operation.objects.get(kind="share.edit")
    invite = Operation.objects.get(kind="friend.invite")
    assert set(edit.params) == {"label", "changes", "before", "request_digest"}
    assert set(edit.params["changes"]) == {"libraries"}
    assert set(invite.params) == {"label", "address", "servers", "access", "request_digest"}
    assert edit.state == invite.state == Operation.QUEUED
    assert edit.actor == invite.actor == owner.user
    assert edit.target_id == str(share.pk)
    user = User.objects.get(pk=owner.user.pk)
    assert not user.is_superuser
    assert not user.is_staff
    assert Member.objects.get(user=user).role == Member.Role.OWNER


@hsettings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    who=st.text(max_size=300),
    labels=st.text(max_size=400),
    tuners=st.text(max_size=5),
    libraries=st.lists(st.text(max_size=12), max_size=4),
)
def test_odd_invite_input_is_answered_without_a_crash_or_a_plex_tv_call(
    owner, synced, plexsim, who: str, labels: str, tuners: str, libraries: list[str]
) -> None:
    Operation.objects.all().delete()
    plexsim.clear_requests()
    response = owner.client.post(
        "/people/invite/send/",
        {
            "key": new_key(),
            "who": who,
            "filter_movies__labels": labels,
            "allow_tuners": tuners,
            "libraries": libraries,
        },
    )
    assert response.status_code in (302, 400)
    assert plexsim.requests() == []
    if response.status_code == 400:
        assert not Operation.objects.exists()
        assert "<script>" not in who or "<script>" not in response.content.decode()


def test_nothing_is_published_when_the_transaction_rolls_back(
    owner, synced, django_capture_on_commit_callbacks
) -> None:
    share = share_of("alex.rivera")

    def submit(key: str) -> None:
        operations.submit("share.edit", Operation.TARGET_SHARE, share.pk, {"label": "x"}, None, key)

    def failing_view() -> None:
        with transaction.atomic():
            submit("rolled-back-0001")
            raise RuntimeError("the view failed after writing the operation")

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError):
        failing_view()
    assert callbacks == []
    assert not Operation.objects.exists()

    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        submit("committed-0002")
    assert len(callbacks) == 1
    assert Operation.objects.count() == 1


def test_task_messages_carry_the_operation_id_only(owner, synced, edit_form, monkeypatch) -> None:
    from sharing import tasks

    sent: list[Any] = []
    monkeypatch.setattr(
        tasks.apply_operation, "delay_on_commit", lambda *a, **kw: sent.append((a, kw))
    )
    share = share_of("alex.rivera")
    owner.client.post(f"/people/shares/{share.pk}/edit/", edit_form(share, libraries=[MOVIES]))
    [op] = operations_for(share)
    assert sent == [((op.pk,), {})]
