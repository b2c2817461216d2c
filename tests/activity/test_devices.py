"""Devices & downloads: the stored copy read by the worker, the page, and removing a download
as an operation that plex.tv receives."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from accounts.models import PlexAccount
from accounts.plex import owner_client
from activity import devices
from activity.models import DeviceDownloads
from activity.operations import REMOVE_DOWNLOAD
from activity.tasks import refresh_downloads
from plextv.downloads import remove_download
from plextv.errors import Unavailable
from sharing.models import AuditEvent, Operation
from sharing.operations import execute

pytestmark = pytest.mark.django_db

OWNER_ID = 1001001
IPHONE = "demo-iphone-01"


def key() -> str:
    return uuid.uuid4().hex


def _sim_items(plexsim: Any, client_id: str = IPHONE) -> list[int]:
    device = next(d for d in plexsim.state()["devices"] if d["clientIdentifier"] == client_id)
    return [i["id"] for i in device["syncItems"]]


@pytest.fixture
def read(household, plexsim) -> DeviceDownloads:
    """The owner's devices and downloads read into the database, plexsim's log emptied."""
    row = devices.owner_downloads()
    assert row is not None
    devices.refresh(row)
    row.refresh_from_db()
    plexsim.clear_requests()
    return row


def _remove(persona: Any, item_id: int = 6002, **extra: Any) -> Any:
    body = {"client_id": IPHONE, "item_id": item_id, "key": key(), **extra}
    return persona.client.post("/activity/devices/downloads/remove/", body)


def test_a_read_stores_every_player_device_and_each_ones_downloads(household, plexsim) -> None:
    row = devices.owner_downloads()
    assert row is not None
    assert devices.refresh(row) == 3
    row.refresh_from_db()
    by_name = {d.name: d for d in devices.entries(row)}
    assert set(by_name) == {"Living Room TV", "Morgan's iPhone", "Chrome"}
    assert not by_name["Living Room TV"].sync_target
    phone = by_name["Morgan's iPhone"]
    assert [(d.id, d.state) for d in phone.downloads] == [(6001, "complete"), (6002, "pending")]
    assert phone.downloads[1].items_complete_count == 2
    # devices.xml, then the sync list of the one device that downloads: nothing per device else.
    paths = [r["path"] for r in plexsim.requests()]
    assert paths == ["/devices.xml", f"/devices/{IPHONE}/sync_items"]
    assert row.state == DeviceDownloads.IDLE
    assert "token" not in str(row.devices)


def test_a_failed_read_keeps_the_copy_and_says_why(read, plexsim) -> None:
    plexsim.add_fault(action="status", path="/devices.xml", status=503, times=10)
    with pytest.raises(Unavailable):
        devices.refresh(read)
    read.refresh_from_db()
    assert read.state == DeviceDownloads.FAILED
    assert read.message
    assert len(devices.entries(read)) == 3


def test_the_task_reports_a_refused_token(read, plexsim) -> None:
    plexsim.add_fault(action="status", path="/devices.xml", status=401, times=5)
    assert refresh_downloads.run(read.pk)["outcome"] == "failed"
    owner = PlexAccount.objects.get(plex_id=OWNER_ID)
    assert owner.token_status == PlexAccount.TokenStatus.NEEDS_RELINK


def test_the_first_look_queues_a_read_and_never_calls_plex_tv(household, owner, plexsim) -> None:
    response = owner.client.get("/activity/devices/")
    assert response.status_code == 200
    assert "have not been read from plex.tv yet" in response.content.decode()
    assert DeviceDownloads.objects.get(account_id=OWNER_ID).state == DeviceDownloads.QUEUED
    assert plexsim.requests() == []


def test_the_page_shows_each_device_and_its_downloads(read, owner, plexsim) -> None:
    html = owner.client.get("/activity/devices/").content.decode()
    assert "Morgan&#x27;s iPhone" in html
    assert "The Lighthouse Keeper" in html
    assert "Downloaded" in html
    assert "In progress" in html
    assert "2 of 3 items" in html
    assert "1.7\xa0GB" in html
    assert "does not download" in html
    assert plexsim.requests() == []


def test_a_fresh_copy_is_not_read_again_on_every_view(read, owner) -> None:
    owner.client.get("/activity/devices/")
    read.refresh_from_db()
    assert read.state == DeviceDownloads.IDLE


def test_the_account_page_links_here(read, owner) -> None:
    html = owner.client.get("/accounts/account/").content.decode()
    assert 'href="/activity/devices/"' in html


def test_co_admins_see_downloads_but_members_and_outsiders_do_not(
    read, co_admin, member, outsider
) -> None:
    page = co_admin.client.get("/activity/devices/")
    assert page.status_code == 200
    assert "The Lighthouse Keeper" in page.content.decode()
    assert member.client.get("/activity/devices/").status_code == 403
    assert outsider.client.get("/activity/devices/").status_code == 403
    assert _remove(member).status_code == 403
    assert not Operation.objects.exists()


def test_removing_a_download_is_an_operation_that_plex_tv_receives(read, owner, plexsim) -> None:
    response = _remove(owner)
    assert response.status_code == 302
    op = Operation.objects.get(kind=REMOVE_DOWNLOAD)
    assert op.target_id == "6002"
    assert _sim_items(plexsim) == [6001, 6002]

    outcome = execute(op.pk)

    assert outcome.state == Operation.SUCCEEDED
    assert Operation.objects.get(pk=op.pk).message == (
        "Removed “Harbour Street” from Morgan's iPhone's downloads."
    )
    assert _sim_items(plexsim) == [6001]
    read.refresh_from_db()
    phone = next(d for d in devices.entries(read) if d.client_identifier == IPHONE)
    assert [d.id for d in phone.downloads] == [6001]
    event = AuditEvent.objects.get(action=REMOVE_DOWNLOAD)
    assert event.target_label == "Harbour Street · Morgan's iPhone"
    assert event.actor == owner.user
    assert event.result == AuditEvent.OK


def test_a_download_removed_elsewhere_succeeds_without_a_second_delete(
    read, owner, plexsim
) -> None:
    _remove(owner)
    remove_download(owner_client(), IPHONE, 6002)
    plexsim.clear_requests()
    op = Operation.objects.get(kind=REMOVE_DOWNLOAD)
    assert execute(op.pk).state == Operation.SUCCEEDED
    assert "not among Morgan's iPhone's downloads any more" in Operation.objects.get().message
    assert [r for r in plexsim.requests() if r["method"] == "DELETE"] == []


def test_a_device_gone_from_the_account_takes_its_downloads_with_it(read, owner, plexsim) -> None:
    _remove(owner)
    owner_client().remove_device("5002")
    op = Operation.objects.get(kind=REMOVE_DOWNLOAD)
    assert execute(op.pk).state == Operation.SUCCEEDED
    assert "no longer on the Plex account" in Operation.objects.get().message


def test_plex_tv_down_is_retried_then_fails_with_a_message(read, owner, plexsim, settings) -> None:
    settings.OPERATION_MAX_ATTEMPTS = 2
    plexsim.add_fault(action="status", method="DELETE", path="/devices/*", status=503, times=50)
    _remove(owner)
    op = Operation.objects.get(kind=REMOVE_DOWNLOAD)
    first = execute(op.pk)
    assert first.state == Operation.QUEUED
    assert first.retry_in is not None
    assert "Trying again" in first.message
    second = execute(op.pk)
    assert second.state == Operation.FAILED
    assert "Gave up after 2 attempts" in second.message
    op.refresh_from_db()
    assert op.retryable
    assert _sim_items(plexsim) == [6001, 6002]
    assert AuditEvent.objects.get(action=REMOVE_DOWNLOAD).result == AuditEvent.FAILED


def test_a_refused_token_fails_the_removal_and_asks_for_a_re_link(read, owner, plexsim) -> None:
    plexsim.add_fault(action="status", path=f"/devices/{IPHONE}/sync_items", status=401, times=5)
    _remove(owner)
    outcome = execute(Operation.objects.get(kind=REMOVE_DOWNLOAD).pk)
    assert outcome.state == Operation.FAILED
    assert "sign in with Plex again" in outcome.message
    owner_account = PlexAccount.objects.get(plex_id=OWNER_ID)
    assert owner_account.token_status == PlexAccount.TokenStatus.NEEDS_RELINK


def test_htmx_removal_answers_with_the_live_status(read, owner) -> None:
    response = owner.client.post(
        "/activity/devices/downloads/remove/",
        {"client_id": IPHONE, "item_id": 6002, "key": key()},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert "/people/operations/" in body
    assert "Queued" in body
    page = owner.client.get("/activity/devices/").content.decode()
    assert 'hx-trigger="every 500ms"' in page


def test_the_same_form_sent_twice_queues_once(read, owner) -> None:
    body = {"client_id": IPHONE, "item_id": 6002, "key": key()}
    owner.client.post("/activity/devices/downloads/remove/", body)
    owner.client.post("/activity/devices/downloads/remove/", body)
    assert Operation.objects.filter(kind=REMOVE_DOWNLOAD).count() == 1


def test_a_second_removal_waits_for_the_first(read, owner) -> None:
    _remove(owner)
    response = owner.client.post(
        "/activity/devices/downloads/remove/",
        {"client_id": IPHONE, "item_id": 6002, "key": key()},
        follow=True,
    )
    assert "already being removed" in response.content.decode()
    assert Operation.objects.filter(kind=REMOVE_DOWNLOAD).count() == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"client_id": IPHONE, "item_id": 9999, "key": "0" * 32}, "not on the device"),
        ({"client_id": "demo-ipad-02", "item_id": 6001, "key": "0" * 32}, "not on the device"),
        ({"client_id": IPHONE, "item_id": "x", "key": "0" * 32}, "out of date"),
        ({"client_id": IPHONE, "item_id": -1, "key": "0" * 32}, "out of date"),
        ({"client_id": IPHONE, "item_id": 2**70, "key": "0" * 32}, "out of date"),
        ({"client_id": IPHONE, "item_id": 6002, "key": "short"}, "out of date"),
        ({}, "out of date"),
    ],
)
def test_bad_removals_change_nothing_and_say_why(read, owner, plexsim, body, message) -> None:
    response = owner.client.post("/activity/devices/downloads/remove/", body, follow=True)
    assert response.status_code == 200
    assert message in response.content.decode()
    htmx = owner.client.post("/activity/devices/downloads/remove/", body, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200
    assert 'role="alert"' in htmx.content.decode()
    assert not Operation.objects.exists()
    assert plexsim.requests() == []


def test_actions_are_post_only(read, owner) -> None:
    assert owner.client.get("/activity/devices/downloads/remove/").status_code == 405
    assert owner.client.get("/activity/devices/link/").status_code == 405
    assert owner.client.get("/activity/devices/refresh/").status_code == 405


def test_read_again_queues_one_read(read, owner) -> None:
    owner.client.post("/activity/devices/refresh/")
    owner.client.post("/activity/devices/refresh/")
    read.refresh_from_db()
    assert read.state == DeviceDownloads.QUEUED
    status = owner.client.get("/activity/devices/refresh/status/", HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 1s"' in status.content.decode()
    devices.refresh(read)
    done = owner.client.get("/activity/devices/refresh/status/?was=busy", HTTP_HX_REQUEST="true")
    assert done.headers.get("HX-Refresh") == "true"


def test_the_audit_trail_says_what_was_removed_in_words(read, owner) -> None:
    _remove(owner)
    execute(Operation.objects.get(kind=REMOVE_DOWNLOAD).pk)
    html = owner.client.get("/audit/").content.decode()
    assert "Removed a download" in html
    assert "Harbour Street · Morgan&#x27;s iPhone" in html
