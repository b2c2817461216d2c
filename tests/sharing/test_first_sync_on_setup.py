from __future__ import annotations

import pytest

from accounts import services
from accounts.models import Member
from sharing.models import SyncRun
from tests import factories
from tests.factories import DEN


@pytest.mark.django_db
def test_picking_the_server_queues_the_first_sync_on_commit(
    plex_settings, django_capture_on_commit_callbacks
) -> None:
    morgan = factories.plex_account("morgan", keep_token=True, title="Morgan")
    user = factories.user_for(morgan)
    with django_capture_on_commit_callbacks() as published:
        household = services.create_household(morgan, user, DEN)
    run = SyncRun.objects.get()
    assert (run.triggered_by, run.outcome, run.actor) == (SyncRun.ADMIN, SyncRun.QUEUED, user)
    assert len(published) == 1
    assert household.server_name == "Morgan's Den"
    assert Member.objects.get(user=user).role == Member.Role.OWNER


@pytest.mark.django_db
def test_a_refused_pick_queues_nothing(plex_settings, django_capture_on_commit_callbacks) -> None:
    morgan = factories.plex_account("morgan", keep_token=True, title="Morgan")
    user = factories.user_for(morgan)
    with (
        django_capture_on_commit_callbacks() as published,
        pytest.raises(services.SetupRefused),
    ):
        services.create_household(morgan, user, "not-a-server-of-morgan")
    assert SyncRun.objects.count() == 0
    assert published == []
