"""Notifications: what happened (Event), who is to hear of it (Notification), and the messages
that carry it (Delivery).

An Event is written in the transaction of the change that caused it, once per dedupe key.
A task fans it out into one Notification per recipient (an admin's channel, or a member's
e-mail address), again once per pair. Notifications waiting for the same recipient are
gathered into one Delivery: a single message, or a digest when a burst came in. The Delivery
row is the truth for sending: claimed with a conditional UPDATE, marked sent after the send.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts import vault


class Channel(models.Model):
    """Where one admin wants to hear about the events they picked."""

    EMAIL = "email"
    APPRISE = "apprise"
    KINDS = [(EMAIL, "E-mail"), (APPRISE, "Chat or push")]

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notify_channels"
    )
    kind = models.CharField(max_length=16, choices=KINDS)
    name = models.CharField(max_length=80)
    address = models.EmailField(blank=True)
    # Fernet ciphertext of the Apprise URL (it carries the service's secret); read through
    # get_url(). `masked` is what pages show.
    url_ciphertext = models.TextField(blank=True)
    masked = models.CharField(max_length=300, blank=True)
    service = models.CharField(max_length=80, blank=True)
    events = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    failing_since = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def recipient(self) -> str:
        return f"channel:{self.pk}"

    @property
    def target(self) -> str:
        return self.address if self.kind == self.EMAIL else self.masked

    def set_url(self, url: str, masked: str, service: str) -> None:
        self.url_ciphertext = vault.encrypt(url)
        self.masked = masked[:300]
        self.service = service[:80]

    def get_url(self) -> str:
        """The Apprise URL; `vault.TokenUndecryptable` when the key that sealed it is gone."""
        return vault.decrypt(self.url_ciphertext)

    def wants(self, event_type: str) -> bool:
        return event_type in self.events

    def record_success(self, now: datetime) -> None:
        Channel.objects.filter(pk=self.pk).update(
            failing_since=None, last_error="", last_sent_at=now
        )

    def record_failure(self, error: str, now: datetime) -> None:
        Channel.objects.filter(pk=self.pk, failing_since__isnull=True).update(failing_since=now)
        Channel.objects.filter(pk=self.pk).update(last_error=error[:300])


class MemberNotices(models.Model):
    """Which events about their own access members are e-mailed (one row per installation)."""

    events = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    DEFAULT = ["access.expiring", "access.expired", "inactivity.warned"]

    def __str__(self) -> str:
        return ", ".join(self.events) or "none"

    @classmethod
    def current(cls) -> MemberNotices:
        row, _ = cls.objects.get_or_create(pk=1, defaults={"events": list(cls.DEFAULT)})
        return row


class Event(models.Model):
    """Something happened that someone may want to hear about; one row per dedupe key."""

    type = models.CharField(max_length=48)
    key = models.CharField(max_length=255, unique=True)
    context = models.JSONField(default=dict, blank=True)
    # The PlexUser (sharing) the event is about, for the member audience.
    person_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    fanned_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.type} {self.key}"


class Delivery(models.Model):
    """One message to one recipient, carrying one notification or a digest of several.

    queued → sending → sent, or back to queued with a later `next_attempt_at` after a failure
    that certainly sent nothing, or failed once the attempts run out. A "sending" row whose
    lease ran out belongs to a worker that died mid-send: e-mail is sent again (at least
    once), chat and push are marked "unconfirmed" (at most once); see `notify.delivery`.
    """

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNCONFIRMED = "unconfirmed"
    STATES = [
        (QUEUED, "Waiting"),
        (SENDING, "Sending"),
        (SENT, "Sent"),
        (FAILED, "Failed"),
        (UNCONFIRMED, "May not have arrived"),
    ]

    channel = models.ForeignKey(
        Channel, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    address = models.EmailField(blank=True)
    recipient = models.CharField(max_length=300)
    state = models.CharField(max_length=16, choices=STATES, default=QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    # Set when a send may already have reached the recipient: the message must go out again
    # exactly as it was (same content, same Message-ID), so nothing more joins it.
    resent = models.BooleanField(default=False)
    subject = models.CharField(max_length=300, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"delivery {self.pk} to {self.recipient} ({self.state})"

    @property
    def open(self) -> bool:
        return self.state in (self.QUEUED, self.SENDING)

    def message_id(self) -> str:
        """Stable across attempts, so a repeated e-mail is recognisably the same message."""
        return f"<plexadmin-notify-{self.pk}-{self.created_at:%Y%m%d%H%M%S}@plexadmin>"

    def claim(self, now: datetime, lease: timedelta) -> bool:
        """queued and due → sending, counting the attempt; False when another got there first."""
        changed = Delivery.objects.filter(
            pk=self.pk, state=self.QUEUED, next_attempt_at__lte=now
        ).update(
            state=self.SENDING,
            attempts=models.F("attempts") + 1,
            lease_until=now + lease,
            updated_at=now,
        )
        if changed:
            self.refresh_from_db()
        return bool(changed)

    def mark_sent(self, now: datetime) -> bool:
        return self._leave_sending(state=self.SENT, sent_at=now, error="", updated_at=now)

    def mark_retry(self, error: str, at: datetime, now: datetime) -> bool:
        return self._leave_sending(
            state=self.QUEUED, next_attempt_at=at, error=error[:300], updated_at=now
        )

    def mark_failed(self, error: str, now: datetime) -> bool:
        return self._leave_sending(state=self.FAILED, error=error[:300], updated_at=now)

    def _leave_sending(self, **values: Any) -> bool:
        changed = Delivery.objects.filter(pk=self.pk, state=self.SENDING).update(**values)
        if changed:
            for name, value in values.items():
                setattr(self, name, value)
        return bool(changed)


class Notification(models.Model):
    """One event for one recipient; `delivery` is the message that carries it."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="notifications")
    channel = models.ForeignKey(
        Channel, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    address = models.EmailField(blank=True)
    recipient = models.CharField(max_length=300)
    member = models.BooleanField(default=False)
    delivery = models.ForeignKey(
        Delivery, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "recipient"], name="notify_once_per_recipient")
        ]
        indexes = [models.Index(fields=["recipient", "delivery"])]

    def __str__(self) -> str:
        return f"{self.event.type} to {self.recipient}"
