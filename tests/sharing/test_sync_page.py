"""The sync history page, "Sync now" and confirming the removal of flagged people."""

from __future__ import annotations

import pytest
from django.utils import timezone

from sharing.models import AuditEvent, PlexUser, SyncRun
from tests.sharing.conftest import DEMO_OWNER_ID

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def no_runs_yet(owner, co_admin) -> None:
    """Signing an admin in queues the household's first sync; these tests start without it."""
    SyncRun.objects.all().delete()


def test_it_queues_the_first_sync_when_an_admin_first_signs_in(
    household, django_capture_on_commit_callbacks
) -> None:
    from accounts.models import User
    from tests.personas import _signed_in

    with django_capture_on_commit_callbacks() as callbacks:
        persona = _signed_in("owner", User.objects.get(plex_account=household.owner))
        _signed_in("owner again", persona.user)

    run = SyncRun.objects.get()
    assert (run.triggered_by, run.outcome, run.actor) == (
        SyncRun.ADMIN,
        SyncRun.QUEUED,
        persona.user,
    )
    assert len(callbacks) == 1


def test_it_lists_recent_runs_for_admins(owner) -> None:
    SyncRun.objects.create(
        owner_plex_id=DEMO_OWNER_ID,
        outcome=SyncRun.SUCCEEDED,
        created=31,
        plextv_requests=7,
        duration=0.42,
        started_at=timezone.now(),
    )

    response = owner.client.get("/sharing/sync/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "Recent syncs" in body
    assert "<td>31</td>" in body
    assert "0.42 s" in body
    assert 'action="/sharing/sync/now/"' in body


def test_it_shows_the_empty_answer_warning(co_admin) -> None:
    SyncRun.objects.create(
        owner_plex_id=DEMO_OWNER_ID,
        outcome=SyncRun.WARNING,
        warning="plex.tv returned 0 users; 6 expected.",
        finished_at=timezone.now(),
    )

    response = co_admin.client.get("/sharing/sync/")

    assert "plex.tv returned 0 users; 6 expected." in response.content.decode()


def test_it_refuses_members_and_outsiders(member, outsider, anonymous) -> None:
    assert member.client.get("/sharing/sync/").status_code == 403
    assert outsider.client.get("/sharing/sync/").status_code == 403
    assert anonymous.client.get("/sharing/sync/").status_code == 302
    assert anonymous.client.post("/sharing/sync/now/").status_code == 302
    assert SyncRun.objects.count() == 0


def test_it_rejects_get_on_actions(owner) -> None:
    assert owner.client.get("/sharing/sync/now/").status_code == 405
    assert owner.client.get("/sharing/sync/prune/").status_code == 405


def test_it_queues_a_sync_after_commit(owner, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        response = owner.client.post("/sharing/sync/now/", **HTMX)

    assert response.status_code == 200
    run = SyncRun.objects.get()
    assert run.outcome == SyncRun.QUEUED
    assert run.triggered_by == SyncRun.ADMIN
    assert run.actor == owner.user
    assert len(callbacks) == 1
    body = response.content.decode()
    assert 'id="sync-runs"' in body
    assert 'hx-trigger="every 2s"' in body  # polls while the run is active
    assert "<html" not in body


def test_it_says_already_running_instead_of_queueing_twice(
    owner, co_admin, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        owner.client.post("/sharing/sync/now/")
        response = co_admin.client.post("/sharing/sync/now/", follow=True)

    assert SyncRun.objects.count() == 1
    assert len(callbacks) == 1
    assert "A sync is already running." in response.content.decode()


def test_it_stops_polling_once_the_run_finished(owner) -> None:
    SyncRun.objects.create(owner_plex_id=DEMO_OWNER_ID, outcome=SyncRun.FAILED)

    body = owner.client.get("/sharing/sync/", **HTMX).content.decode()

    assert 'id="sync-runs"' in body
    assert "every 2s" not in body


def test_it_removes_confirmed_people_only(owner) -> None:
    now = timezone.now()
    gone = PlexUser.objects.create(plex_id=5, title="gone", missing_since=now, missing_syncs=1)
    present = PlexUser.objects.create(plex_id=6, title="present")

    response = owner.client.post(
        "/sharing/sync/prune/", {"person": [gone.pk, present.pk]}, follow=True
    )

    assert "Removed 1 people no longer on plex.tv." in response.content.decode()
    gone.refresh_from_db()
    present.refresh_from_db()
    assert gone.removed_locally_at is not None
    assert present.removed_locally_at is None
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.source) == (
        "person.pruned",
        owner.user,
        AuditEvent.DASHBOARD,
    )
