from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from accounts import signals, vault


class User(AbstractUser):
    """A person who can sign in to the dashboard.

    Its own model from the start, because swapping the user model after the first migration is
    one of the few things Django cannot do gracefully. Plex identities and roles hang off it.
    """

    plex_account = models.OneToOneField(
        "accounts.PlexAccount",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
        help_text="The Plex account this person signs in with.",
    )


class PlexAccount(models.Model):
    """A plex.tv account we have seen sign in. Its token is kept only where we act with it
    (the owner, and co-admins), and only encrypted."""

    class TokenStatus(models.TextChoices):
        OK = "ok", "working"
        NEEDS_RELINK = "needs_relink", "needs re-link"
        API_CHANGED = "api_changed", "plex.tv API changed"

    plex_id = models.BigIntegerField(unique=True)
    uuid = models.CharField(max_length=64, blank=True)
    username = models.CharField(max_length=150, blank=True)
    email = models.CharField(max_length=254, blank=True)
    title = models.CharField(max_length=150, blank=True)
    thumb = models.URLField(max_length=500, blank=True)
    has_plex_pass = models.BooleanField(default=False)
    # Fernet ciphertext only; read and written through set_token/get_token.
    token_ciphertext = models.TextField(blank=True, default="")
    token_status = models.CharField(
        max_length=16, choices=TokenStatus.choices, default=TokenStatus.OK
    )
    token_status_detail = models.CharField(max_length=300, blank=True)
    token_checked_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.title or self.username or f"Plex account {self.plex_id}"

    @property
    def has_token(self) -> bool:
        return bool(self.token_ciphertext)

    def set_token(self, token: str) -> None:
        """Store `token` encrypted and mark it working (the caller saves)."""
        self.token_ciphertext = vault.encrypt(token)
        self.token_status = self.TokenStatus.OK
        self.token_status_detail = ""

    def get_token(self) -> str | None:
        """The token, None when none is kept, `vault.TokenUndecryptable` on a wrong key."""
        if not self.token_ciphertext:
            return None
        return vault.decrypt(self.token_ciphertext)

    def forget_token(self) -> None:
        self.token_ciphertext = ""

    def mark_token(self, status: str, detail: str = "") -> None:
        """Record the token's health; saved at once so every process stops using it."""
        newly_dead = status == self.TokenStatus.NEEDS_RELINK != self.token_status
        self.token_status = status
        self.token_status_detail = detail[:300]
        self.token_checked_at = timezone.now()
        self.save(update_fields=["token_status", "token_status_detail", "token_checked_at"])
        if newly_dead:
            signals.token_needs_relink.send(sender=PlexAccount, account=self)

    def update_profile(
        self,
        *,
        uuid: str,
        username: str,
        email: str | None,
        title: str,
        thumb: str | None,
        has_plex_pass: bool,
    ) -> None:
        self.uuid = uuid
        self.username = username
        self.email = email or ""
        self.title = title
        self.thumb = thumb or ""
        self.has_plex_pass = has_plex_pass


class Household(models.Model):
    """The one household this installation manages: its owner and the server they picked."""

    owner = models.ForeignKey(PlexAccount, on_delete=models.PROTECT, related_name="households")
    name = models.CharField(max_length=150)
    machine_identifier = models.CharField(max_length=64)
    server_name = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> Household | None:
        return cls.objects.select_related("owner").order_by("pk").first()


class Member(models.Model):
    """A dashboard user's role in the household."""

    class Role(models.TextChoices):
        OWNER = "owner", "owner"
        CO_ADMIN = "co_admin", "co-admin"
        MEMBER = "member", "member"

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="member")
    plex_account = models.OneToOneField(
        PlexAccount, on_delete=models.CASCADE, related_name="member"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    granted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.plex_account} ({self.get_role_display()})"

    @property
    def is_admin(self) -> bool:
        return self.role in {self.Role.OWNER, self.Role.CO_ADMIN}

    def set_role(self, role: str, by: User | None) -> None:
        self.role = role
        self.granted_by = by
        self.save(update_fields=["role", "granted_by", "updated_at"])


