"""Inactivity: who counts as inactive, and the clean-up an admin starts (warn, wait, remove)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from activity.models import Collection
from lifecycle import inactivity
from lifecycle.models import CleanUp, CleanUpEntry
from lifecycle.tasks import tick
from notify.models import Event
from sharing import operations
from sharing.forms import new_key
from sharing.models import Operation, Share
from tests.console.conftest import CABIN, share_of, sim_share
from tests.lifecycle.conftest import last_active
from tests.notify.conftest import deliver_all

pytestmark = pytest.mark.django_db

LONG_AGO = timedelta(days=200)


def age(share: Share, delta: timedelta) -> Share:
    Share.objects.filter(pk=share.pk).update(created_at=timezone.now() - delta)
    share.refresh_from_db()
    return share


@pytest.fixture
def idle(synced) -> dict[str, Share]:  # type: ignore[no-untyped-def]
    """alex stopped 90 days ago, chen watched yesterday, priya has nothing recorded."""
    now = timezone.now()
    alex = age(share_of("alex.rivera"), LONG_AGO)
    chen = age(share_of("chen.li"), LONG_AGO)
    priya = age(share_of("priya"), LONG_AGO)
    last_active(alex, now - timedelta(days=90), known_since=now - LONG_AGO)
    last_active(chen, now - timedelta(days=1), known_since=now - LONG_AGO)
    return {"alex": alex, "chen": chen, "priya": priya}


def test_inactive_means_no_play_or_sighting_for_n_days(idle) -> None:
    found = set(inactivity.inactive_shares(60).values_list("pk", flat=True))
    assert idle["alex"].pk in found
    assert idle["priya"].pk in found  # known for 200 days, nothing recorded
    assert idle["chen"].pk not in found
    assert idle["alex"].pk not in set(inactivity.inactive_shares(120).values_list("pk", flat=True))


def test_a_share_first_seen_recently_is_never_called_idle(synced) -> None:
    fresh = share_of("priya")
    assert fresh.pk not in set(inactivity.inactive_shares(1).values_list("pk", flat=True))


def test_the_page_lists_the_inactive_with_last_played_and_counters(owner, idle) -> None:
    page = owner.client.get("/lifecycle/?show=inactive&days=60").content.decode()
    assert f'id="share-{idle["alex"].pk}"' in page
    assert f'id="share-{idle["chen"].pk}"' not in page
    row = page.split(f'id="share-{idle["alex"].pk}"')[1].split("</tr>")[0]
    assert ">90 days ago</time>" in row, row
    assert f"Inactive {inactivity.inactive_shares(60).count()} of" in page


def history_read() -> None:
    now = timezone.now()
    Collection.objects.create(outcome=Collection.SUCCEEDED, started_at=now, finished_at=now)


def start(client, shares: list[Share], ends_on, days: int = 60):  # type: ignore[no-untyped-def]
    return client.post(
        "/lifecycle/cleanups/",
        {"key": new_key(), "shares": [s.pk for s in shares], "ends_on": ends_on, "days": days},
    )


def test_an_active_person_cannot_be_cleaned_up(owner, idle) -> None:
    ends = (timezone.localdate() + timedelta(days=14)).isoformat()
    response = start(owner.client, [idle["alex"], idle["chen"]], ends)
    assert response.status_code == 400
    assert "Not inactive for 60 days" in response.content.decode()
    assert not CleanUp.objects.exists()
    assert not Event.objects.exists()


def test_the_end_must_be_after_today(owner, idle) -> None:
    response = start(owner.client, [idle["alex"]], timezone.localdate().isoformat())
    assert response.status_code == 400
    assert not CleanUp.objects.exists()


def test_the_clean_up_warns_then_removes_only_the_still_inactive(
    owner, idle, plexsim, smtp_sink, django_capture_on_commit_callbacks
) -> None:
    alex, priya = idle["alex"], idle["priya"]
    ends = (timezone.localdate() + timedelta(days=14)).isoformat()
    with django_capture_on_commit_callbacks(execute=False):
        response = start(owner.client, [alex, priya], ends)
    cleanup = CleanUp.objects.get()
    assert response["Location"] == f"/lifecycle/cleanups/{cleanup.pk}/"
    deliver_all()
    [warning] = smtp_sink.to("alex.rivera@example.com")
    assert "unless you watch something" in warning["Subject"]
    assert f"ends on {ends}" in warning.get_content()

    # Before the end nothing is removed, however often beat runs.
    with django_capture_on_commit_callbacks(execute=False):
        assert tick()["cleanups"] == 0
    assert not Operation.objects.exists()

    # priya watches meanwhile; at the end only alex loses access, as one batch.
    last_active(priya, timezone.now(), known_since=timezone.now() - LONG_AGO)
    CleanUp.objects.filter(pk=cleanup.pk).update(ends_at=timezone.now() - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=False):
        assert tick()["cleanups"] == 0  # the history has not been read since the end
    assert (
        "waiting for the worker to read the play history"
        in owner.client.get(f"/lifecycle/cleanups/{cleanup.pk}/").content.decode()
    )
    history_read()
    with django_capture_on_commit_callbacks(execute=False):
        assert tick()["cleanups"] == 1
        assert tick()["cleanups"] == 0  # decided once
    [op] = Operation.objects.all()
    assert (op.kind, op.target_id, op.actor) == ("share.stop", str(alex.pk), owner.user)
    assert op.batch is not None
    states = dict(CleanUpEntry.objects.values_list("share_id", "state"))
    assert states[priya.pk] == CleanUpEntry.KEPT

    shared_id = alex.shared_server_id
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    assert sim_share(plexsim, shared_id) is None
    assert sim_share(plexsim, priya.shared_server_id) is not None
    with django_capture_on_commit_callbacks(execute=False):
        assert tick()["removed"] == 1
        assert tick()["removed"] == 0
    [removed] = Event.objects.filter(type="person.removed")
    assert removed.person_id == alex.user_id
    page = owner.client.get(f"/lifecycle/cleanups/{cleanup.pk}/").content.decode()
    assert "Removed" in page
    assert "Kept: watched meanwhile" in page


def test_a_resent_clean_up_form_warns_nobody_twice(owner, idle) -> None:
    ends = (timezone.localdate() + timedelta(days=14)).isoformat()
    start(owner.client, [idle["alex"]], ends)
    start(owner.client, [idle["alex"]], ends)
    assert CleanUp.objects.count() == 1
    assert Event.objects.filter(type="inactivity.warned").count() == 1


@pytest.mark.parametrize("persona", ["member", "outsider", "anonymous"])
def test_only_admins_start_a_clean_up(persona, request, idle) -> None:
    who = request.getfixturevalue(persona)
    ends = (timezone.localdate() + timedelta(days=14)).isoformat()
    assert start(who.client, [idle["alex"]], ends).status_code in (302, 403)
    assert not CleanUp.objects.exists()
    assert who.client.get("/lifecycle/").status_code in (302, 403)


def test_cabin_shares_are_cleaned_up_per_server(owner, synced) -> None:
    cabin = age(share_of("chen.li", CABIN), LONG_AGO)
    assert cabin.pk in set(inactivity.inactive_shares(60).values_list("pk", flat=True))


def test_people_shows_when_each_person_last_played(owner, idle) -> None:
    page = owner.client.get("/people/").content.decode()
    row = page.split(f'id="person-{idle["alex"].user_id}"')[1].split("</tr>")[0]
    assert "<td>90 days ago</td>" in row, row
    chen = page.split(f'id="person-{idle["chen"].user_id}"')[1].split("</tr>")[0]
    assert "<td>yesterday</td>" in chen, chen
    partial = owner.client.get("/people/?q=alex", headers={"HX-Request": "true"})
    assert "90 days ago" in partial.content.decode()
