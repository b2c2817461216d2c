"""Every kind of event plexadmin can tell people about: its wording and who hears of it.

Admins choose, per channel, which of these reach them. Members never choose and never hear of
anything but their own access: the kinds marked ``member`` are also e-mailed to the person they
concern (when plex.tv gives an address and the household's admins left that kind on).

Wording is a ``str.format`` template over the event's context. Context values come from
plex.tv (names, titles) and are never trusted: pages escape them, chat messages defuse
mentions (see `channels.defuse`), and a missing value reads as "?" instead of failing.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from accounts import directory

Context = Mapping[str, Any]
Gate = Callable[[dict[str, Any]], dict[str, Any] | None]

INVITE_LINK_USED = "invite_link.used"
JOIN_NEEDS_APPROVAL = "join.needs_approval"
ACCESS_REQUESTED = "access.requested"
ACCESS_EXPIRING = "access.expiring"
ACCESS_EXPIRED = "access.expired"
INACTIVITY_WARNED = "inactivity.warned"
PERSON_REMOVED = "person.removed"
DRIFT_FOUND = "drift.found"
SYNC_FAILING = "sync.failing"
OPERATION_FAILED = "operation.failed"
TOKEN_RELINK = "token.relink"  # noqa: S105 - an event name, not a secret
SERVICE_DOWN = "service.down"
TEST = "test"


class _Lenient(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


_formatter = string.Formatter()


def fill(template: str, context: Context) -> str:
    """`template` with the context's values; unknown names read "?" rather than raising."""
    return _formatter.vformat(template, (), _Lenient(context))


@dataclass(frozen=True)
class EventType:
    code: str
    label: str
    when: str
    subject: str
    body: str
    member_subject: str = ""
    member_body: str = ""
    # Whether plexadmin raises it today (the others wait for the feature that raises them).
    wired: bool = True
    # Ticked for a new channel.
    default: bool = True
    # Called with the context at emit time: None drops the event, a dict adds to its context.
    gate: Gate | None = None

    @property
    def member(self) -> bool:
        return bool(self.member_subject)

    def subject_for(self, context: Context, *, member: bool = False) -> str:
        return fill(self.member_subject if member else self.subject, context)

    def body_for(self, context: Context, *, member: bool = False) -> str:
        return fill(self.member_body if member else self.body, context)


def _sync_streak(context: dict[str, Any]) -> dict[str, Any] | None:
    """Only the failure that makes the streak reach NOTIFY_SYNC_FAILURES is told, once: one
    more failure in a row than that means this streak was told already."""
    from django.conf import settings

    needed = int(settings.NOTIFY_SYNC_FAILURES)
    if directory.current().failed_syncs_in_a_row(needed + 1) != needed:
        return None
    return {"count": needed}


EVENT_TYPES: dict[str, EventType] = {
    kind.code: kind
    for kind in [
        EventType(
            INVITE_LINK_USED,
            "Invite link used",
            "someone joins through an invite link",
            "{person} joined through {creator}'s invite link",
            "{person} used the invite link {link_name} created by {creator} and now has "
            "access to {what}.",
        ),
        EventType(
            JOIN_NEEDS_APPROVAL,
            "Join needs approval",
            "someone used an invite link that asks an admin to approve each join",
            "{person} is waiting for your approval to join",
            "{person} used the invite link {link_name} created by {creator}. The link asks for "
            "an admin's approval before anything is shared: approve or refuse it in plexadmin.",
        ),
        EventType(
            ACCESS_REQUESTED,
            "Access request",
            "a member asks for access to more",
            "{person} asked for access to {what}",
            "{person} asked for access to {what}. {note}",
        ),
        EventType(
            ACCESS_EXPIRING,
            "Access expiring",
            "access to a server will end soon (the warning before expiry)",
            "{person}'s access to {server} ends {when}",
            "{person}'s access to {server} ends {when} ({expires_at}). Extend it on their page "
            "if they should keep it.",
            member_subject="Your access to {server} ends {when}",
            member_body="Your access to the Plex server {server} ends {when} ({expires_at}). "
            "If you would like to keep it, ask {owner}.",
        ),
        EventType(
            ACCESS_EXPIRED,
            "Access expired",
            "access reached its end date and is being removed",
            "{person}'s access to {server} expired",
            "{person}'s access to {server} reached its end date ({expires_at}) and is being "
            "removed.",
            member_subject="Your access to {server} has ended",
            member_body="Your access to the Plex server {server} reached its end date "
            "({expires_at}). If you would like it back, ask {owner}.",
        ),
        EventType(
            INACTIVITY_WARNED,
            "Inactivity warning sent",
            "someone who has not watched for a long time was warned before removal",
            "{person} was warned about inactivity",
            "{person} has not watched anything for {idle}. They were told that their access "
            "ends {when} unless they use it.",
            member_subject="Your access to {server} ends {when} unless you watch something",
            member_body="You have not watched anything on {owner}'s Plex server {server} for "
            "{idle}. Your access to it ends {when} unless you watch something before then.",
        ),
        EventType(
            PERSON_REMOVED,
            "Person removed",
            "someone was removed (as a friend, or from your Home)",
            "{person} was removed from {where}",
            "{person} was removed from {where}.",
            member_subject="Your access to {owner}'s Plex has changed",
            member_body="You were removed from {their} of {owner}'s Plex. If you think this is "
            "a mistake, ask {owner}.",
        ),
        EventType(
            DRIFT_FOUND,
            "Drift found",
            "the sync finds a setting that plex.tv holds differently from what was asked",
            "Drift: {target}",
            "plex.tv holds {fields} of {target} differently from what plexadmin last asked "
            "for. Keep plex.tv's value or re-apply yours on the Drift page.",
        ),
        EventType(
            SYNC_FAILING,
            "Sync failing",
            "the sync with plex.tv failed several times in a row",
            "The sync with plex.tv failed {count} times in a row",
            "The sync with plex.tv has failed {count} times in a row. The last error: {message}",
            gate=_sync_streak,
        ),
        EventType(
            OPERATION_FAILED,
            "Change failed",
            "a change to plex.tv failed for good (it waits for someone to retry it)",
            "A change failed: {what}",
            "{kind} for {what} failed: {message} Retry it from its page once the cause is fixed.",
        ),
        EventType(
            TOKEN_RELINK,
            "Sign-in needs renewing",
            "plex.tv stopped accepting the owner's sign-in",
            "The owner must sign in with Plex again",
            "plex.tv no longer accepts the Plex sign-in of {account} ({detail}). Nothing is "
            "sent to plex.tv until the owner signs in with Plex again.",
        ),
        EventType(
            SERVICE_DOWN,
            "Worker or beat not running",
            "the background worker or the scheduler (beat) stopped",
            "plexadmin's {service} is not running",
            "plexadmin's {service} is not running: {detail}. Changes and syncs wait until it "
            "runs again.",
        ),
    ]
}

TEST_TYPE = EventType(
    TEST,
    "Test",
    "an admin pressed 'Send a test'",
    "plexadmin test message",
    "This is a test from plexadmin, sent by {actor} to the channel '{channel}'. If you read "
    "this, the channel works.",
)


def lookup(code: str) -> EventType:
    if code == TEST:
        return TEST_TYPE
    return EVENT_TYPES[code]


def choices() -> list[tuple[str, str]]:
    return [(kind.code, kind.label) for kind in EVENT_TYPES.values()]


def member_choices() -> list[tuple[str, str]]:
    return [(kind.code, kind.label) for kind in EVENT_TYPES.values() if kind.member]
