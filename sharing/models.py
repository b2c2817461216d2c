"""The local picture of the household: what plex.tv says, what the dashboard wants, what happened.

Observed state (servers, libraries, people, shares, pending invites) is written by the sync;
desired state (`Share.desired`) is what the dashboard last asked for. Plex has two id spaces
for libraries (global section id vs server-local key) and for shares (shared-server id vs user
id); both are stored.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from sharing import share_state
from sharing.leases import holder_is_gone
from sharing.share_state import AccessState, Drift

log = logging.getLogger(__name__)


class Server(models.Model):
    machine_identifier = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    owned = models.BooleanField(default=True)
    # Set when plex.tv stops listing the server among the owner's resources; never deleted.
    missing_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Library(models.Model):
    server = models.ForeignKey(Server, on_delete=models.CASCADE, related_name="libraries")
    global_id = models.BigIntegerField(unique=True, help_text="plex.tv's section id")
    key = models.IntegerField(null=True, blank=True, help_text="the server's own section key")
    title = models.CharField(max_length=200)
    type = models.CharField(max_length=32)
    missing_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["server__name", "key", "title"]
        verbose_name_plural = "libraries"

    def __str__(self) -> str:
        return f"{self.title} ({self.server})"


class PlexUser(models.Model):
    """A person with access: a friend, a Home member with an account, or a managed profile."""

    FRIEND = "friend"
    HOME = "home"
    MANAGED = "managed"
    KINDS = [(FRIEND, "Friend"), (HOME, "Home member"), (MANAGED, "Managed profile")]

    # plex.tv's limits: a Plex Home holds 15 members (its admin, the owner, included), and
    # a server is shared with about 100 people at most.
    HOME_LIMIT = 15
    SHARE_LIMIT = 100

    # plex.tv stores `little_kid`, `older_kid` and `teen` (or nothing); Plex's own apps call
    # them Younger Kid, Older Kid and Teen, and so does every page, message and audit line.
    PROFILE_LABELS: ClassVar[dict[str, str]] = {
        "little_kid": "Younger Kid",
        "older_kid": "Older Kid",
        "teen": "Teen",
    }
    NO_PROFILE = "No restrictions"

    plex_id = models.BigIntegerField(unique=True)
    uuid = models.CharField(max_length=64, blank=True)
    kind = models.CharField(max_length=16, choices=KINDS, default=FRIEND)
    username = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=254, blank=True)
    title = models.CharField(max_length=200, blank=True)
    thumb = models.URLField(max_length=500, blank=True)
    restriction_profile = models.CharField(max_length=32, blank=True)
    protected = models.BooleanField(default=False)
    home = models.BooleanField(default=False)
    # "Not on plex.tv": set by the first sync that no longer finds the person, counted up by
    # each following one, cleared when they come back. Nothing is deleted on that evidence.
    missing_since = models.DateTimeField(null=True, blank=True)
    missing_syncs = models.PositiveIntegerField(default=0)
    # Tombstone: removed here (by an admin, or after a confirmed prune). A sync never
    # brings a tombstoned person back.
    removed_locally_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title", "plex_id"]
        indexes = [models.Index(fields=["missing_since"])]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.title or self.username or self.email or f"#{self.plex_id}"

    @property
    def flagged(self) -> bool:
        return self.missing_since is not None and self.removed_locally_at is None


class Share(models.Model):
    """One server shared with one person. Settings are per person at plex.tv; kept per share."""

    # The field names live with the conversions, in `sharing.share_state`.
    SETTING_FIELDS = share_state.SETTING_FIELDS
    STATE_FIELDS = share_state.STATE_FIELDS

    user = models.ForeignKey(PlexUser, on_delete=models.CASCADE, related_name="shares")
    server = models.ForeignKey(Server, on_delete=models.CASCADE, related_name="shares")
    shared_server_id = models.BigIntegerField(unique=True, null=True, blank=True)
    pending = models.BooleanField(default=False)
    all_libraries = models.BooleanField(default=False)
    libraries = models.ManyToManyField(Library, through="ShareLibrary", related_name="shares")
    allow_sync = models.BooleanField(default=False)
    allow_camera_upload = models.BooleanField(default=False)
    allow_channels = models.BooleanField(default=False)
    allow_subtitle_admin = models.BooleanField(default=False)
    allow_tuners = models.PositiveSmallIntegerField(default=0)
    # plex.tv's filter strings, byte for byte. Null is kept apart from "": plex.tv sends null
    # for a filter it holds no value for, and an edit must write back the same.
    filter_movies = models.TextField(null=True, blank=True)  # noqa: DJ001
    filter_television = models.TextField(null=True, blank=True)  # noqa: DJ001
    filter_music = models.TextField(null=True, blank=True)  # noqa: DJ001
    filter_photos = models.TextField(null=True, blank=True)  # noqa: DJ001
    filter_all = models.TextField(null=True, blank=True)  # noqa: DJ001
    expires_at = models.DateTimeField(null=True, blank=True)
    desired = models.JSONField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "server"], name="share_one_per_user_server")
        ]

    def __str__(self) -> str:
        return f"{self.server} → {self.user}"

    def state(self, library_ids: list[int] | None = None) -> AccessState:
        """What plex.tv last said the share grants; `library_ids` (global ids) saves a query
        when already known."""
        return AccessState.from_share(self, library_ids)

    def observed_state(self, library_ids: list[int] | None = None) -> dict[str, Any]:
        """The state in the shape `desired` stores."""
        return self.state(library_ids).to_params()

    def drift(self, library_ids: list[int] | None = None) -> list[Drift]:
        """Fields where plex.tv's value differs from what the dashboard last asked for."""
        return self.state(library_ids).drift(self.desired)


