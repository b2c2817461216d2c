from __future__ import annotations

from django.db import models
from django.utils import timezone


class Heartbeat(models.Model):
    """The last time a background process proved it was alive.

    ``beat`` is written by the heartbeat task, which beat publishes and a worker runs, so a
    recent value shows that beat, the broker and a worker all work. ``worker`` is written when
    a worker process finishes starting.
    """

    BEAT = "beat"
    WORKER = "worker"

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
