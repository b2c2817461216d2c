"""Access over time: the access length asked for at invite time, and inactivity clean-ups.

Expiry itself lives on `sharing.Share.expires_at` (plex.tv has no expiry of its own: the date is
ours, and the worker stops sharing when it passes). Warnings before the end need no table:
each is a notify Event whose key names the share, its expiry and the threshold, so it is sent
once per share and threshold, and again only if the expiry moves.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from sharing.models import Operation, OperationBatch, PlexUser, Server, Share


class AppliedTerm(models.Model):
    """An invite's access length, applied once to one share it brought.

    The invite's operation holds `access_days`; the share appears only when the invitee
    accepts (and a sync sees it). This row says "done" so an admin who later gives that share
    "forever" is never overruled by the invite.
    """

    operation = models.ForeignKey(Operation, on_delete=models.CASCADE, related_name="+")
    share_id = models.BigIntegerField()
    expires_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["operation", "share_id"], name="term_once_per_share")
        ]

    def __str__(self) -> str:
        return f"op {self.operation_id} → share {self.share_id}"


class CleanUp(models.Model):
    """An admin's inactivity clean-up: the shares they picked were warned at the start; at
    `ends_at` the ones still unused are stopped as one batch, the ones used meanwhile kept."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    idle_days = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField()
    # Set by the one beat tick that claims the clean-up once `ends_at` has passed.
    decided_at = models.DateTimeField(null=True, blank=True)
    batch = models.ForeignKey(
        OperationBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["decided_at", "ends_at"])]

    def __str__(self) -> str:
        return f"clean-up {self.pk} ending {self.ends_at:%Y-%m-%d}"

    @property
    def waiting(self) -> bool:
        return self.decided_at is None


class CleanUpEntry(models.Model):
    WARNED = "warned"
    KEPT = "kept"
    GONE = "gone"
    REMOVING = "removing"
    REMOVED = "removed"
    STATES = [
        (WARNED, "Warned, waiting"),
        (KEPT, "Kept: watched meanwhile"),
        (GONE, "Already without access"),
        (REMOVING, "Being removed"),
        (REMOVED, "Removed"),
    ]

    cleanup = models.ForeignKey(CleanUp, on_delete=models.CASCADE, related_name="entries")
    user = models.ForeignKey(PlexUser, on_delete=models.CASCADE, related_name="+")
    server = models.ForeignKey(Server, on_delete=models.CASCADE, related_name="+")
    # The share goes when access is stopped; user and server keep the entry readable.
    share = models.ForeignKey(
        Share, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_active_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=STATES, default=WARNED)
    operation = models.ForeignKey(
        Operation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    told_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["cleanup", "user", "server"], name="cleanup_entry_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.server_id}: {self.state}"