class ShareLibrary(models.Model):
    share = models.ForeignKey(Share, on_delete=models.CASCADE)
    library = models.ForeignKey(Library, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["share", "library"], name="share_library_once")
        ]

    def __str__(self) -> str:
        return f"{self.share_id}:{self.library_id}"


class Invite(models.Model):
    """An invite sent and not yet accepted, one per shared-server id."""

    shared_server_id = models.BigIntegerField(unique=True)
    server = models.ForeignKey(Server, on_delete=models.CASCADE, related_name="invites")
    email = models.CharField(max_length=254, blank=True)
    username = models.CharField(max_length=200, blank=True)
    invited_plex_id = models.BigIntegerField(null=True, blank=True)
    all_libraries = models.BooleanField(default=False)
    libraries = models.ManyToManyField(Library, related_name="invites", blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.address} on {self.server}"

    @property
    def address(self) -> str:
        return self.email or self.username or f"#{self.invited_plex_id}"


class HomeInvite(models.Model):
    """An invitation into the owner's Plex Home that the invitee has not accepted yet.

    plex.tv keeps one per account, so the invitee's account id is the key; `invited_at` is
    plex.tv's time of sending when it says, else when plexadmin sent or first saw it.
    """

    plex_id = models.BigIntegerField(unique=True, help_text="the invitee's plex.tv account id")
    username = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=254, blank=True)
    title = models.CharField(max_length=200, blank=True)
    invited_at = models.DateTimeField(default=timezone.now)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-invited_at"]

    def __str__(self) -> str:
        return f"Home invite for {self.address}"

    @property
    def address(self) -> str:
        return self.username or self.email or self.title or f"#{self.plex_id}"

    def matches(self, address: str) -> bool:
        wanted = address.casefold()
        return wanted in {self.username.casefold(), self.email.casefold()} - {""}


