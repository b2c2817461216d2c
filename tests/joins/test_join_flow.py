"""Joining through a link: neutral answers, sign-in bound to the browser, the share made and
accepted with exactly the link's libraries, idempotence, refusals, and no token kept."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from celery import current_app
from django.apps import apps
from django.core.cache import cache
from django.test import Client

from joins.models import InviteLink, Redemption
from joins.tasks import check_once
from notify.models import Event
from sharing.models import Operation
from sharing.operations import APPLY_OPERATION
from tests.joins.conftest import DEN, MOVIES, OWNER_ID, TV, make_link, new_account, start_join

pytestmark = pytest.mark.django_db


def cache_holds(text: str) -> bool:
    """Whether any value in the shared cache (files or Redis) contains `text`."""
    import pickle
    import zlib
    from pathlib import Path

    needle = text.encode()
    directory = getattr(cache, "_dir", None)
    if directory is not None:
        for path in Path(directory).rglob("*"):
            if path.is_file():
                with path.open("rb") as handle:
                    pickle.load(handle)  # noqa: S301 - our own cache file: its expiry
                    if needle in zlib.decompress(handle.read()):
                        return True
        return False
    client = cache._cache.get_client()  # type: ignore[attr-defined]
    prefix = cache.key_prefix  # type: ignore[attr-defined]
    return any(needle in (client.get(key) or b"") for key in client.scan_iter(f"*{prefix}*"))


def sim_shares(plexsim: Any, user_id: int) -> list[dict[str, Any]]:
    return [
        s
        for s in plexsim.state()["shares"]
        if s.get("userId") == user_id and s.get("ownerId", OWNER_ID) == OWNER_ID
    ]


def join(
    plexsim: Any, code: str, username: str, capture: Any, sleep: Any
) -> tuple[Client, Any, str]:
    browser, attempt = start_join(code, capture)
    assert attempt.pin_login is not None
    token = plexsim.approve_pin(attempt.pin_login.code, username)
    outcome = check_once(attempt, sleep=sleep)
    attempt.refresh_from_db()
    return browser, attempt, outcome if token else ""


@pytest.mark.parametrize("state", ["unknown", "expired", "used up", "disabled"])
def test_every_unusable_code_gets_the_same_neutral_page(state, synced) -> None:
    from datetime import timedelta

    from django.utils import timezone

    link, code = make_link()
    if state == "unknown":
        code = code[:-2] + ("AA" if not code.endswith("AA") else "BB")
    elif state == "expired":
        InviteLink.objects.filter(pk=link.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
    elif state == "used up":
        InviteLink.objects.filter(pk=link.pk).update(uses=2)
    else:
        InviteLink.objects.filter(pk=link.pk).update(disabled_at=timezone.now())
    response = Client().get(f"/join/{code}")
    assert response.status_code == 404
    html = response.content.decode()
    assert "This invite can't be used" in html
    assert "Film club" not in html
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"


def test_the_code_is_swapped_for_the_session(synced) -> None:
    _link, code = make_link()
    browser = Client()
    response = browser.get(f"/join/{code}")
    assert response.status_code == 303
    assert response["Location"] == "/join/"
    assert response["Referrer-Policy"] == "same-origin"
    page = browser.get("/join/")
    html = page.content.decode()
    assert code not in html
    assert "Movies" in html
    assert "TV Shows" in html
    assert "Morgan" in html


def test_a_new_account_joins_with_exactly_the_links_libraries(
    synced, plexsim, django_capture_on_commit_callbacks, no_sleep, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    link, code = make_link()
    user_id = new_account(plexsim, "newbie")
    browser, attempt = start_join(code, django_capture_on_commit_callbacks)
    assert attempt.pin_login is not None
    waiting = browser.get("/join/status/").content.decode()
    assert attempt.pin_login.code in waiting
    token = plexsim.approve_pin(attempt.pin_login.code, "newbie")
    assert check_once(attempt, sleep=no_sleep) == "finished"
    [share] = sim_shares(plexsim, user_id)
    assert share["machineIdentifier"] == DEN
    assert sorted(share["sectionIds"]) == [MOVIES, TV]
    assert share["accepted"] is True
    link.refresh_from_db()
    assert link.uses == 1
    redemption = Redemption.objects.get()
    assert redemption.state == Redemption.DONE
    assert redemption.accepted_at is not None
    assert Operation.objects.get(kind="join.redeem").state == Operation.SUCCEEDED
    html = browser.get("/join/status/").content.decode()
    assert "You're in" in html
    [event] = Event.objects.filter(type="invite_link.used")
    assert event.context["person"] == "newbie"
    assert "Movies" in event.context["what"]
    # Scenario 27: the invitee's token was used and forgotten.
    for model in apps.get_models():
        for row in model.objects.all().values():
            assert token not in repr(row), model
    assert token not in caplog.text
    assert not cache_holds(token)


def test_the_same_account_twice_counts_once(
    synced, plexsim, django_capture_on_commit_callbacks, no_sleep
) -> None:
    link, code = make_link()
    user_id = new_account(plexsim, "twice")
    join(plexsim, code, "twice", django_capture_on_commit_callbacks, no_sleep)
    join(plexsim, code, "twice", django_capture_on_commit_callbacks, no_sleep)
    link.refresh_from_db()
    assert link.uses == 1
    assert len(sim_shares(plexsim, user_id)) == 1
    assert Redemption.objects.count() == 1


def test_someone_who_already_has_the_access_is_told_so(
    synced, plexsim, django_capture_on_commit_callbacks, no_sleep
) -> None:
    from tests.console.conftest import run_sync

    link, code = make_link(
        grants={"servers": [{"machine": DEN, "libraries": [MOVIES, TV], "access": {}}]}
    )
    result = plexsim.mutate(
        op="add_friend",
        username="oldfriend",
        password="pw",
        servers=[{"machineIdentifier": DEN, "sectionIds": [MOVIES, TV, 118181363]}],
    )
    run_sync()
    before = sim_shares(plexsim, result["userId"])
    browser, _attempt, _ = join(
        plexsim, code, "oldfriend", django_capture_on_commit_callbacks, no_sleep
    )
    link.refresh_from_db()
    assert link.uses == 0
    assert Redemption.objects.get().state == Redemption.ALREADY
    assert not Operation.objects.filter(kind="join.redeem").exists()
    assert sim_shares(plexsim, result["userId"]) == before  # nothing narrowed
    assert "You already have this access" in browser.get("/join/status/").content.decode()


def test_a_share_they_had_only_gains_what_the_link_adds(
    synced, plexsim, django_capture_on_commit_callbacks, no_sleep
) -> None:
    _link, code = make_link()
    result = plexsim.mutate(
        op="add_friend",
        username="musicfan",
        password="pw",
        servers=[{"machineIdentifier": DEN, "sectionIds": [118181363]}],
    )
    join(plexsim, code, "musicfan", django_capture_on_commit_callbacks, no_sleep)
    [share] = sim_shares(plexsim, result["userId"])
    assert sorted(share["sectionIds"]) == [MOVIES, TV, 118181363]


def test_a_third_account_is_refused_on_a_two_use_link(
    synced, plexsim, django_capture_on_commit_callbacks, no_sleep
) -> None:
    link, code = make_link()
    for name in ("first", "second"):
        new_account(plexsim, name)
        join(plexsim, code, name, django_capture_on_commit_callbacks, no_sleep)
    third = new_account(plexsim, "third")
    # The link is used up: the third browser gets the neutral page at once.
    assert Client().get(f"/join/{code}").status_code == 404
    link.refresh_from_db()
    assert link.uses == 2
    assert sim_shares(plexsim, third) == []


def test_a_link_disabled_between_sign_in_and_provisioning_grants_nothing(
    synced, plexsim, django_capture_on_commit_callbacks, no_sleep
) -> None:
    from django.utils import timezone

    link, code = make_link()
    user_id = new_account(plexsim, "late")
    browser, attempt = start_join(code, django_capture_on_commit_callbacks)
    InviteLink.objects.filter(pk=link.pk).update(disabled_at=timezone.now())
    assert attempt.pin_login is not None
    plexsim.approve_pin(attempt.pin_login.code, "late")
    assert check_once(attempt, sleep=no_sleep) == "refused"
    assert sim_shares(plexsim, user_id) == []
    assert "can't be used any more" in browser.get("/join/status/").content.decode()


def test_another_browser_cannot_read_the_attempt(
    synced, django_capture_on_commit_callbacks
) -> None:
    _link, code = make_link()
    _browser, attempt = start_join(code, django_capture_on_commit_callbacks)
    stranger = Client()
    session = stranger.session
    session["join_attempt"] = attempt.pk
    session.save()
    response = stranger.get("/join/status/")
    assert response.status_code == 404
    assert attempt.pin_login is not None
    assert attempt.pin_login.code not in response.content.decode()


def test_there_is_no_step_to_post_without_signing_in(synced) -> None:
    _link, code = make_link()
    browser = Client()
    browser.get(f"/join/{code}")
    assert browser.post("/join/status/").status_code == 405
    assert browser.post("/join/check/").status_code == 404
    assert not Redemption.objects.exists()


def test_the_new_share_gets_the_links_access_length_and_an_old_one_does_not(
    synced, plexsim, django_capture_on_commit_callbacks, no_sleep
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from sharing.models import Share

    _link, code = make_link(access_days=30)
    new_account(plexsim, "timed")
    join(plexsim, code, "timed", django_capture_on_commit_callbacks, no_sleep)
    share = Share.objects.get(user__username="timed")
    assert share.expires_at is not None
    assert abs(share.expires_at - (timezone.now() + timedelta(days=30))) < timedelta(minutes=5)
    older = plexsim.mutate(
        op="add_friend",
        username="forever",
        password="pw",
        servers=[{"machineIdentifier": DEN, "sectionIds": [118181363]}],
    )
    join(plexsim, code, "forever", django_capture_on_commit_callbacks, no_sleep)
    from tests.console.conftest import run_sync

    run_sync()
    [kept] = Share.objects.filter(user__plex_id=older["userId"])
    assert kept.expires_at is None  # an existing share is never given an end


def test_people_shows_how_the_person_joined(
    owner, synced, plexsim, django_capture_on_commit_callbacks, no_sleep
) -> None:
    from sharing.models import PlexUser

    _link, code = make_link(access_days=30)
    new_account(plexsim, "shown")
    join(plexsim, code, "shown", django_capture_on_commit_callbacks, no_sleep)
    person = PlexUser.objects.get(username="shown")
    html = owner.client.get(f"/people/{person.pk}/").content.decode()
    assert "Joined through the invite link" in html
    assert "Film club" in html
    assert "access until" in html


@pytest.mark.parametrize("status", [500, 503, 422])
def test_plex_failing_at_sign_in_gives_a_generic_message_not_a_500(status, synced, plexsim) -> None:
    _link, code = make_link()
    plexsim.add_fault(action="status", method="POST", path="/api/v2/pins", status=status)
    browser = Client()
    browser.get(f"/join/{code}")
    response = browser.post("/join/sign-in/", {"kind": "oauth"})
    assert response.status_code == 503
    html = response.content.decode()
    assert "Plex could not be reached just now" in html
    assert "errors" not in html
    assert not Redemption.objects.exists()


def test_the_status_partial_stops_polling_once_finished(
    synced, plexsim, django_capture_on_commit_callbacks, no_sleep
) -> None:
    _link, code = make_link()
    new_account(plexsim, "partial")
    browser, _attempt, _ = join(
        plexsim, code, "partial", django_capture_on_commit_callbacks, no_sleep
    )
    response = browser.get("/join/status/", headers={"HX-Request": "true"})
    assert response.status_code == 286
    assert 'data-phase="in"' in response.content.decode()
    assert "<html" not in response.content.decode()


def test_a_redemption_run_here_that_must_wait_goes_to_the_worker_with_its_countdown(
    synced, plexsim, django_capture_on_commit_callbacks, no_sleep, monkeypatch
) -> None:
    """Found by the load run: the retry of a redemption's operation run inside the sign-in
    task was dropped, and the operation sat queued until the sweep (10 minutes)."""
    _link, code = make_link()
    user_id = new_account(plexsim, "patient")
    _browser, attempt = start_join(code, django_capture_on_commit_callbacks)
    assert attempt.pin_login is not None
    plexsim.approve_pin(attempt.pin_login.code, "patient")
    plexsim.add_fault(
        action="status",
        method="GET",
        path="/api/servers/*",  # the redemption's first read (the server's libraries)
        status=429,
        headers={"Retry-After": "31"},
        times=1,
    )
    sent: list[tuple[Any, Any]] = []
    task = current_app.tasks[APPLY_OPERATION]
    monkeypatch.setattr(
        task, "apply_async", lambda args, countdown=None, **_: sent.append((args, countdown))
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert check_once(attempt, sleep=no_sleep) == "waiting"
    op = Operation.objects.get(kind="join.redeem")
    assert op.state == Operation.QUEUED
    assert ((op.pk,), 31.0) in sent, sent
    assert sim_shares(plexsim, user_id) == []
