"""RELIABILITY 39, first case, through the console: a friend removed while a sync is reading."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from sharing import operations
from sharing.forms import new_key
from sharing.models import Operation, PlexUser, SyncRun
from sharing.sync import runs as services
from tests.console.conftest import run_sync

pytestmark = pytest.mark.django_db(transaction=True)

TOMASZ = 1001012


def test_a_friend_removed_while_the_sync_holds_an_old_list_stays_removed(
    transactional_db, owner, plexsim
) -> None:
    run_sync()
    tomasz = PlexUser.objects.get(plex_id=TOMASZ)
    plexsim.add_fault(action="delay", path="/api/users/", delay=2, times=1)
    results: list[SyncRun | None] = []

    def sync() -> None:
        try:
            results.append(services.run_sync(None, SyncRun.SCHEDULE))
        finally:
            connection.close()

    thread = threading.Thread(target=sync)
    thread.start()
    time.sleep(0.5)  # the sync has asked for the users; plexsim holds the answer listing tomasz
    response = owner.client.post(f"/people/{tomasz.pk}/remove/", {"key": new_key()})
    assert response.status_code == 302
    op = Operation.objects.get(kind="friend.remove")
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    thread.join(15)

    assert results
    assert results[0] is not None
    assert results[0].outcome in (SyncRun.SUCCEEDED, SyncRun.WARNING)
    tomasz.refresh_from_db()
    assert tomasz.removed_locally_at is not None
    assert not tomasz.shares.exists()
    assert [s for s in plexsim.state()["shares"] if s.get("userId") == TOMASZ] == []
    run_sync()
    tomasz.refresh_from_db()
    assert tomasz.removed_locally_at is not None
    assert owner.client.get("/people/", {"q": "tomasz"}).context["rows"] == []
