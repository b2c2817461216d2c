"""The one way to raise a notification: `emit()`.

Call it at the point where the fact becomes true, inside the transaction that makes it true:

    from notify import events

    events.emit(events.PERSON_REMOVED, key=f"op-{op.pk}", person=person.pk,
                context={"person": person.display_name, "where": "every server"})

* `key` identifies the occurrence: emitting again with the same event and key (a retried
  operation, a redelivered task, a second beat tick) records nothing new, so nobody hears of
  it twice. Make it from what identifies the fact (an operation id, a share and its expiry
  date), never from the clock alone.
* `context` holds the wording's values (see `notify.catalogue` for each event's names): plain
  JSON values, never a secret and never a token. `path` (a path on this site) becomes a link.
* `person` is the sharing PlexUser id the event concerns; kinds about someone's own access
  also reach that person by e-mail when the admins allow it.

The row is written in a savepoint of the caller's transaction and the work is queued when that
transaction commits; a rollback leaves nothing behind. Nothing here raises into the caller
except for an unknown event type (a mistake in the calling code, meant to fail its tests): a
notification must never undo or block the change it reports.

Event types (wording and audience in `notify.catalogue`):

========================  ===========================================================
``invite_link.used``      someone joined through an invite link
``join.needs_approval``   a join through a link waits for an admin
``access.requested``      a member asked for more access
``access.expiring``       access ends soon; also tells the person
``access.expired``        access reached its end date; also tells the person
``inactivity.warned``     an inactive person was warned; also tells the person
``person.removed``        removed as a friend or from Home; also tells the person
``drift.found``           the sync found plex.tv holding a setting differently
``sync.failing``          emitted for every failed sync; told once a streak reaches
                          NOTIFY_SYNC_FAILURES
``operation.failed``      a change to plex.tv failed for good
``token.relink``          plex.tv stopped accepting the owner's sign-in
``service.down``          the worker or beat stopped running
========================  ===========================================================
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction

from notify.catalogue import (
    ACCESS_EXPIRED,
    ACCESS_EXPIRING,
    ACCESS_REQUESTED,
    DRIFT_FOUND,
    EVENT_TYPES,
    INACTIVITY_WARNED,
    INVITE_LINK_USED,
    JOIN_NEEDS_APPROVAL,
    OPERATION_FAILED,
    PERSON_REMOVED,
    SERVICE_DOWN,
    SYNC_FAILING,
    TOKEN_RELINK,
    lookup,
)
from notify.models import Event

__all__ = [
    "ACCESS_EXPIRED",
    "ACCESS_EXPIRING",
    "ACCESS_REQUESTED",
    "DRIFT_FOUND",
    "INACTIVITY_WARNED",
    "INVITE_LINK_USED",
    "JOIN_NEEDS_APPROVAL",
    "OPERATION_FAILED",
    "PERSON_REMOVED",
    "SERVICE_DOWN",
    "SYNC_FAILING",
    "TOKEN_RELINK",
    "emit",
]

log = logging.getLogger(__name__)


def emit(
    event: str,
    *,
    key: str,
    context: Mapping[str, Any] | None = None,
    person: int | None = None,
) -> Event | None:
    """Record `event` once per `key` and queue its notifications on commit.

    Returns the new Event, or None when this key was already recorded or the event's gate
    (e.g. "only the third failed sync in a row") let it pass.
    """
    if event not in EVENT_TYPES:
        raise ValueError(f"Unknown notification event {event!r}; see notify.catalogue.")
    try:
        return _record(event, key, dict(context or {}), person)
    except Exception:
        log.exception(
            "could not record the %s notification; the change itself is unaffected", event
        )
        return None


def _record(event: str, key: str, context: dict[str, Any], person: int | None) -> Event | None:
    full_key = f"{event}:{key}"[:255]
    with transaction.atomic():  # a savepoint: a failure here never poisons the caller's work
        if Event.objects.filter(key=full_key).exists():
            return None
        gate = lookup(event).gate
        if gate is not None:
            extra = gate(context)
            if extra is None:
                return None
            context.update(extra)
        try:
            with transaction.atomic():
                row = Event.objects.create(
                    type=event, key=full_key, context=context, person_id=person
                )
        except IntegrityError:
            return None  # the same key, recorded by a concurrent caller a moment ago
    transaction.on_commit(lambda: _enqueue(row.pk))
    return row


def _enqueue(event_id: int) -> None:
    from notify.tasks import fan_out

    try:
        fan_out.delay(event_id)
    except Exception:
        # The broker is away: the event is kept and the sweep fans it out later.
        log.warning("could not queue notifications for event %s; the sweep will", event_id)
