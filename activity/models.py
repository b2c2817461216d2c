"""What the household watched and wants to watch, as read from plex.tv by the worker.

Pages render these rows only; a page view never calls plex.tv. Plays are collected from each
owned server incrementally (`HistoryCursor` says how far each server has been read), and every
person and server keeps its last play and plex.tv's last sighting in `LastActivity`, the one
place "inactive for more than N days" is answered from.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone

from sharing.models import Library, PlexUser, Server


class Play(models.Model):
    """One play on one of the owner's servers, as the server's history lists it."""

    server = models.ForeignKey(Server, on_delete=models.CASCADE, related_name="plays")
    history_key = models.BigIntegerField(help_text="the server's own id of the play")
    # plex.tv account id of who played; the owner's plays carry the owner's id, not the
    # server's local 1.
    account_id = models.BigIntegerField()
    viewed_at = models.DateTimeField()
    type = models.CharField(max_length=16)
    title = models.CharField(max_length=300)
    grandparent_title = models.CharField(max_length=300, blank=True)
    season = models.PositiveIntegerField(null=True, blank=True)
    episode = models.PositiveIntegerField(null=True, blank=True)
    rating_key = models.CharField(max_length=32, blank=True)
    library = models.ForeignKey(
        Library, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    device = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-viewed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["server", "history_key"], name="play_once_per_server")
        ]
        indexes = [
            models.Index(fields=["account_id", "-viewed_at"], name="play_person_recent"),
            models.Index(fields=["-viewed_at"], name="play_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.label} on {self.server_id} at {self.viewed_at:%Y-%m-%d %H:%M}"

    @property
    def label(self) -> str:
        """ "Harbour Street · S1 · E3 · The Key", or the title alone."""
        if self.type == "episode" and self.grandparent_title:
            return f"{self.grandparent_title} · S{self.season or 0} · E{self.episode or 0}"
        if self.type == "track" and self.grandparent_title:
            return f"{self.grandparent_title} · {self.title}"
        return self.title


class HistoryCursor(models.Model):
    """How far a server's history has been read: plays viewed before `read_up_to` are stored."""

    server = models.OneToOneField(Server, on_delete=models.CASCADE, related_name="history_cursor")
    read_up_to = models.DateTimeField(null=True, blank=True)
    caught_up = models.BooleanField(default=False)
    last_read_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"history of {self.server_id} up to {self.read_up_to}"


class LastActivityQuerySet(models.QuerySet["LastActivity"]):
    def inactive_since(self, cutoff: datetime) -> QuerySet[LastActivity]:
        """Person and server rows with no play and no sighting since `cutoff`; a row with no
        activity at all counts once it has been known for that long."""
        return self.filter(
            Q(last_active_at__lt=cutoff) | Q(last_active_at__isnull=True, created_at__lt=cutoff)
        )


