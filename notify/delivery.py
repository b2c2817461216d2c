"""From events to messages: fan out, gather bursts into digests, send, retry, recover.

The rows are the truth; task messages only say "look at row N", so a redelivered or
duplicated message finds the work done and does nothing.

* Fan-out writes one Notification per (event, recipient); the unique pair makes a second
  fan-out of the same event a no-op.
* A recipient's waiting notifications are gathered until none has come for
  NOTIFY_DIGEST_SECONDS (at most eight times as long), then attached to one Delivery: one
  message, or a digest when there are several. A Delivery still waiting (a failing channel
  in backoff) takes in what arrives meanwhile, so a dead channel holds one message, not one
  per event.
* Sending claims the Delivery (queued → sending, with a lease), sends, and marks it sent. A
  failure that sent nothing goes back to queued with capped exponential backoff and jitter,
  and the channel shows as failing; after NOTIFY_MAX_ATTEMPTS it is failed (with "Send
  again"). Nothing here ever raises into the change that caused the event.
* A worker that dies between the send and the mark leaves "sending" behind. Once the lease
  runs out the sweep decides, per channel kind:

  - e-mail is sent again, same content and Message-ID (at least once): an SMTP server takes
    the message only at the end of the exchange, so the window in which a repeat is possible
    is the instant between its "250 OK" and our commit, while giving up would lose every
    message whose connection, TLS or authentication was cut short;
  - chat and push (Apprise) are marked "may not have arrived" and not repeated (at most
    once): a webhook has no message id to recognise a repeat by, and a repeat lands in front
    of everyone in the room. "Send again" is offered on the page.
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Min
from django.utils import timezone

from accounts import directory
from accounts.models import Household, Member
from accounts.vault import TokenUndecryptable
from notify import catalogue, channels
from notify.models import Channel, Delivery, Event, MemberNotices, Notification

log = logging.getLogger(__name__)

# Longer than the send task's hard time limit: a lease never runs out under a live worker.
LEASE = timedelta(seconds=120)
DIGEST_LINES = 60
ADMIN_ROLES = (Member.Role.OWNER, Member.Role.CO_ADMIN)


def quiet() -> timedelta:
    return timedelta(seconds=float(settings.NOTIFY_DIGEST_SECONDS))


def max_wait() -> timedelta:
    return quiet() * 8


def backoff(attempt: int) -> float:
    """Full jitter over a doubling window: 30 s, 1 min, 2 min … capped at 30 minutes."""
    window = min(1800.0, 30.0 * 2 ** max(0, attempt - 1))
    return round(random.uniform(window / 2, window), 1)  # noqa: S311 - spreading retries


# --- fan-out ---------------------------------------------------------------------------------


def recipients(event: Event) -> list[Notification]:
    """Who hears of `event`: admins' channels that picked it, and the person it concerns."""
    kind = catalogue.lookup(event.type)
    found = [
        Notification(event=event, channel=channel, recipient=channel.recipient)
        for channel in Channel.objects.filter(owner__member__role__in=ADMIN_ROLES)
        if channel.wants(event.type)
    ]
    if kind.member and event.person_id and event.type in MemberNotices.current().events:
        address = directory.current().email(event.person_id)
        if address and channels.email_available():
            found.append(
                Notification(
                    event=event, address=address, recipient=f"email:{address}", member=True
                )
            )
    return found


def fan_out(event_id: int) -> list[int]:
    """Notifications for the event, created once; returns the new ones' ids."""
    event = Event.objects.filter(pk=event_id).first()
    if event is None or event.fanned_out_at is not None:
        return []
    created: list[int] = []
    for notification in recipients(event):
        try:
            with transaction.atomic():
                notification.save()
        except IntegrityError:
            continue  # a previous fan-out of this event got this far
        created.append(notification.pk)
    Event.objects.filter(pk=event.pk).update(fanned_out_at=timezone.now())
    return created


# --- gathering -------------------------------------------------------------------------------


