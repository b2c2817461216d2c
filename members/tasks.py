"""Plex actions a member runs with their own sign-in: accept the owner's pending shares, link
a TV by the code it shows.

plexadmin keeps no member's token (accounts keeps only the owner's). So each action starts a
Plex sign-in (a PIN the member approves); the worker reads the token from the PIN and uses it
right here, in this function's local variables, for the one action, then drops it. It is never
written to the database, the cache, a log line, a task message or a task result.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db.models import F

import plextv
from accounts.models import Household, PinLogin
from accounts.plex import anonymous_client, new_client
from accounts.services import MAX_POLLS
from activity.devices import LinkRefused, link_device
from members.models import SignInAction
from plextv.errors import NotFound, PlexTVError, RateLimited, Unavailable
from sharing.models import Share

log = logging.getLogger(__name__)

POLL_EVERY = 1.0


@shared_task(ignore_result=True, soft_time_limit=60, time_limit=90)
def poll_action(action_id: int, follow: bool = True) -> dict[str, object]:
    """Check the action's PIN once; when approved, run the action. A pending PIN comes back
    after a countdown held by the broker, never a sleep holding a worker."""
    action = SignInAction.objects.select_related("pin_login", "requester__plex_account").filter(
        pk=action_id
    )
    found = action.first()
    if found is None or found.pin_login is None:
        return {"action": action_id, "state": "gone"}
    outcome = check_once(found)
    if outcome == "pending" and follow:
        poll_action.apply_async((action_id,), countdown=POLL_EVERY)
    return {"action": action_id, "state": outcome}


def check_once(action: SignInAction) -> str:
    login = action.pin_login
    assert login is not None  # noqa: S101 - checked by the caller
    if action.state != SignInAction.WAITING:
        return action.state
    login.refresh_from_db()
    if not login.is_pending:
        action.finish(SignInAction.FAILED, "The Plex sign-in ended. Start again.")
        return action.state
    if login.expired_by_clock() or login.polls >= MAX_POLLS:
        login.finish(PinLogin.Status.EXPIRED, "The sign-in code expired.")
        action.finish(SignInAction.FAILED, "The Plex sign-in expired. Start again.")
        return action.state
    PinLogin.objects.filter(pk=login.pk).update(polls=F("polls") + 1)
    client = anonymous_client()
    try:
        pin = client.check_pin(login.pin_id)
    except NotFound:
        login.finish(PinLogin.Status.EXPIRED, "The sign-in code expired.")
        action.finish(SignInAction.FAILED, "The Plex sign-in expired. Start again.")
        return action.state
    except (RateLimited, Unavailable):
        return "pending"
    except PlexTVError:
        login.finish(PinLogin.Status.FAILED, "plex.tv failed")
        action.finish(SignInAction.FAILED, "Plex could not be reached. Try again in a minute.")
        return action.state
    if not (pin.linked and pin.auth_token):
        return "pending"
    run_with_token(action, login, pin.auth_token)
    return action.state


def run_with_token(action: SignInAction, login: PinLogin, token: str) -> None:
    """The member approved: make sure it is them, then run the one action with the token."""
    member = new_client(token)
    account = action.requester.plex_account
    try:
        who = member.account()
    except PlexTVError:
        login.finish(PinLogin.Status.FAILED, "plex.tv failed")
        action.finish(SignInAction.FAILED, "Plex could not be reached. Try again in a minute.")
        return
    if account is None or who.id != account.plex_id:
        login.finish(PinLogin.Status.FAILED, "another account")
        action.finish(
            SignInAction.FAILED,
            f"You signed in to Plex as {who.username or who.title or 'someone else'}, not as "
            f"{account.display_name if account else 'yourself'}: nothing was done.",
        )
        return
    login.finish(PinLogin.Status.COMPLETED, "used once for a member action")
    if action.kind == SignInAction.ACCEPT:
        _accept(action, member)
    else:
        _link(action, token)


def _accept(action: SignInAction, member: plextv.PlexTV) -> None:
    """Accept every pending share the household's owner sent this member."""
    household = Household.current()
    owner_id = household.owner.plex_id if household else None
    accepted: list[int] = []
    try:
        for invite in member.pending_invites_received():
            if invite.user_id != owner_id:
                continue
            for shared in invite.shared_servers:
                member.accept_invite(shared.id)
                accepted.append(shared.id)
    except PlexTVError as exc:
        log.warning("accepting shares for action %s failed", action.pk)
        done = f" ({len(accepted)} accepted before it failed)" if accepted else ""
        action.finish(SignInAction.FAILED, f"{exc.human_message}{done} Try again in a minute.")
        _mark_accepted(accepted)
        return
    _mark_accepted(accepted)
    if not accepted:
        action.finish(SignInAction.DONE, "There was nothing left to accept.")
        return
    action.finish(SignInAction.DONE, f"Accepted {len(accepted)} share(s): enjoy!")


def _mark_accepted(ids: list[int]) -> None:
    """plex.tv said yes: read the household again so the member's page shows the shares as
    theirs (the sync is the one writer of invites and shares). A sync already running
    elsewhere is left to it, and a failed one to the schedule."""
    if not ids:
        return
    Share.objects.filter(shared_server_id__in=ids).update(pending=False)
    from sharing.sync.runs import run_sync

    try:
        run_sync()
    except Exception:
        log.warning("the sync after accepting shares failed; the schedule catches up")


def _link(action: SignInAction, token: str) -> None:
    code = action.device_code
    try:
        link_device(token, code)
    except LinkRefused as refused:
        action.finish(SignInAction.FAILED, refused.message)
        return
    action.finish(SignInAction.DONE, f"The device showing {code} is now signed in as you.")
