"""The invitee's sign-in, redemption and acceptance, run by the worker.

The task message carries only the join attempt's id. The invitee's Plex token exists only in
this function's local variables: read from the PIN, used to read their account and to accept
the share on their behalf, then dropped. It is never written to the database, the cache, a
log line, a task message or a task result (scenario 27).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from celery import shared_task
from django.db.models import F
from django.utils import timezone

import plextv
from accounts.models import Household, PinLogin
from accounts.plex import anonymous_client
from accounts.services import MAX_POLLS, upsert_account
from joins import services
from joins.models import JoinAttempt, Redemption
from plextv.errors import NotFound, PlexTVError, RateLimited, Unavailable
from sharing.models import Operation

log = logging.getLogger(__name__)

POLL_EVERY = 1.0
OPERATION_WAIT = 60.0


@shared_task(ignore_result=True, soft_time_limit=90, time_limit=120)
def poll_join_pin(attempt_id: int, follow: bool = True) -> dict[str, object]:
    """Check the attempt's PIN once; when approved, redeem and accept. Pending PINs come back
    after a countdown held by the broker (never a sleep holding a worker)."""
    attempt = JoinAttempt.objects.select_related("pin_login", "link").filter(pk=attempt_id).first()
    if attempt is None or attempt.pin_login is None:
        return {"attempt": attempt_id, "status": "gone"}
    outcome = check_once(attempt)
    if outcome == "pending" and follow:
        poll_join_pin.apply_async((attempt_id,), countdown=POLL_EVERY)
    return {"attempt": attempt_id, "status": outcome}


def check_once(attempt: JoinAttempt, *, sleep: Callable[[float], None] = time.sleep) -> str:
    login = attempt.pin_login
    assert login is not None  # noqa: S101 - checked by the caller
    login.refresh_from_db()
    if login.status in (PinLogin.Status.EXPIRED, PinLogin.Status.CANCELLED, PinLogin.Status.FAILED):
        return login.status
    if attempt.redemption_id is not None:
        redemption = Redemption.objects.get(pk=attempt.redemption_id)
        if redemption.accepted_at is not None or redemption.state not in (
            Redemption.QUEUED,
            Redemption.DONE,
        ):
            return "finished"
    if login.expired_by_clock() or login.polls >= MAX_POLLS:
        login.finish(PinLogin.Status.EXPIRED, "The sign-in code expired.")
        return PinLogin.Status.EXPIRED
    PinLogin.objects.filter(pk=login.pk).update(polls=F("polls") + 1)
    client = anonymous_client()
    try:
        pin = client.check_pin(login.pin_id)
    except NotFound:
        login.finish(PinLogin.Status.EXPIRED, "The sign-in code expired.")
        return PinLogin.Status.EXPIRED
    except (RateLimited, Unavailable):
        return "pending"
    except PlexTVError:
        _note(attempt, "Plex could not be reached. Try again in a minute.")
        login.finish(PinLogin.Status.FAILED, "plex.tv failed")
        return PinLogin.Status.FAILED
    if not (pin.linked and pin.auth_token):
        return "pending"
    return _signed_in(attempt, login, client.with_token(pin.auth_token), sleep)


def _note(attempt: JoinAttempt, detail: str) -> None:
    JoinAttempt.objects.filter(pk=attempt.pk).update(detail=detail[:300])


def _signed_in(
    attempt: JoinAttempt,
    login: PinLogin,
    invitee: plextv.PlexTV,
    sleep: Callable[[float], None],
) -> str:
    """The invitee approved: read their account, redeem, wait for the share, accept it."""
    try:
        info = invitee.account()
    except PlexTVError:
        _note(attempt, "Plex could not be reached. Try again in a minute.")
        login.finish(PinLogin.Status.FAILED, "plex.tv failed")
        return PinLogin.Status.FAILED
    account = upsert_account(info, invitee.token or "")
    login.mark_linked(account)
    if attempt.redemption_id is None:
        who = services.Account(
            plex_id=info.id,
            username=info.username or "",
            email=info.email or "",
            title=info.title or "",
        )
        try:
            redemption = services.redeem(attempt.link_id, who)
        except services.Refused:
            _note(attempt, "refused")
            return "refused"
        JoinAttempt.objects.filter(pk=attempt.pk).update(redemption=redemption)
    else:
        redemption = Redemption.objects.get(pk=attempt.redemption_id)
    if (
        redemption.state not in (Redemption.QUEUED, Redemption.DONE)
        or redemption.operation_id is None
    ):
        return redemption.state
    if not _operation_done(redemption.operation_id, sleep):
        _note(
            attempt, "The share is still being set up; accept it in any Plex app when it arrives."
        )
        return "waiting"
    accept(invitee, redemption)
    return "finished"


def _operation_done(op_id: int, sleep: Callable[[float], None]) -> bool:
    """Run the operation here if no worker has it yet, else wait for whoever runs it.

    A run here that plex.tv sends back to the queue (rate limit, outage, a lost answer) is
    handed to the worker with its countdown, as the operation's own task would do: the task
    sent at submit found the row taken by this run and left it, so nothing else would come
    back for it before the sweep."""
    from sharing.operations import enqueue, execute

    op = Operation.objects.get(pk=op_id)
    if op.state == Operation.QUEUED:
        outcome = execute(op_id)
        if outcome.retry_in is not None:
            enqueue(op, countdown=outcome.retry_in)
    waited = 0.0
    while waited <= OPERATION_WAIT:
        op.refresh_from_db(fields=["state"])
        if op.state == Operation.SUCCEEDED:
            return True
        if op.state == Operation.FAILED:
            return False
        sleep(0.2)
        waited += 0.2
    return False


def accept(invitee: plextv.PlexTV, redemption: Redemption) -> int:
    """Accept, with the invitee's own token, every pending share the owner sent them for the
    link's servers (plex.tv's current v2 accept endpoint). Returns how many were accepted."""
    redemption.refresh_from_db()
    household = Household.current()
    machines = {e["machine"] for e in redemption.link.grants.get("servers", [])}
    accepted = 0
    try:
        for invite in invitee.pending_invites_received():
            if household is not None and invite.user_id not in (None, household.owner.plex_id):
                continue
            for shared in invite.shared_servers:
                if shared.machine_identifier in machines:
                    invitee.accept_invite(shared.id)
                    accepted += 1
    except PlexTVError:
        log.warning("accepting the share for redemption %s failed", redemption.pk)
        JoinAttempt.objects.filter(redemption=redemption).update(
            detail="Your invite is waiting: accept it in any Plex app."
        )
        return accepted
    Redemption.objects.filter(pk=redemption.pk).update(
        accepted_at=timezone.now(), updated_at=timezone.now()
    )
    settle(redemption)
    return accepted


def settle(redemption: Redemption) -> None:
    """Bring the new person into People now (a sync) and give their new shares the link's
    end date. A sync already running elsewhere is left to it; the expiry is then stamped
    when the invitee's or an admin's page next looks (`stamp_expiry`)."""
    from sharing.sync.runs import run_sync

    if redemption.access_until is not None and redemption.new_shares:
        try:
            run_sync()
        except Exception:
            log.warning(
                "the sync after redemption %s failed; the schedule catches up", redemption.pk
            )
    services.stamp_expiry(redemption)
