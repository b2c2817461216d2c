"""Remove a friend and stop sharing one server: confirmation first, then the operation."""

from __future__ import annotations

from typing import Any

import pytest

from sharing import operations
from sharing.forms import new_key
from sharing.models import AuditEvent, Operation, PlexUser, Share
from tests.console.conftest import CABIN, DEN, person, run_sync, share_of

pytestmark = pytest.mark.django_db

ALEX, CHEN = 1001010, 1001013


def sim_shares_of(plexsim: Any, user_id: int) -> list[dict[str, Any]]:
    return [s for s in plexsim.state()["shares"] if s.get("userId") == user_id]


def post(client, url: str, capture, **extra: Any):  # type: ignore[no-untyped-def]
    with capture(execute=False):
        return client.post(url, {"key": new_key()}, **extra)


def test_it_asks_for_confirmation_before_removing(owner, synced) -> None:
    alex = person("alex.rivera")
    page = owner.client.get(f"/people/{alex.pk}/remove/confirm/")
    html = page.content.decode()
    assert page.status_code == 200
    assert f'action="/people/{alex.pk}/remove/"' in html
    assert "Remove alex.rivera?" in html
    assert not Operation.objects.exists()


def test_the_person_page_offers_the_dialog_with_a_fallback_link(owner, synced) -> None:
    alex = person("alex.rivera")
    html = owner.client.get(f"/people/{alex.pk}/").content.decode()
    assert f'href="/people/{alex.pk}/remove/confirm/" data-dialog="remove-friend-dialog"' in html
    assert '<dialog id="remove-friend-dialog"' in html
    assert "js/console.js" in html


def test_it_rejects_get_and_head_on_the_actions(owner, synced) -> None:
    alex = person("alex.rivera")
    share = share_of("chen.li", CABIN)
    for url in (f"/people/{alex.pk}/remove/", f"/people/shares/{share.pk}/stop/"):
        assert owner.client.get(url).status_code == 405
        assert owner.client.head(url).status_code == 405
    assert not Operation.objects.exists()


def test_it_removes_a_friend_everywhere_and_keeps_them_removed(
    owner, synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    alex = person("alex.rivera")
    response = post(owner.client, f"/people/{alex.pk}/remove/", django_capture_on_commit_callbacks)
    op = Operation.objects.get(kind="friend.remove")
    assert response["Location"] == f"/people/?op={op.pk}"
    assert op.target_type == Operation.TARGET_USER

    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    assert sim_shares_of(plexsim, ALEX) == []
    alex.refresh_from_db()
    assert alex.removed_locally_at is not None
    assert not Share.objects.filter(user=alex).exists()
    assert AuditEvent.objects.get(action="friend.remove").changes == [
        {"field": "servers", "before": ["Morgan's Den"], "after": []}
    ]
    run_sync()
    alex.refresh_from_db()
    assert alex.removed_locally_at is not None
    assert owner.client.get(f"/people/{alex.pk}/").status_code == 404


def test_removing_someone_plex_tv_already_forgot_still_succeeds(
    owner, synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    alex = person("alex.rivera")
    plexsim.mutate(op="remove_friend", userId=ALEX)
    post(owner.client, f"/people/{alex.pk}/remove/", django_capture_on_commit_callbacks)
    op = Operation.objects.get(kind="friend.remove")
    assert operations.execute(op.pk).state == Operation.SUCCEEDED


def test_it_answers_404_when_removing_someone_who_is_not_a_friend(owner, synced, plexsim) -> None:
    ellie = person(title="Ellie")
    assert owner.client.get(f"/people/{ellie.pk}/remove/confirm/").status_code == 404
    assert owner.client.post(f"/people/{ellie.pk}/remove/", {"key": new_key()}).status_code == 404
    assert owner.client.post("/people/555555/remove/", {"key": new_key()}).status_code == 404
    assert plexsim.requests() == []


@pytest.mark.parametrize("persona", ["member", "outsider"])
def test_only_admins_remove_or_stop(persona, request, synced) -> None:
    who = request.getfixturevalue(persona)
    alex = person("alex.rivera")
    share = share_of("chen.li", CABIN)
    assert who.client.post(f"/people/{alex.pk}/remove/", {"key": new_key()}).status_code == 403
    assert (
        who.client.post(f"/people/shares/{share.pk}/stop/", {"key": new_key()}).status_code == 403
    )
    assert not Operation.objects.exists()


def test_it_refuses_a_stale_confirmation_form(owner, synced) -> None:
    alex = person("alex.rivera")
    response = owner.client.post(f"/people/{alex.pk}/remove/", {"key": "stale!"})
    assert response.status_code == 400
    assert "out of date" in response.content.decode()
    assert not Operation.objects.exists()


def test_it_stops_sharing_one_server_only(
    owner, synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    cabin = share_of("chen.li", CABIN)
    confirm = owner.client.get(f"/people/shares/{cabin.pk}/stop/confirm/").content.decode()
    assert "Stop sharing Cabin NAS with chen.li?" in confirm
    response = post(
        owner.client,
        f"/people/shares/{cabin.pk}/stop/",
        django_capture_on_commit_callbacks,
        HTTP_HX_REQUEST="true",
    )
    op = Operation.objects.get(kind="share.stop")
    # htmx: the change's live status is put in the page's activity region, in place.
    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == "#activity"
    assert f'id="operation-{op.pk}"' in response.content.decode()
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    assert [s["machineIdentifier"] for s in sim_shares_of(plexsim, CHEN)] == [DEN]
    assert list(
        Share.objects.filter(user__plex_id=CHEN).values_list(
            "server__machine_identifier", flat=True
        )
    ) == [DEN]
    assert PlexUser.objects.get(plex_id=CHEN).removed_locally_at is None


def test_a_card_reloading_after_its_share_is_gone_leaves_the_page(
    owner, synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    cabin = share_of("chen.li", CABIN)
    post(owner.client, f"/people/shares/{cabin.pk}/stop/", django_capture_on_commit_callbacks)
    assert operations.execute(Operation.objects.get(kind="share.stop").pk).state == (
        Operation.SUCCEEDED
    )
    reload = owner.client.get(f"/people/shares/{cabin.pk}/", HTTP_HX_REQUEST="true")
    assert (reload.status_code, reload.content) == (200, b"")
    assert owner.client.get(f"/people/shares/{cabin.pk}/").status_code == 404