def flush_due(notification_id: int, now: datetime | None = None) -> tuple[Delivery | None, float]:
    """Attach the recipient's waiting notifications to a delivery once their burst is over.

    Returns (a delivery due now or None, seconds to wait before looking again or 0).
    """
    now = now or timezone.now()
    mine = Notification.objects.filter(pk=notification_id, delivery__isnull=True).first()
    if mine is None:
        return None, 0
    waiting = Notification.objects.filter(recipient=mine.recipient, delivery__isnull=True)
    span = waiting.aggregate(first=Min("created_at"), last=Max("created_at"))
    if span["first"] is None:
        return None, 0
    if now - span["first"] < max_wait():
        if span["last"] > mine.created_at:
            return None, 0  # a newer notification's own look will gather this one
        if now - span["last"] < quiet():
            return None, (quiet() - (now - span["last"])).total_seconds()
    found = gather(mine.recipient, now)
    if found is None or found.next_attempt_at > now:
        return None, 0  # a failing channel in backoff: its own retry takes these along
    return found, 0


def gather(recipient: str, now: datetime) -> Delivery | None:
    """Put every waiting notification of `recipient` on its open delivery (or a new one)."""
    with transaction.atomic():
        waiting = list(
            Notification.objects.select_for_update()
            .filter(recipient=recipient, delivery__isnull=True)
            .order_by("created_at", "pk")
        )
        if not waiting:
            return None
        delivery = (
            Delivery.objects.select_for_update()
            .filter(recipient=recipient, state=Delivery.QUEUED, resent=False)
            .order_by("created_at")
            .first()
        )
        if delivery is None:
            first = waiting[0]
            delivery = Delivery.objects.create(
                channel_id=first.channel_id,
                address=first.address,
                recipient=recipient,
                next_attempt_at=now,
                created_at=now,
                updated_at=now,
            )
        Notification.objects.filter(pk__in=[n.pk for n in waiting]).update(delivery=delivery)
    return delivery


# --- rendering -------------------------------------------------------------------------------


def _context(event: Event, member: bool) -> dict[str, Any]:
    context = dict(event.context)
    if member:
        household = Household.current()
        context.setdefault("owner", household.owner.display_name if household else "the owner")
    return context


def _link(event: Event) -> str:
    path = str(event.context.get("path", ""))
    return f"{settings.PUBLIC_BASE_URL}{path}" if path.startswith("/") else ""


def render(delivery: Delivery) -> tuple[str, str]:
    """(subject, body) of the delivery: one notification as itself, several as a digest."""
    items = list(delivery.notifications.select_related("event").order_by("created_at", "pk"))
    if not items:
        return "", ""
    lines: list[tuple[str, str, str]] = []
    for item in items:
        kind = catalogue.lookup(item.event.type)
        context = _context(item.event, item.member)
        lines.append(
            (
                kind.subject_for(context, member=item.member),
                kind.body_for(context, member=item.member),
                "" if item.member else _link(item.event),
            )
        )
    if len(lines) == 1:
        subject, body, link = lines[0]
        return subject, body + (f"\n\n{link}" if link else "")
    if items[0].member:
        # A person hears only of their own access: each notice in full, the latest as subject.
        return lines[-1][0][:300], "\n\n".join(body for _, body, _ in lines)
    counts = Counter(catalogue.lookup(item.event.type).label for item in items)
    summary = ", ".join(f"{label}: {n}" for label, n in counts.most_common())
    shown = [f"• {subject_line}" + (f"  {link}" if link else "") for subject_line, _, link in lines]
    if len(shown) > DIGEST_LINES:
        shown = [*shown[:DIGEST_LINES], f"… and {len(shown) - DIGEST_LINES} more."]
    body = f"{len(items)} things happened in plexadmin:\n\n" + "\n".join(shown)
    return f"{len(items)} updates ({summary})"[:300], body


# --- sending ---------------------------------------------------------------------------------


