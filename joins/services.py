"""Invite links: making one, looking a code up, and redeeming it exactly within its limits.

Redeeming takes one use with a single conditional UPDATE (`uses = uses + 1` only where the
link is enabled, unexpired and under its limit). On PostgreSQL concurrent UPDATEs of the row
wait for each other and re-check the WHERE, so 50 people racing for a 5-use link get exactly
5 rows updated; the CHECK constraint on the table would refuse a sixth even if the code did
not. One redemption per (link, account) makes the same account twice count once.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from joins import grants as grants_mod
from joins.models import InviteLink, Redemption, hash_code
from notify import events
from sharing.models import Operation

log = logging.getLogger(__name__)

REDEEM = "join.redeem"
CODE_BYTES = 24  # 192 bits from the CSPRNG; the brief's floor is 128


def new_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


def create_link(data: dict[str, Any], actor: User | None) -> tuple[InviteLink, str]:
    """Store a link (its code's hash only) and return it with the code, shown once."""
    from joins.forms import end_of_day

    code = new_code()
    link = InviteLink.objects.create(
        label=data["label"],
        code_hash=hash_code(code),
        profile=data.get("profile"),
        grants=data["grants"],
        kind=data.get("kind") or InviteLink.FRIEND,
        expires_at=end_of_day(data["expires_on"]) if data.get("expires_on") else None,
        max_uses=data.get("max_uses"),
        access_days=data.get("access_days"),
        access_until=end_of_day(data["access_until"]) if data.get("access_until") else None,
        needs_approval=bool(data.get("needs_approval")),
        note=data.get("note") or "",
        created_by=actor,
    )
    return link, code


def find_usable(code: str) -> InviteLink | None:
    """The link behind `code` if it can take a use now; None for every other case alike."""
    if not code or len(code) > 200:
        return None
    return InviteLink.usable().filter(code_hash=hash_code(code)).first()


@dataclass(frozen=True)
class Account:
    """What the invitee's sign-in told us: enough to share with them, nothing secret."""

    plex_id: int
    username: str
    email: str
    title: str


class Refused(Exception):
    """The link cannot take this redemption (used up, expired, disabled)."""


def redeem(link_id: int, who: Account) -> Redemption:
    """Record `who`'s use of the link and submit the sharing operation (or queue for approval).

    Runs in one transaction: the operation's task is published only if it commits. Someone
    who already has everything the link grants is told so and no use is counted; the same
    account again gets its first redemption back.
    """
    with transaction.atomic():
        existing = Redemption.objects.filter(link_id=link_id, plex_id=who.plex_id).first()
        if existing is not None:
            return existing
        link = InviteLink.objects.get(pk=link_id)
        if existing is None and grants_mod.covered_by_shares(link.grants, who.plex_id):
            return _record(link, who, Redemption.ALREADY, counted=False)
        taken = InviteLink.usable().filter(pk=link_id).update(uses=F("uses") + 1)
        if not taken:
            link.refresh_from_db()
            raise Refused(link.state)
        state = Redemption.APPROVAL if link.needs_approval else Redemption.QUEUED
        try:
            with transaction.atomic():
                redemption = _record(link, who, state, counted=True)
        except IntegrityError:
            # The same account racing itself: its other request holds the redemption.
            raise Refused("duplicate") from None
        if state == Redemption.QUEUED:
            submit_redemption(redemption, actor=None)
        else:
            announce(events.JOIN_NEEDS_APPROVAL, redemption)
        return redemption


def announce(event: str, redemption: Redemption) -> None:
    """Tell whoever subscribed that someone used a link (once per redemption and event)."""
    link = redemption.link
    what = "; ".join(
        f"{grant.name}: {', '.join(grant.libraries)}" for grant in grants_mod.describe(link.grants)
    )
    events.emit(
        event,
        key=f"redemption-{redemption.pk}",
        context={
            "person": redemption.title or redemption.username or redemption.email,
            "link_name": link.label,
            "creator": link.creator_name,
            "what": what or "nothing new",
        },
        person=redemption.plex_id,
    )


def _record(link: InviteLink, who: Account, state: str, *, counted: bool) -> Redemption:
    return Redemption.objects.create(
        link=link,
        plex_id=who.plex_id,
        username=who.username,
        email=who.email,
        title=who.title,
        state=state,
        counted=counted,
        access_until=link.access_end(),
    )


def submit_redemption(redemption: Redemption, actor: User | None) -> Operation:
    """The sharing operation of a redemption (once: its key is the redemption's id)."""
    from sharing import operations

    link = redemption.link
    op, _ = operations.submit(
        REDEEM,
        "redemption",
        redemption.pk,
        {
            "label": f"{redemption.display_name} (invite link “{link.label}”)",
            "plex_id": redemption.plex_id,
            "address": redemption.username or redemption.email,
            "kind": link.kind,
            "servers": grants_mod.entries(link.grants),
        },
        actor,
        f"join-redemption-{redemption.pk}",
    )
    Redemption.objects.filter(pk=redemption.pk).update(operation=op, updated_at=timezone.now())
    redemption.operation = op
    return op


def approve(redemption: Redemption, actor: User) -> Operation | None:
    with transaction.atomic():
        changed = Redemption.objects.filter(pk=redemption.pk, state=Redemption.APPROVAL).update(
            state=Redemption.QUEUED, decided_by=actor, updated_at=timezone.now()
        )
        if not changed:
            return None
        redemption.refresh_from_db()
        return submit_redemption(redemption, actor)


def deny(redemption: Redemption, actor: User, note: str) -> bool:
    """Refuse a waiting request; its use goes back to the link."""
    with transaction.atomic():
        changed = Redemption.objects.filter(pk=redemption.pk, state=Redemption.APPROVAL).update(
            state=Redemption.DENIED,
            decided_by=actor,
            decision_note=note[:300],
            counted=False,
            updated_at=timezone.now(),
        )
        if changed and redemption.counted:
            InviteLink.objects.filter(pk=redemption.link_id, uses__gt=0).update(uses=F("uses") - 1)
        return bool(changed)


def waiting_count() -> int:
    return Redemption.objects.filter(state=Redemption.APPROVAL).count()


def stamp_expiry(redemption: Redemption) -> None:
    """Give the shares this redemption made the link's end date (never an older share)."""
    from sharing.models import Share

    if redemption.access_until is None or not redemption.new_shares:
        return
    Share.objects.filter(
        shared_server_id__in=[int(i) for i in redemption.new_shares], expires_at__isnull=True
    ).update(expires_at=redemption.access_until)


def start_polling(attempt_id: int) -> None:
    """Have the worker follow this attempt's PIN, once the current transaction commits."""
    from joins.tasks import poll_join_pin

    poll_join_pin.delay_on_commit(attempt_id)  # type: ignore[attr-defined]


def check_now(attempt_id: int) -> None:
    """One PIN check by the worker now, without starting another round of polling."""
    from joins.tasks import poll_join_pin

    poll_join_pin.delay(attempt_id, follow=False)
