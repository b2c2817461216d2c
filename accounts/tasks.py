"""Background work for sign-in and token health. Arguments are row ids; results are small
summaries without tokens."""

from __future__ import annotations

from celery import shared_task

from accounts import services
from accounts.models import AccountSnapshot, Household, PinLogin, PlexAccount
from accounts.picture import read_picture
from accounts.plex import PlexLinkProblem, owner_client, report_failure
from plextv.errors import PlexTVError


@shared_task(ignore_result=True, soft_time_limit=90, time_limit=120)
def poll_pin(pin_login_id: int) -> dict[str, object]:
    """Check one PIN once and, while it is still pending, come back after the interval (the
    row's poll counter bounds the total).

    The wait is a countdown held by the broker, never a sleep in the task: a sign-in nobody
    finishes (a closed tab, a second attempt) must not hold a worker process that sharing
    changes and other sign-ins need.
    """
    try:
        result = services.poll_pin_login(pin_login_id, budget=0.0)
    except PinLogin.DoesNotExist:
        return {"pin_login": pin_login_id, "status": "gone"}
    if result.login.is_pending and result.next_delay:
        poll_pin.apply_async((pin_login_id,), countdown=result.next_delay)
    return {"pin_login": pin_login_id, "status": result.login.status, "polls": result.login.polls}


@shared_task(ignore_result=True, soft_time_limit=60, time_limit=90)
def ping_owner_token() -> dict[str, object]:
    """Beat: is the owner's token still accepted? A 401 marks it "needs re-link" (and then
    nothing calls plex.tv with it until the owner signs in again)."""
    household = Household.current()
    if household is None:
        return {"status": "no household"}
    try:
        client = owner_client()
    except PlexLinkProblem:
        return {"status": household.owner.token_status, "pinged": False}
    owner = household.owner
    try:
        alive = client.ping()
    except PlexTVError as exc:
        report_failure(owner, exc)
        return {"status": PlexAccount.objects.get(pk=owner.pk).token_status, "pinged": True}
    if alive:
        owner.mark_token(PlexAccount.TokenStatus.OK)
    else:
        owner.mark_token(
            PlexAccount.TokenStatus.NEEDS_RELINK, "plex.tv no longer accepts the owner's token."
        )
    return {"status": owner.token_status, "pinged": True}


@shared_task(ignore_result=True, soft_time_limit=60, time_limit=90)
def refresh_account_picture() -> dict[str, object]:
    """Read the owner's account for the account page (4 requests) and store it."""
    household = Household.current()
    if household is None:
        return {"status": "no household"}
    snapshot, _ = AccountSnapshot.objects.get_or_create(account=household.owner)
    try:
        picture = read_picture(owner_client())
    except PlexLinkProblem as exc:
        snapshot.record_error(exc.message)
        return {"status": "not linked"}
    except PlexTVError as exc:
        report_failure(household.owner, exc)
        snapshot.record_error(exc.human_message)
        return {"status": "failed", "error": type(exc).__name__}
    snapshot.record(picture.to_json())
    return {"status": "read", "devices": len(picture.devices)}