class LastActivity(models.Model):
    """Per person and server: their last play there, and when plex.tv last saw them use it.

    `last_active_at` is the later of the two, kept on every write, so "inactive for more than
    N days" is one indexed range query (`LastActivity.objects.inactive_since(cutoff)`).
    """

    user = models.ForeignKey(PlexUser, on_delete=models.CASCADE, related_name="activity")
    server = models.ForeignKey(Server, on_delete=models.CASCADE, related_name="+")
    last_played_at = models.DateTimeField(null=True, blank=True)
    last_played_title = models.CharField(max_length=300, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True, help_text="plex.tv's lastSeenAt")
    last_active_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = LastActivityQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "server"], name="activity_one_per_share")
        ]
        indexes = [
            models.Index(fields=["last_active_at"], name="activity_last_active"),
            models.Index(fields=["server", "last_active_at"], name="activity_server_last_active"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.server_id}: {self.last_active_at}"

    def note_play(self, at: datetime, title: str) -> bool:
        """Record a play if it is the latest; True when something changed."""
        if self.last_played_at is not None and at <= self.last_played_at:
            return False
        self.last_played_at = at
        self.last_played_title = title[:300]
        self._refresh_last_active()
        return True

    def note_seen(self, at: datetime | None) -> bool:
        """Record plex.tv's last sighting (only ever forward); True when something changed."""
        if at is None or (self.last_seen_at is not None and at <= self.last_seen_at):
            return False
        self.last_seen_at = at
        self._refresh_last_active()
        return True

    def _refresh_last_active(self) -> None:
        moments = [m for m in (self.last_played_at, self.last_seen_at) if m is not None]
        self.last_active_at = max(moments) if moments else None
        self.updated_at = timezone.now()


class Collection(models.Model):
    """One worker run that read history (and the owner's watchlist) from plex.tv."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"
    FAILED = "failed"
    SKIPPED = "skipped"
    OUTCOMES = [
        (RUNNING, "Running"),
        (SUCCEEDED, "Succeeded"),
        (PARTIAL, "More to read"),
        (FAILED, "Failed"),
        (SKIPPED, "Skipped: already running"),
    ]
    SCHEDULE = "schedule"
    ADMIN = "admin"

    triggered_by = models.CharField(max_length=16, default=SCHEDULE)
    outcome = models.CharField(max_length=16, choices=OUTCOMES, default=RUNNING)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    requests = models.PositiveIntegerField(default=0)
    plays_added = models.PositiveIntegerField(default=0)
    servers_read = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"collection {self.pk} ({self.outcome})"

    @property
    def running(self) -> bool:
        return self.outcome == self.RUNNING

    def finish(self, outcome: str, message: str = "") -> None:
        self.outcome = outcome
        self.message = message
        self.finished_at = timezone.now()
        self.save()


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()


class Poster(models.Model):
    """An image URL that came in one of plex.tv's answers, and its cached copy on disk.

    Only URLs stored here are ever fetched, by the worker; pages link to `/activity/posters/
    <hash>/`, which serves the cached file or a placeholder and never fetches anything.
    """

    PENDING = "pending"
    CACHED = "cached"
    FAILED = "failed"
    STATES = [(PENDING, "Pending"), (CACHED, "Cached"), (FAILED, "Failed")]

    url = models.CharField(max_length=1000)
    url_hash = models.CharField(max_length=64, unique=True)
    state = models.CharField(max_length=16, choices=STATES, default=PENDING)
    content_type = models.CharField(max_length=32, blank=True)
    size = models.PositiveIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=0)
    next_try_at = models.DateTimeField(default=timezone.now)
    fetched_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["state", "next_try_at"], name="poster_due"),
            models.Index(fields=["state", "last_used_at"], name="poster_lru"),
        ]

    def __str__(self) -> str:
        return f"poster {self.url_hash[:10]} ({self.state})"


class Watchlist(models.Model):
    """Whose watchlist (the owner's, or a Home member's read while viewing as them) and how
    fresh our copy is."""

    IDLE = "idle"
    QUEUED = "queued"
    RUNNING = "running"
    FAILED = "failed"
    STATES = [(IDLE, "Up to date"), (QUEUED, "Queued"), (RUNNING, "Reading"), (FAILED, "Failed")]
    BUSY = (QUEUED, RUNNING)

    account_id = models.BigIntegerField(unique=True)
    name = models.CharField(max_length=200)
    state = models.CharField(max_length=16, choices=STATES, default=IDLE)
    message = models.TextField(blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    # The cache reference of a "viewing as" session for a Home member's list (the token
    # itself stays encrypted in the cache, never here); blank for the owner's list.
    switch_ref = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"{self.name}'s watchlist"

    @property
    def busy(self) -> bool:
        return self.state in self.BUSY


class WatchlistEntry(models.Model):
    watchlist = models.ForeignKey(Watchlist, on_delete=models.CASCADE, related_name="entries")
    rating_key = models.CharField(max_length=64)
    guid = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=300)
    type = models.CharField(max_length=16)
    year = models.PositiveIntegerField(null=True, blank=True)
    content_rating = models.CharField(max_length=32, blank=True)
    released = models.CharField(max_length=10, blank=True, help_text="YYYY-MM-DD")
    rating = models.FloatField(null=True, blank=True)
    # plex.tv's order, most recently added first; an item added here goes before position 0.
    position = models.IntegerField(default=0)
    poster = models.ForeignKey(
        Poster, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["position", "title"]
        constraints = [
            models.UniqueConstraint(fields=["watchlist", "rating_key"], name="watchlist_item_once")
        ]

    def __str__(self) -> str:
        return self.title


class DiscoverSearch(models.Model):
    """A Discover search the worker ran; its results are kept a few minutes for reuse."""

    QUEUED = "queued"
    DONE = "done"
    FAILED = "failed"
    STATES = [(QUEUED, "Searching"), (DONE, "Done"), (FAILED, "Failed")]

    query = models.CharField(max_length=100)
    normalized = models.CharField(max_length=100)
    libtype = models.CharField(max_length=8, blank=True)
    state = models.CharField(max_length=16, choices=STATES, default=QUEUED)
    # [{"rating_key", "guid", "title", "type", "year", "summary", "poster"}]
    results = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["normalized", "libtype", "-created_at"], name="search_reuse")
        ]

    def __str__(self) -> str:
        return f"search {self.query!r} ({self.state})"

    @property
    def pending(self) -> bool:
        return self.state == self.QUEUED

    def result(self, rating_key: str) -> dict[str, Any] | None:
        return next((r for r in self.results if r.get("rating_key") == rating_key), None)


class DeviceDownloads(models.Model):
    """The owner's devices and each one's downloads (plex.tv sync items), as the worker last
    read them, and how fresh that read is.

    `devices` holds `activity.devices.DeviceEntry` rows as JSON; never a token.
    """

    IDLE = "idle"
    QUEUED = "queued"
    RUNNING = "running"
    FAILED = "failed"
    STATES = [(IDLE, "Up to date"), (QUEUED, "Queued"), (RUNNING, "Reading"), (FAILED, "Failed")]
    BUSY = (QUEUED, RUNNING)

    account_id = models.BigIntegerField(unique=True)
    devices = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=16, choices=STATES, default=IDLE)
    message = models.TextField(blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "device downloads"

    def __str__(self) -> str:
        return f"downloads of account {self.account_id}"

    @property
    def busy(self) -> bool:
        return self.state in self.BUSY
