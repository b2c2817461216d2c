"""Scenarios 24, 25, 26 and 29: wrong-code limits, concurrent redemptions, a worker dying
mid-way, and nothing published for a transaction that rolls back."""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client

from accounts.plex import owner_client
from joins import services
from joins.handlers import redeem_link
from joins.models import InviteLink, Redemption
from joins.tasks import check_once
from sharing.models import Operation
from tests.joins.conftest import DEN, make_link, new_account, start_join
from tests.joins.test_join_flow import sim_shares


def who(n: int) -> services.Account:
    return services.Account(plex_id=900_000 + n, username=f"racer{n}", email="", title="")


@pytest.mark.django_db
def test_wrong_codes_are_limited_per_client_then_a_right_code_works_after_the_window(
    synced, settings
) -> None:
    from django.core.cache import cache

    settings.JOIN_MISSES_PER_CLIENT = 5
    _link, code = make_link()
    browser = Client(REMOTE_ADDR="203.0.113.9")
    answers = [browser.get(f"/join/wrong{n:030d}").status_code for n in range(100)]
    assert answers[:5] == [404] * 5
    assert set(answers[5:]) == {429}
    # Even the right code waits out the cool-off: the answer gives nothing away.
    assert browser.get(f"/join/{code}").status_code == 429
    assert Client(REMOTE_ADDR="203.0.113.10").get(f"/join/{code}").status_code == 303
    cache.delete("ratelimit:join:ip:203.0.113.9")  # the window ended
    assert browser.get(f"/join/{code}").status_code == 303


@pytest.mark.django_db
def test_a_global_budget_slows_guesses_spread_over_many_addresses(synced, settings, owner) -> None:
    settings.JOIN_MISSES_PER_CLIENT = 5
    settings.JOIN_MISSES_GLOBAL = 200
    answers = [
        Client(REMOTE_ADDR=f"198.51.{n // 250}.{n % 250}").get(f"/join/x{n:031d}").status_code
        for n in range(1000)
    ]
    assert answers.count(404) == 200
    assert set(answers[200:]) == {429}
    html = owner.client.get("/links/").content.decode()
    assert "joining is paused for everyone" in html  # the admin sees it


@pytest.mark.django_db
def test_nothing_is_published_when_the_redemption_rolls_back(
    synced, django_capture_on_commit_callbacks
) -> None:
    link, _code = make_link()

    class Boom(Exception):
        pass

    def rolled_back() -> None:
        with transaction.atomic():
            services.redeem(link.pk, who(1))
            raise Boom

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(Boom):
        rolled_back()
    assert callbacks == []
    assert not Redemption.objects.exists()
    link.refresh_from_db()
    assert link.uses == 0
    with django_capture_on_commit_callbacks() as callbacks:
        services.redeem(link.pk, who(2))
    assert len(callbacks) == 1
    assert Operation.objects.filter(kind="join.redeem").count() == 1


@pytest.mark.django_db
def test_a_redemption_whose_worker_died_mid_way_finishes_exactly_once(
    synced, plexsim, django_capture_on_commit_callbacks, no_sleep
) -> None:
    link, code = make_link()
    user_id = new_account(plexsim, "phoenix")
    _browser, attempt = start_join(code, django_capture_on_commit_callbacks)
    assert attempt.pin_login is not None
    plexsim.approve_pin(attempt.pin_login.code, "phoenix")
    redemption = services.redeem(link.pk, services.Account(user_id, "phoenix", "", ""))
    attempt.redemption = redemption
    attempt.save()
    op = Operation.objects.get(kind="join.redeem")
    redeem_link(owner_client(), op)  # the share is made, then the worker dies: nothing recorded
    assert len(sim_shares(plexsim, user_id)) == 1
    assert check_once(attempt, sleep=no_sleep) == "finished"  # the redelivered task
    [share] = sim_shares(plexsim, user_id)
    assert share["accepted"] is True
    link.refresh_from_db()
    assert link.uses == 1
    posts = [
        r
        for r in plexsim.requests()
        if r["method"] == "POST" and r["path"].endswith("/shared_servers")
    ]
    assert len(posts) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("racers", "limit"), [(50, 5), (8, 1)])
def test_concurrent_redemptions_never_exceed_the_limit(racers, limit, household) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the race is measured on PostgreSQL (DATABASE_URL)")
    from sharing.models import Server

    Server.objects.create(machine_identifier=DEN, name="Morgan's Den")
    link, _code = make_link(max_uses=limit)
    barrier = threading.Barrier(racers)
    results: list[Any] = []
    lock = threading.Lock()

    def race(n: int) -> None:
        try:
            barrier.wait()
            try:
                outcome: Any = services.redeem(link.pk, who(n)).state
            except services.Refused as refused:
                outcome = f"refused: {refused}"
            with lock:
                results.append(outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=race, args=(n,)) for n in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    granted = [r for r in results if r == Redemption.QUEUED]
    refused = [r for r in results if str(r).startswith("refused")]
    assert len(granted) == limit
    assert len(refused) == racers - limit
    assert all(r == "refused: used up" for r in refused)
    link.refresh_from_db()
    assert link.uses == limit
    assert Operation.objects.filter(kind="join.redeem").count() == limit


@pytest.mark.django_db(transaction=True)
def test_the_same_account_racing_itself_counts_once(household) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the race is measured on PostgreSQL (DATABASE_URL)")
    link, _code = make_link(max_uses=5)
    barrier = threading.Barrier(6)

    def race() -> None:
        try:
            barrier.wait()
            with contextlib.suppress(services.Refused):
                services.redeem(link.pk, who(7))
        finally:
            connection.close()

    threads = [threading.Thread(target=race) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    link.refresh_from_db()
    assert link.uses == 1
    assert Redemption.objects.count() == 1
    assert InviteLink.objects.get().uses <= 5


@pytest.mark.django_db
def test_a_link_turned_off_before_the_worker_shares_grants_nothing(
    synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    from django.utils import timezone

    from sharing import operations

    link, _code = make_link()
    user_id = new_account(plexsim, "toolate")
    services.redeem(link.pk, services.Account(user_id, "toolate", "", ""))
    InviteLink.objects.filter(pk=link.pk).update(disabled_at=timezone.now())
    op = Operation.objects.get(kind="join.redeem")
    outcome = operations.execute(op.pk)
    assert outcome.state == Operation.FAILED
    assert "turned off" in outcome.message
    assert sim_shares(plexsim, user_id) == []
    assert Redemption.objects.get().state == Redemption.FAILED


@pytest.mark.django_db
def test_sign_in_starts_are_limited_per_client(
    synced, settings, django_capture_on_commit_callbacks
) -> None:
    from accounts.models import PinLogin

    settings.JOIN_SIGN_INS_PER_CLIENT = 3
    _link, code = make_link()
    browser = Client(REMOTE_ADDR="203.0.113.50")
    browser.get(f"/join/{code}")
    with django_capture_on_commit_callbacks(execute=False):
        answers = [browser.post("/join/sign-in/", {"kind": "link"}).status_code for _ in range(5)]
    assert answers == [303, 303, 303, 429, 429]
    assert PinLogin.objects.count() == 3
