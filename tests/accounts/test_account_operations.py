"""Account-page writes (remove a device, view-state sync) run as operations on a worker."""

from __future__ import annotations

import re
from typing import Any

import pytest

from accounts.plex import owner_client
from accounts.tasks import refresh_account_picture
from sharing import operations
from sharing.forms import new_key
from sharing.models import AuditEvent, Operation
from tests.personas import Persona

pytestmark = pytest.mark.django_db

CHROME, FOREIGN_IPAD = "5003", "5004"
URL = "/accounts/account/"


def writes(plexsim: Any) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in plexsim.requests() if r["method"] != "GET"]


def view_state_sync_at(plexsim: Any) -> bool:
    morgan = next(a for a in plexsim.state()["accounts"] if a["id"] == 1001001)
    return bool(morgan["viewStateSync"])


def remove(owner: Persona, device: str, capture, **headers: Any):  # type: ignore[no-untyped-def]
    body = {"confirm": "on", "key": new_key(), "name": "Chrome"}
    with capture(execute=False) as callbacks:
        response = owner.client.post(f"{URL}devices/{device}/remove/", body, **headers)
    return response, callbacks


def test_removing_a_device_creates_an_operation_and_sends_nothing_yet(
    owner: Persona, plexsim, django_capture_on_commit_callbacks
) -> None:
    response, callbacks = remove(owner, CHROME, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response["Location"] == URL
    op = Operation.objects.get(kind="account.remove_device")
    assert (op.target_type, op.target_id, op.state) == ("device", CHROME, Operation.QUEUED)
    assert op.actor == owner.user
    assert len(callbacks) == 1  # the worker's message goes out when the request commits
    assert writes(plexsim) == []
    assert plexsim.requests() == []  # the request did not even read plex.tv


def test_the_worker_removes_the_device_at_plexsim(
    owner: Persona, plexsim, django_capture_on_commit_callbacks
) -> None:
    remove(owner, CHROME, django_capture_on_commit_callbacks)
    op = Operation.objects.get(kind="account.remove_device")
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    assert writes(plexsim) == [f"DELETE /devices/{CHROME}.xml"]
    assert CHROME not in {d.id for d in owner_client().devices()}
    op.refresh_from_db()
    assert op.message == "Removed Chrome from the Plex account."
    event = AuditEvent.objects.get(action="account.remove_device")
    assert (event.source, event.actor_id, event.result) == ("dashboard", owner.user.pk, "ok")
    assert event.changes == [{"field": "device", "before": "Chrome", "after": None}]


def test_the_account_page_shows_the_live_status_of_the_change(
    owner: Persona, plexsim, django_capture_on_commit_callbacks
) -> None:
    remove(owner, CHROME, django_capture_on_commit_callbacks)
    op = Operation.objects.get(kind="account.remove_device")
    html = owner.client.get(URL).content.decode()
    assert f'id="operation-{op.pk}"' in html
    assert f'hx-get="/people/operations/{op.pk}/" hx-trigger="every 500ms"' in html
    assert "Remove a device" in html
    operations.execute(op.pk)
    html = owner.client.get(URL).content.decode()
    assert "Removed Chrome from the Plex account." in html
    assert f'hx-get="/people/operations/{op.pk}/"' not in html  # finished: polling stops


def test_an_htmx_post_turns_the_device_row_into_the_removal(
    owner: Persona, plexsim, django_capture_on_commit_callbacks
) -> None:
    response, _ = remove(owner, CHROME, django_capture_on_commit_callbacks, HTTP_HX_REQUEST="true")
    op = Operation.objects.get(kind="account.remove_device")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<tr id="device-row-{CHROME}" hx-swap-oob="true"')
    assert f'hx-get="/accounts/account/devices/removals/{op.pk}/" hx-trigger="every 1s"' in body
    assert "Removing…" in body


def test_a_removed_device_leaves_the_list(
    owner: Persona, plexsim, account_read, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    row = f'id="device-row-{CHROME}"'
    assert "Chrome" in owner.client.get(URL).content.decode()
    remove(owner, CHROME, django_capture_on_commit_callbacks, HTTP_HX_REQUEST="true")
    op = Operation.objects.get(kind="account.remove_device")
    polled = owner.client.get(f"{URL}devices/removals/{op.pk}/", headers={"HX-Request": "true"})
    assert polled.status_code == 200
    assert "Removing…" in polled.content.decode()
    assert "Removing…" in owner.client.get(URL).content.decode()  # a reload shows it too

    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    done = owner.client.get(f"{URL}devices/removals/{op.pk}/", headers={"HX-Request": "true"})
    assert done.status_code == 286  # polling stops
    assert "Chrome was removed from the Plex account." in done.content.decode()
    assert "remove/" not in done.content.decode()
    # The stored picture still lists it until the next read; the page does not.
    page = owner.client.get(URL).content.decode()
    assert row not in page
    assert f"devices/{CHROME}/remove/" not in page


def test_a_device_removal_that_fails_stays_listed_with_the_reason(
    owner: Persona, plexsim, account_read, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    plexsim.add_fault(action="status", method="DELETE", path="/devices/*", status=403)
    remove(owner, CHROME, django_capture_on_commit_callbacks, HTTP_HX_REQUEST="true")
    op = Operation.objects.get(kind="account.remove_device")
    assert operations.execute(op.pk).state == Operation.FAILED
    done = owner.client.get(f"{URL}devices/removals/{op.pk}/", headers={"HX-Request": "true"})
    assert done.status_code == 286
    assert "Not removed" in done.content.decode()
    assert f"devices/{CHROME}/remove/" in owner.client.get(URL).content.decode()


def test_a_removal_status_of_another_kind_of_change_is_404(owner: Persona, plexsim) -> None:
    owner.client.post(f"{URL}view-state-sync/", {"consent": "on", "key": new_key()})
    op = Operation.objects.get(kind="account.view_state_sync")
    assert owner.client.get(f"{URL}devices/removals/{op.pk}/").status_code == 404
    assert owner.client.get(f"{URL}devices/removals/999999/").status_code == 404


def test_a_resent_form_does_not_remove_twice(
    owner: Persona, plexsim, django_capture_on_commit_callbacks
) -> None:
    body = {"confirm": "on", "key": new_key()}
    with django_capture_on_commit_callbacks(execute=False):
        owner.client.post(f"{URL}devices/{CHROME}/remove/", body)
        owner.client.post(f"{URL}devices/{CHROME}/remove/", body)
    assert Operation.objects.filter(kind="account.remove_device").count() == 1


def test_a_stale_or_unconfirmed_form_queues_nothing(owner: Persona, plexsim) -> None:
    owner.client.post(f"{URL}devices/{CHROME}/remove/", {"key": new_key()})
    owner.client.post(f"{URL}devices/{CHROME}/remove/", {"confirm": "on", "key": "stale!"})
    stale = owner.client.post(f"{URL}view-state-sync/", {"consent": "on"})
    assert not Operation.objects.exists()
    # Refused like every other sharing change: a page saying why, with the way back.
    assert stale.status_code == 400
    page = stale.content.decode()
    assert "out of date" in page


def test_a_foreign_device_or_a_server_is_never_removed(
    owner: Persona, plexsim, django_capture_on_commit_callbacks
) -> None:
    server = next(d for d in owner_client().devices() if "server" in d.provides)
    remove(owner, FOREIGN_IPAD, django_capture_on_commit_callbacks)
    remove(owner, server.id, django_capture_on_commit_callbacks)
    foreign, own_server = Operation.objects.filter(kind="account.remove_device").order_by("pk")
    assert operations.execute(foreign.pk).state == Operation.SUCCEEDED
    foreign.refresh_from_db()
    assert "not on the account" in foreign.message
    assert operations.execute(own_server.pk).state == Operation.FAILED
    own_server.refresh_from_db()
    assert "is a Plex Media Server" in own_server.message
    assert writes(plexsim) == []


def test_view_state_sync_is_set_by_the_worker(
    owner: Persona, plexsim, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        owner.client.post(f"{URL}view-state-sync/", {"consent": "on", "key": new_key()})
    on = Operation.objects.get(kind="account.view_state_sync")
    assert on.params["consent"] is True
    assert writes(plexsim) == []
    assert operations.execute(on.pk).state == Operation.SUCCEEDED
    assert view_state_sync_at(plexsim) is True

    with django_capture_on_commit_callbacks(execute=False):
        owner.client.post(f"{URL}view-state-sync/", {"key": new_key()})
    off = Operation.objects.exclude(pk=on.pk).get(kind="account.view_state_sync")
    assert operations.execute(off.pk).state == Operation.SUCCEEDED
    assert view_state_sync_at(plexsim) is False
    off.refresh_from_db()
    assert off.message == "View-state sync is off."


def test_a_failure_shows_a_human_message_and_retry(
    owner: Persona, plexsim, django_capture_on_commit_callbacks
) -> None:
    plexsim.add_fault(
        action="status", method="PUT", path="/api/v2/user/view_state_sync", status=403
    )
    with django_capture_on_commit_callbacks(execute=False):
        owner.client.post(f"{URL}view-state-sync/", {"consent": "on", "key": new_key()})
    op = Operation.objects.get(kind="account.view_state_sync")
    assert operations.execute(op.pk).state == Operation.FAILED
    html = owner.client.get(URL).content.decode()
    assert "plex.tv does not allow this account to do that." in html
    assert f'action="/people/operations/{op.pk}/retry/"' in html
    assert ">Retry</button>" in html

    plexsim.clear_faults()
    with django_capture_on_commit_callbacks(execute=False):
        retried = owner.client.post(f"/people/operations/{op.pk}/retry/")
    assert retried.status_code == 302
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    assert view_state_sync_at(plexsim) is True


@pytest.mark.parametrize("persona", ["member", "outsider"])
def test_only_admins_queue_account_changes(persona, request, plexsim) -> None:  # type: ignore[no-untyped-def]
    who = request.getfixturevalue(persona)
    body = {"confirm": "on", "consent": "on", "key": new_key()}
    assert who.client.post(f"{URL}devices/{CHROME}/remove/", body).status_code == 403
    assert who.client.post(f"{URL}view-state-sync/", body).status_code == 403
    assert not Operation.objects.exists()


def test_the_page_forms_carry_their_own_one_time_keys(
    owner: Persona, plexsim, account_read
) -> None:  # type: ignore[no-untyped-def]
    html = owner.client.get(URL).content.decode()
    keys = re.findall(r'name="key" value="([0-9a-f]{32})"', html)
    forms = html.count(f'action="{URL}devices/') + html.count(f'action="{URL}view-state-sync/"')
    assert forms == 4  # three player devices and the view-state sync form
    assert len(keys) == len(set(keys)) == forms


def test_an_htmx_form_that_queues_nothing_says_why_in_place(owner: Persona, plexsim) -> None:
    response = owner.client.post(
        f"{URL}devices/{CHROME}/remove/", {"key": new_key()}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response.content.decode() == (
        '<p class="message message-error" role="alert">'
        "Tick the box to confirm removing the device.</p>"
    )
    stale = owner.client.post(f"{URL}view-state-sync/", {"key": "x"}, HTTP_HX_REQUEST="true")
    assert "out of date" in stale.content.decode()
    assert not Operation.objects.exists()


def test_the_dashboards_own_device_is_never_removed(
    owner: Persona, plexsim, settings, django_capture_on_commit_callbacks
) -> None:
    from accounts.plex import anonymous_client

    pin = anonymous_client().create_pin()
    plexsim.approve_pin(pin.code, "morgan")
    refresh_account_picture()
    own = next(
        d
        for d in owner_client().devices()
        if d.client_identifier == settings.PLEX_CLIENT_IDENTIFIER
    )
    page = owner.client.get(URL).content.decode()
    assert "this dashboard</span>" in page
    assert f"devices/{own.id}/remove/" not in page
    before = writes(plexsim)
    remove(owner, own.id, django_capture_on_commit_callbacks)
    op = Operation.objects.get(kind="account.remove_device")
    assert operations.execute(op.pk).state == Operation.FAILED
    op.refresh_from_db()
    assert "this dashboard's own sign-in" in op.message
    assert writes(plexsim) == before