def send(delivery_id: int, now: datetime | None = None) -> tuple[str, float | None]:
    """Try the delivery once. Returns (state, seconds until the next try or None)."""
    now = now or timezone.now()
    delivery = Delivery.objects.select_related("channel").filter(pk=delivery_id).first()
    if delivery is None:
        return "missing", None
    if not delivery.claim(now, LEASE):
        if delivery.state == Delivery.QUEUED and delivery.next_attempt_at > now:
            return delivery.state, (delivery.next_attempt_at - now).total_seconds()
        return delivery.state, None
    subject, body = render(delivery)
    if not subject:
        delivery.mark_sent(now)  # its notifications went with a channel that was removed
        return delivery.state, None
    Delivery.objects.filter(pk=delivery.pk).update(subject=subject[:300])
    channel = delivery.channel
    try:
        channels.send(channel, delivery.address, subject, body, delivery.message_id())
    except TokenUndecryptable:
        return _give_up(
            delivery,
            "The channel's URL cannot be decrypted with TOKEN_ENCRYPTION_KEYS; add it again.",
        )
    except channels.SendFailed as exc:
        return _failed(delivery, exc.message)
    except Exception as exc:
        log.exception("delivery %s: unexpected error while sending", delivery.pk)
        return _failed(delivery, f"Unexpected error: {type(exc).__name__}")
    sent_at = timezone.now()
    delivery.mark_sent(sent_at)
    if channel is not None:
        channel.record_success(sent_at)
    return Delivery.SENT, None


def _failed(delivery: Delivery, error: str) -> tuple[str, float | None]:
    now = timezone.now()
    if delivery.channel is not None:
        delivery.channel.record_failure(error, now)
    where = f"channel {delivery.channel_id}" if delivery.channel_id else "a member's e-mail"
    log.warning(
        "delivery %s to %s failed (try %s): %s", delivery.pk, where, delivery.attempts, error
    )
    if delivery.attempts >= int(settings.NOTIFY_MAX_ATTEMPTS):
        return _give_up(delivery, f"Gave up after {delivery.attempts} tries. {error}")
    wait = backoff(delivery.attempts)
    delivery.mark_retry(error, now + timedelta(seconds=wait), now)
    return Delivery.QUEUED, wait


def _give_up(delivery: Delivery, error: str) -> tuple[str, float | None]:
    now = timezone.now()
    delivery.mark_failed(error, now)
    if delivery.channel is not None:
        delivery.channel.record_failure(error, now)
    return Delivery.FAILED, None


def queue_send(delivery_id: int) -> None:
    """Send the delivery from the worker once the current transaction commits."""
    from notify.tasks import send

    transaction.on_commit(lambda: send.delay(delivery_id))


def send_again(delivery: Delivery) -> bool:
    """An admin's "Send again" for a failed or unconfirmed delivery."""
    now = timezone.now()
    return bool(
        Delivery.objects.filter(
            pk=delivery.pk, state__in=[Delivery.FAILED, Delivery.UNCONFIRMED]
        ).update(state=Delivery.QUEUED, attempts=0, next_attempt_at=now, error="", updated_at=now)
    )


# --- recovery --------------------------------------------------------------------------------


def recover(now: datetime | None = None) -> dict[str, list[int]]:
    """What the sweep does: finish what crashes, lost messages and outages left behind.

    Returns the ids of deliveries to send, and of notifications and events to look at again.
    """
    now = now or timezone.now()
    again: list[int] = []
    for delivery in Delivery.objects.select_related("channel").filter(
        state=Delivery.SENDING, lease_until__lt=now
    ):
        if delivery.channel is not None and delivery.channel.kind == Channel.APPRISE:
            Delivery.objects.filter(pk=delivery.pk, state=Delivery.SENDING).update(
                state=Delivery.UNCONFIRMED,
                error="The worker stopped while sending; it may not have arrived.",
                updated_at=now,
            )
            continue
        if Delivery.objects.filter(pk=delivery.pk, state=Delivery.SENDING).update(
            state=Delivery.QUEUED, resent=True, next_attempt_at=now, updated_at=now
        ):
            again.append(delivery.pk)
    late = now - timedelta(seconds=60)
    due = list(
        Delivery.objects.filter(state=Delivery.QUEUED, next_attempt_at__lte=late).values_list(
            "pk", flat=True
        )
    )
    stale = now - max_wait() - quiet() - timedelta(seconds=60)
    waiting = list(
        Notification.objects.filter(delivery__isnull=True, created_at__lt=stale)
        .order_by("recipient", "-created_at")
        .distinct()
        .values_list("recipient", "pk")
    )
    newest: dict[str, int] = {}
    for recipient, pk in waiting:
        newest.setdefault(recipient, pk)
    events = list(
        Event.objects.filter(fanned_out_at__isnull=True, created_at__lt=late).values_list(
            "pk", flat=True
        )
    )
    return {"deliveries": again + due, "notifications": list(newest.values()), "events": events}
