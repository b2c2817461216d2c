"""Members asking for more, and admins deciding.

A request names one thing (a library on one of the member's shares, or a later end date).
Approving it turns it into an edit of that share through `sharing.operations.submit` that
only adds what was asked: the library list sent is plex.tv's current one plus the library
(see `libraries_to_write`), and an end date is only ever moved later. If the share already
has what was asked, nothing is sent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from members.models import AccessRequest
from notify import events
from sharing import operations
from sharing.models import Library, Operation, Share, ShareLibrary
from sharing.operations.shares import EDIT_SHARE

MORE_TIME = {30: "one more month", 90: "three more months", 180: "six more months"}


class Refused(Exception):
    """A request or decision that cannot be made, with the sentence to show."""


def ask_for_library(user: User, share: Share, library_id: int, message: str) -> AccessRequest:
    """`share` is the member's own (the view checked)."""
    if share.all_libraries:
        raise Refused(f"You already have every library on {share.server.name}.")
    library = Library.objects.filter(
        pk=library_id, server_id=share.server_id, missing_since__isnull=True
    ).first()
    if library is None:
        raise Refused("Choose one of the libraries on that server.")
    if ShareLibrary.objects.filter(share=share, library=library).exists():
        raise Refused(f"You already have {library.title}.")
    return _create(user, share, AccessRequest.LIBRARY, message, library=library)


def ask_for_time(user: User, share: Share, days: int, message: str) -> AccessRequest:
    if days not in MORE_TIME:
        raise Refused("Choose how much more time to ask for.")
    if share.expires_at is None:
        raise Refused(f"Your access to {share.server.name} has no end date.")
    start = max(share.expires_at, timezone.now())
    return _create(user, share, AccessRequest.TIME, message, until=start + timedelta(days=days))


def _create(user: User, share: Share, kind: str, message: str, **what: object) -> AccessRequest:
    try:
        with transaction.atomic():
            asked = AccessRequest.objects.create(
                requester=user, share=share, kind=kind, message=message[:500], **what
            )
    except IntegrityError:
        raise Refused("You have already asked for that; an admin will answer soon.") from None
    library = what.get("library")
    until = what.get("until")
    wanted = (
        f"{library.title} on {share.server.name}"  # type: ignore[attr-defined]
        if library is not None
        else f"more time on {share.server.name} (until {until:%d %B %Y})"  # type: ignore[str-format]
    )
    events.emit(
        events.ACCESS_REQUESTED,
        key=f"access-request-{asked.pk}",
        context={"person": share.user.display_name, "what": wanted, "note": asked.message},
        person=share.user.plex_id,
    )
    return asked


def pending_count() -> int:
    return AccessRequest.objects.filter(state=AccessRequest.PENDING).count()


def approve(request_id: int, admin: User) -> AccessRequest:
    """Decide once and queue the edit (or nothing, when the share already has it)."""
    with transaction.atomic():
        asked = (
            AccessRequest.objects.select_for_update(of=("self",))
            .select_related("share__server", "share__user", "library")
            .filter(pk=request_id)
            .first()
        )
        if asked is None:
            raise LookupError(request_id)
        if asked.state != AccessRequest.PENDING:
            raise Refused("Someone has already answered this request.")
        share = asked.share
        changes, before = _edit_for(asked, share)
        if not changes:
            asked.claim_decision(AccessRequest.APPROVED, admin, "You already have this.")
            return asked
        label = f"{share.user.display_name} on {share.server.name}"
        op, _ = operations.submit(
            EDIT_SHARE,
            Operation.TARGET_SHARE,
            share.pk,
            {"label": label, "changes": changes, "before": before},
            admin,
            f"members-request-{asked.pk}",
        )
        asked.claim_decision(AccessRequest.APPROVED, admin)
        AccessRequest.objects.filter(pk=asked.pk).update(operation=op)
        asked.operation = op
    return asked


def _edit_for(asked: AccessRequest, share: Share) -> tuple[dict[str, object], dict[str, object]]:
    """The share edit that adds exactly what was asked to what the share has now."""
    if asked.kind == AccessRequest.TIME:
        assert asked.until is not None  # noqa: S101 - the table's check constraint
        if share.expires_at is None or share.expires_at >= asked.until:
            return {}, {}
        return (
            {"expires_at": _iso(asked.until)},
            {"expires_at": _iso(share.expires_at)},
        )
    assert asked.library is not None  # noqa: S101 - the table's check constraint
    if share.shared_server_id is None:
        raise Refused("This share is not on plex.tv yet; try again after the next sync.")
    current = sorted(
        ShareLibrary.objects.filter(share=share).values_list("library__global_id", flat=True)
    )
    if share.all_libraries or asked.library.global_id in current:
        return {}, {}
    return (
        {"libraries": sorted([*current, asked.library.global_id])},
        {"libraries": current},
    )


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def deny(request_id: int, admin: User, note: str) -> AccessRequest:
    asked = AccessRequest.objects.filter(pk=request_id).first()
    if asked is None:
        raise LookupError(request_id)
    if not asked.claim_decision(AccessRequest.DENIED, admin, note.strip()):
        raise Refused("Someone has already answered this request.")
    return asked


def follow_sign_in(action_id: int) -> None:
    """Have the worker follow the action's Plex sign-in, once the transaction commits."""
    from members.tasks import poll_action

    poll_action.delay_on_commit(action_id)  # type: ignore[attr-defined]


def check_sign_in_now(action_id: int) -> None:
    """One more check of the action's sign-in by the worker, without another round of polling."""
    from members.tasks import poll_action

    poll_action.delay(action_id, follow=False)