class OperationBatch(models.Model):
    """Operations started together by one bulk action (a library matrix row or column).

    The batch only groups and describes them; each operation still runs, retries and fails on
    its own, and the progress shown is counted from their states.
    """

    title = models.CharField(max_length=200)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # The matrix the batch was started from, which its page leads back to.
    server = models.ForeignKey(
        Server, null=True, blank=True, on_delete=models.SET_NULL, related_name="batches"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Operation(models.Model):
    """A change the dashboard asked plex.tv to make, executed by a worker.

    While an operation is queued or running, the sync leaves its target alone: plex.tv's value
    may be about to change, and the row may already hold the optimistic new state.
    """

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    STATES = [
        (QUEUED, "Queued"),
        (RUNNING, "Running"),
        (SUCCEEDED, "Succeeded"),
        (FAILED, "Failed"),
    ]
    PENDING_STATES = (QUEUED, RUNNING)

    TARGET_USER = "plexuser"
    TARGET_SHARE = "share"
    TARGET_INVITE = "invite"
    TARGET_HOME_INVITE = "homeinvite"

    kind = models.CharField(max_length=64)
    target_type = models.CharField(max_length=32)
    target_id = models.CharField(max_length=64)
    params = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    idempotency_key = models.CharField(max_length=128, unique=True)
    batch = models.ForeignKey(
        OperationBatch,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="operations",
    )
    state = models.CharField(max_length=16, choices=STATES, default=QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    # False when plex.tv refused the change for what it is (an unknown account, a Home the
    # person already belongs to): sending it again cannot help, so no Retry is offered.
    retryable = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    # The lease of a running operation: which worker process runs it ({"host", "pid", "ns"}:
    # ns tells which machine boot and pid namespace the pid belongs to), a token naming this
    # one run, and until when the row is theirs. The holder is
    # kept after the run as "last run by"; the token and expiry are cleared.
    lease_holder = models.JSONField(default=dict, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.target_type}:{self.target_id} ({self.state})"

    @property
    def pending(self) -> bool:
        return self.state in self.PENDING_STATES

    @property
    def stuck(self) -> bool:
        """Running, but its worker died or froze in the middle of it: the lease ran out, or
        the process holding it is certainly gone. (A row without a lease is one a worker
        claimed before leases existed.)"""
        if self.state != self.RUNNING:
            return False
        if self.lease_expires_at is None or self.lease_expires_at <= timezone.now():
            return True
        return holder_is_gone(self.lease_holder)

    @property
    def holder_label(self) -> str:
        holder = self.lease_holder or {}
        if not holder.get("host"):
            return ""
        return f"process {holder.get('pid')} on {holder['host']}"

    def take_lease(self, holder: dict[str, Any], length: timedelta) -> None:
        """Mark the row running under a new lease (inside the claim's row lock) and count the
        attempt."""
        now = timezone.now()
        self.state = self.RUNNING
        self.attempts += 1
        self.started_at = now
        self.updated_at = now
        self.lease_holder = holder
        self.lease_token = uuid.uuid4().hex
        self.lease_expires_at = now + length
        self.save(
            update_fields=[
                "state",
                "attempts",
                "started_at",
                "updated_at",
                "lease_holder",
                "lease_token",
                "lease_expires_at",
            ]
        )

    def give_up(self, message: str) -> None:
        """Fail a row whose runs kept dying (inside the claim's row lock)."""
        now = timezone.now()
        self.state = self.FAILED
        self.message = message
        self.finished_at = now
        self.updated_at = now
        self.lease_token = ""
        self.lease_expires_at = None
        self.save(
            update_fields=[
                "state",
                "message",
                "finished_at",
                "updated_at",
                "lease_token",
                "lease_expires_at",
            ]
        )

    def finish(self, state: str, message: str, **more: Any) -> bool:
        """Record the run's outcome (and the fields in `more`) and give up the lease, if this
        run still holds it.

        False means another run took the operation over (this worker froze past its lease);
        the outcome is theirs to record.
        """
        now = timezone.now()
        values: dict[str, Any] = {
            **more,
            "state": state,
            "message": message,
            "finished_at": now if state in (self.SUCCEEDED, self.FAILED) else None,
            "updated_at": now,
            "lease_token": "",
            "lease_expires_at": None,
        }
        mine = Operation.objects.filter(
            pk=self.pk, state=self.RUNNING, lease_token=self.lease_token
        )
        if not mine.update(**values):
            log.warning(
                "operation %s: another run took it over before this one could record %r",
                self.pk,
                state,
            )
            return False
        for name, value in values.items():
            setattr(self, name, value)
        return True

    def restart(self) -> bool:
        """An admin's Retry: a failed row, or a stuck one (its worker died), queued again with
        the attempt count started over."""
        current = Operation.objects.filter(pk=self.pk).first()
        if current is None:
            return False
        if current.state == self.FAILED:
            # A refusal that sending the same change again cannot mend offers no Retry.
            still = Operation.objects.filter(pk=self.pk, state=self.FAILED, retryable=True)
        elif current.stuck:
            still = Operation.objects.filter(
                pk=self.pk, state=self.RUNNING, lease_token=current.lease_token
            )
        else:
            return False
        changed = still.update(
            state=self.QUEUED,
            attempts=0,
            message="",
            finished_at=None,
            updated_at=timezone.now(),
            lease_token="",
            lease_expires_at=None,
        )
        return bool(changed)

    @classmethod
    def pending_targets(cls) -> set[tuple[str, str]]:
        rows = cls.objects.filter(state__in=cls.PENDING_STATES).values_list(
            "target_type", "target_id"
        )
        return set(rows)


class AuditEvent(models.Model):
    DASHBOARD = "dashboard"
    PLEXTV = "plex.tv"
    SYSTEM = "system"
    SOURCES = [(DASHBOARD, "Dashboard"), (PLEXTV, "plex.tv"), (SYSTEM, "System")]

    OK = "ok"
    FAILED = "failed"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    source = models.CharField(max_length=16, choices=SOURCES)
    target_type = models.CharField(max_length=32)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=64)
    # [{"field": ..., "before": ..., "after": ...}]
    changes = models.JSONField(default=list, blank=True)
    result = models.CharField(max_length=16, default=OK)
    sync_run = models.ForeignKey(
        "SyncRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source}: {self.action} {self.target_label}"

    @classmethod
    def record(
        cls,
        action: str,
        target: tuple[str, object],
        label: str,
        changes: list[dict[str, Any]] | None = None,
        *,
        source: str = DASHBOARD,
        result: str = OK,
        **more: Any,
    ) -> AuditEvent:
        """One line of the trail: `action` on `target` ((type, id)), shown as `label`;
        `more` names the actor (`actor` or `actor_id`) and anything else the row holds."""
        target_type, target_id = target
        return cls.objects.create(
            action=action,
            target_type=target_type,
            target_id=str(target_id),
            target_label=label[:200],
            changes=changes or [],
            source=source,
            result=result,
            **more,
        )


class SyncRun(models.Model):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    WARNING = "warning"
    FAILED = "failed"
    SKIPPED = "skipped"
    OUTCOMES = [
        (QUEUED, "Queued"),
        (RUNNING, "Running"),
        (SUCCEEDED, "Succeeded"),
        (WARNING, "Succeeded with warnings"),
        (FAILED, "Failed"),
        (SKIPPED, "Skipped: already running"),
    ]
    ACTIVE = (QUEUED, RUNNING)

    SCHEDULE = "schedule"
    ADMIN = "admin"
    OPERATION = "operation"
    TRIGGERS = [(SCHEDULE, "Schedule"), (ADMIN, "Sync now"), (OPERATION, "After a change")]

    owner_plex_id = models.BigIntegerField(null=True, blank=True)
    triggered_by = models.CharField(max_length=16, choices=TRIGGERS, default=SCHEDULE)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    outcome = models.CharField(max_length=16, choices=OUTCOMES, default=QUEUED)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    flagged = models.PositiveIntegerField(default=0)
    removed = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    plextv_requests = models.PositiveIntegerField(default=0)
    # Whether this run asked plex.tv for the owner's servers (an extra request) or reused the
    # known ones; scheduled runs rediscover once a day.
    discovered_servers = models.BooleanField(default=False)
    duration = models.FloatField(null=True, blank=True, help_text="seconds")
    error_message = models.TextField(blank=True)
    warning = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["outcome"])]

    def __str__(self) -> str:
        return f"sync {self.pk} ({self.outcome})"

    @property
    def active(self) -> bool:
        return self.outcome in self.ACTIVE

    def start(self) -> None:
        self.outcome = self.RUNNING
        self.started_at = timezone.now()
        self.save(update_fields=["outcome", "started_at"])

    def skip(self) -> None:
        self.outcome = self.SKIPPED
        self.finished_at = timezone.now()
        self.error_message = "Another sync is already running."
        self.save(update_fields=["outcome", "finished_at", "error_message"])

    def finish(self, outcome: str, error_message: str = "") -> None:
        self.outcome = outcome
        self.finished_at = timezone.now()
        if self.started_at is not None:
            self.duration = (self.finished_at - self.started_at).total_seconds()
        self.error_message = error_message
        self.save()


class SyncLock(models.Model):
    """The database form of the one-sync-at-a-time lock (used when Redis is not configured)."""

    name = models.CharField(max_length=100, primary_key=True)
    token = models.CharField(max_length=64, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name
