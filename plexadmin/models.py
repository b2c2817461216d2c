from __future__ import annotations

from django.db import models
from django.utils import timezone


class Heartbeat(models.Model):
    """The last time a background process proved it was alive, one row per kind of proof.

    ``beat`` is written by the beat process each time it sends a scheduled task, and
    ``worker`` by the heartbeat task that a worker runs (beat sends it every minute); the two
    are kept apart so a worker that stops running tasks is never taken for a stopped beat.
    ``beat-start`` and ``worker-start`` are written when those processes finish starting, so
    the status page knows not to alarm before the first tick is due.
    """

    BEAT = "beat"
    WORKER = "worker"
    BEAT_START = "beat-start"
    WORKER_START = "worker-start"

    name = models.CharField(max_length=32, primary_key=True)
    seen_at = models.DateTimeField()
    detail = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.seen_at:%Y-%m-%d %H:%M:%S}"

    @classmethod
    def record(cls, name: str, detail: str = "") -> Heartbeat:
        beat, _ = cls.objects.update_or_create(
            name=name, defaults={"seen_at": timezone.now(), "detail": detail[:200]}
        )
        return beat

    @classmethod
    def age_seconds(cls, name: str) -> float | None:
        seen = cls.objects.filter(name=name).values_list("seen_at", flat=True).first()
        if seen is None:
            return None
        return (timezone.now() - seen).total_seconds()
