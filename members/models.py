"""What members ask for and the Plex actions they run with their own sign-in.

An `AccessRequest` is a member asking for one more library or a later end date on one of
their shares; an admin approves it (it becomes an edit Operation that only adds what was
asked) or denies it with a note. A `SignInAction` is a member accepting the owner's pending
shares or linking a TV: both need the member's own Plex token, which plexadmin never keeps,
so each starts a Plex sign-in whose token the worker uses once and drops.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class AccessRequest(models.Model):
    LIBRARY, TIME = "library", "time"
    KINDS = [(LIBRARY, "another library"), (TIME, "more time")]
    PENDING, APPROVED, DENIED = "pending", "approved", "denied"
    STATES = [(PENDING, "waiting for an admin"), (APPROVED, "approved"), (DENIED, "not approved")]

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_requests"
    )
    share = models.ForeignKey(
        "sharing.Share", on_delete=models.CASCADE, related_name="access_requests"
    )
    kind = models.CharField(max_length=8, choices=KINDS)
    library = models.ForeignKey(
        "sharing.Library", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    until = models.DateTimeField(null=True, blank=True)
    message = models.CharField(max_length=500, blank=True)
    state = models.CharField(max_length=8, choices=STATES, default=PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    answer = models.CharField(max_length=500, blank=True)
    operation = models.ForeignKey(
        "sharing.Operation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One open request per thing asked: a double click or a second tab asks once.
            models.UniqueConstraint(
                fields=["share", "library"],
                condition=Q(state="pending", kind="library"),
                name="one_pending_library_request",
            ),
            models.UniqueConstraint(
                fields=["share"],
                condition=Q(state="pending", kind="time"),
                name="one_pending_time_request",
            ),
            models.CheckConstraint(
                condition=(Q(kind="library") & Q(library__isnull=False))
                | (Q(kind="time") & Q(until__isnull=False)),
                name="access_request_says_what",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} request {self.pk} ({self.state})"

    def claim_decision(self, state: str, by: object, answer: str = "") -> bool:
        """pending → `state`, exactly once (two admins clicking decide once)."""
        changed = AccessRequest.objects.filter(pk=self.pk, state=self.PENDING).update(
            state=state, decided_by=by, decided_at=timezone.now(), answer=answer[:500]
        )
        if changed:
            self.state, self.answer = state, answer[:500]
        return bool(changed)


class SignInAction(models.Model):
    ACCEPT, LINK_TV = "accept", "link_tv"
    KINDS = [(ACCEPT, "accept shares"), (LINK_TV, "link a TV")]
    WAITING, DONE, FAILED = "waiting", "done", "failed"
    STATES = [(WAITING, "waiting for Plex sign-in"), (DONE, "done"), (FAILED, "failed")]

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sign_in_actions"
    )
    kind = models.CharField(max_length=8, choices=KINDS)
    pin_login = models.ForeignKey(
        "accounts.PinLogin", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The code a TV shows for plex.tv/link: four characters, good for minutes, not a secret.
    device_code = models.CharField(max_length=8, blank=True)
    state = models.CharField(max_length=8, choices=STATES, default=WAITING)
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} ({self.state})"

    def finish(self, state: str, detail: str) -> bool:
        changed = SignInAction.objects.filter(pk=self.pk, state=self.WAITING).update(
            state=state, detail=detail[:300]
        )
        if changed:
            self.state, self.detail = state, detail[:300]
        return bool(changed)


class Allowance(models.Model):
    """What one member may hand out through their own invite links.

    `grants` names the libraries (joins' grants format, libraries only: a member's link never
    hands out downloads, Live TV or other flags). `used` counts the people reserved this
    period: a link for n people takes n at once, with one conditional UPDATE
    (`members.allowances.reserve`), and gives back its unused places when disabled.
    """

    MONTH, TOTAL = "month", "total"
    PERIODS = [(MONTH, "per month"), (TOTAL, "in total")]

    member = models.OneToOneField(
        "accounts.Member", on_delete=models.CASCADE, related_name="allowance"
    )
    max_people = models.PositiveIntegerField()
    period = models.CharField(max_length=8, choices=PERIODS, default=TOTAL)
    grants = models.JSONField(default=dict)
    beyond_own_access = models.BooleanField(default=False)
    max_access_days = models.PositiveIntegerField(null=True, blank=True)
    needs_approval = models.BooleanField(default=True)
    used = models.PositiveIntegerField(default=0)
    period_start = models.DateField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(max_people__gte=1), name="allowance_at_least_one")
        ]

    def __str__(self) -> str:
        return f"allowance of {self.member_id} ({self.used}/{self.max_people})"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class MemberLink(models.Model):
    """A joins invite link made by a member within their allowance: the places it took."""

    allowance = models.ForeignKey(Allowance, on_delete=models.CASCADE, related_name="links")
    link = models.OneToOneField(
        "joins.InviteLink", on_delete=models.CASCADE, related_name="member_link"
    )
    places = models.PositiveIntegerField()
    period_start = models.DateField(null=True, blank=True)
    released = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"member link {self.link_id}"