def hash_browser_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class PinLogin(models.Model):
    """One "Sign in with Plex" attempt: the plex.tv PIN, the browser it belongs to, and where
    the polling task has got to. The row is the state; tasks get only its id."""

    class Kind(models.TextChoices):
        OAUTH = "oauth", "popup"
        LINK = "link", "plex.tv/link code"

    class Status(models.TextChoices):
        PENDING = "pending", "waiting for approval"
        LINKED = "linked", "approved"
        COMPLETED = "completed", "signed in"
        EXPIRED = "expired", "expired"
        CANCELLED = "cancelled", "cancelled"
        FAILED = "failed", "failed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    pin_id = models.BigIntegerField()
    code = models.CharField(max_length=64)
    client_identifier = models.CharField(max_length=100)
    # SHA-256 of a random key kept in the creating session: only that browser may read this row.
    browser_key_hash = models.CharField(max_length=64)
    next_url = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    detail = models.CharField(max_length=300, blank=True)
    plex_account = models.ForeignKey(
        PlexAccount, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    polls = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    linked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"PIN {self.pin_id} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def is_finished(self) -> bool:
        return self.status in {
            self.Status.COMPLETED,
            self.Status.EXPIRED,
            self.Status.CANCELLED,
            self.Status.FAILED,
        }

    def belongs_to(self, browser_key: str | None) -> bool:
        return bool(browser_key) and hash_browser_key(browser_key or "") == self.browser_key_hash

    def expired_by_clock(self) -> bool:
        return timezone.now() >= self.expires_at

    def finish(self, status: str, detail: str = "") -> bool:
        """Move a pending row to `status`; False when another process got there first."""
        changed = PinLogin.objects.filter(pk=self.pk, status=self.Status.PENDING).update(
            status=status, detail=detail[:300]
        )
        if changed:
            self.status, self.detail = status, detail[:300]
        return bool(changed)

    def mark_linked(self, account: PlexAccount) -> bool:
        changed = PinLogin.objects.filter(pk=self.pk, status=self.Status.PENDING).update(
            status=self.Status.LINKED, plex_account=account, linked_at=timezone.now()
        )
        if changed:
            self.status, self.plex_account = self.Status.LINKED, account
        return bool(changed)

    def claim_completion(self) -> bool:
        """Linked → completed, exactly once (two status polls racing sign in only once)."""
        return bool(
            PinLogin.objects.filter(pk=self.pk, status=self.Status.LINKED).update(
                status=self.Status.COMPLETED
            )
        )

    @classmethod
    def lifetime(cls, expires_in: int | None, kind: str) -> timedelta:
        default = 1800 if kind == cls.Kind.OAUTH else 900
        return timedelta(seconds=expires_in if expires_in and expires_in > 0 else default)


class AccountSnapshot(models.Model):
    """What plex.tv last said about an account (profile, servers, devices, view-state sync),
    so the account page renders from the database and refreshes through the worker.

    `data` holds `accounts.picture.AccountPicture` as JSON; it never holds a token.
    """

    account = models.OneToOneField(PlexAccount, on_delete=models.CASCADE, related_name="snapshot")
    data = models.JSONField(default=dict, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    refresh_requested_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    error_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"snapshot of {self.account}"

    def claim_refresh(self, not_within: timedelta) -> bool:
        """Mark a refresh requested unless one was in the last `not_within`; True when this
        call did (so many page views ask the worker once)."""
        now = timezone.now()
        claimed = (
            AccountSnapshot.objects.filter(pk=self.pk)
            .filter(
                models.Q(refresh_requested_at__isnull=True)
                | models.Q(refresh_requested_at__lt=now - not_within)
            )
            .update(refresh_requested_at=now)
        )
        if claimed:
            self.refresh_requested_at = now
        return bool(claimed)

    def record(self, data: dict[str, object]) -> None:
        self.data = data
        self.read_at = timezone.now()
        self.error = ""
        self.save(update_fields=["data", "read_at", "error"])

    def record_error(self, message: str) -> None:
        self.error = message[:300]
        self.error_at = timezone.now()
        self.save(update_fields=["error", "error_at"])

    @property
    def last_read_failed(self) -> bool:
        return self.error_at is not None and (self.read_at is None or self.error_at > self.read_at)

    @property
    def stamp(self) -> str:
        """Which read this is, for a page to tell whether a newer one has arrived."""
        return self.read_at.isoformat() if self.read_at else ""

    @property
    def refreshing(self) -> bool:
        """A refresh was asked for recently and has not reported back."""
        asked = self.refresh_requested_at
        if asked is None or timezone.now() - asked > timedelta(minutes=1):
            return False
        done = max(filter(None, [self.read_at, self.error_at]), default=None)
        return done is None or done < asked
