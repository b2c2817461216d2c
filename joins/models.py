"""Access profiles, invite links and their redemptions.

A link keeps a copy of what it grants (`grants`), taken from its profile when it was made:
editing a profile later never silently changes what an existing link hands out. The code is
never stored, only its SHA-256 (`code_hash`); lookups are by hash.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


def hash_code(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


class AccessProfile(models.Model):
    """A named preset ("Family", "Friends", "Kids"): per server, libraries, permissions and
    filters (`grants`, see `joins.grants`), and how long access lasts by default."""

    name = models.CharField(max_length=80, unique=True)
    description = models.CharField(max_length=200, blank=True)
    grants = models.JSONField(default=dict)
    default_access_days = models.PositiveIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class InviteLink(models.Model):
    FRIEND, HOME = "friend", "home"
    KINDS = [(FRIEND, "Friend"), (HOME, "Plex Home")]

    ACTIVE, EXPIRED, USED_UP, DISABLED = "active", "expired", "used up", "disabled"

    label = models.CharField(max_length=100)
    code_hash = models.CharField(max_length=64, unique=True)
    profile = models.ForeignKey(
        AccessProfile, null=True, blank=True, on_delete=models.SET_NULL, related_name="links"
    )
    grants = models.JSONField(default=dict)
    kind = models.CharField(max_length=8, choices=KINDS, default=FRIEND)
    expires_at = models.DateTimeField(null=True, blank=True)
    max_uses = models.PositiveIntegerField(null=True, blank=True)
    uses = models.PositiveIntegerField(default=0)
    access_days = models.PositiveIntegerField(null=True, blank=True)
    access_until = models.DateTimeField(null=True, blank=True)
    needs_approval = models.BooleanField(default=False)
    note = models.TextField(blank=True, max_length=1000)
    disabled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # The database itself refuses a use beyond the limit, whatever the code does.
            models.CheckConstraint(
                condition=Q(max_uses__isnull=True) | Q(uses__lte=F("max_uses")),
                name="invite_link_uses_within_limit",
            ),
            models.CheckConstraint(
                condition=Q(max_uses__isnull=True) | Q(max_uses__gte=1),
                name="invite_link_max_uses_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def state(self) -> str:
        if self.disabled_at is not None:
            return self.DISABLED
        if self.expires_at is not None and self.expires_at <= timezone.now():
            return self.EXPIRED
        if self.max_uses is not None and self.uses >= self.max_uses:
            return self.USED_UP
        return self.ACTIVE

    @property
    def creator_name(self) -> str:
        user = self.created_by
        if user is None:
            return "—"
        account = getattr(user, "plex_account", None)
        return account.display_name if account is not None else user.username

    @property
    def remaining(self) -> int | None:
        return None if self.max_uses is None else max(0, self.max_uses - self.uses)

    def access_end(self, start: Any = None) -> Any:
        """When access given through this link ends (None: forever)."""
        if self.access_until is not None:
            return self.access_until
        if self.access_days:
            return (start or timezone.now()) + timedelta(days=self.access_days)
        return None

    @classmethod
    def usable(cls) -> models.QuerySet[InviteLink]:
        """Links that may take one more use right now (the UPDATE's WHERE, see redeem)."""
        now = timezone.now()
        return cls.objects.filter(disabled_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now),
            Q(max_uses__isnull=True) | Q(uses__lt=F("max_uses")),
        )


class JoinAttempt(models.Model):
    """One browser's way through a link: which link, its sign-in PIN and the redemption.

    Bound to the browser by the hash of the same per-session key the sign-in PINs use."""

    link = models.ForeignKey(InviteLink, on_delete=models.CASCADE, related_name="attempts")
    browser_key_hash = models.CharField(max_length=64)
    pin_login = models.OneToOneField(
        "accounts.PinLogin", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    redemption = models.ForeignKey(
        "Redemption", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"join attempt {self.pk} on link {self.link_id}"


class Redemption(models.Model):
    """One account's use of a link. At most one per (link, account): the same account twice
    counts once."""

    APPROVAL, QUEUED, DONE, ALREADY, DENIED, FAILED = (
        "approval",
        "queued",
        "done",
        "already",
        "denied",
        "failed",
    )
    STATES = [
        (APPROVAL, "waiting for approval"),
        (QUEUED, "being set up"),
        (DONE, "joined"),
        (ALREADY, "already had this access"),
        (DENIED, "denied"),
        (FAILED, "failed"),
    ]

    link = models.ForeignKey(InviteLink, on_delete=models.CASCADE, related_name="redemptions")
    plex_id = models.BigIntegerField()
    username = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=254, blank=True)
    title = models.CharField(max_length=200, blank=True)
    state = models.CharField(max_length=12, choices=STATES)
    counted = models.BooleanField(default=False)
    operation = models.ForeignKey(
        "sharing.Operation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    access_until = models.DateTimeField(null=True, blank=True)
    # The plex.tv ids of shares this redemption made (not ones the person had): only these
    # get the link's access length; an older share is never given an end it did not have.
    new_shares = models.JSONField(default=list, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["link", "plex_id"], name="one_redemption_per_account")
        ]

    def __str__(self) -> str:
        return f"{self.display_name} via {self.link_id}"

    @property
    def display_name(self) -> str:
        return self.title or self.username or self.email or f"account {self.plex_id}"
