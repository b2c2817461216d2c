"""One sync at a time per household: a named lock with an owner token and an expiry.

With Redis (``REDIS_URL``) the lock is ``SET key token NX EX ttl`` and is released only by the
holder (compare-and-delete in one Lua call). Without Redis it is a row in ``SyncLock`` taken
with a conditional UPDATE, which every process sharing the database sees. The expiry means a
worker killed mid-sync cannot hold the lock forever.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from functools import cache

import redis
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from sharing.models import SyncLock

KEY_PREFIX = "plexadmin:lock:"
_RELEASE = """
if redis.call("get", KEYS[1]) == ARGV[1] then
    return redis.call("del", KEYS[1])
end
return 0
"""


@cache
def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)


def acquire(name: str, ttl_seconds: int) -> str | None:
    """The owner token when the lock was free (or expired), None when someone holds it."""
    token = secrets.token_hex(16)
    if settings.REDIS_URL:
        taken = _redis(settings.REDIS_URL).set(KEY_PREFIX + name, token, nx=True, ex=ttl_seconds)
        return token if taken else None
    now = timezone.now()
    expires = now + timedelta(seconds=ttl_seconds)
    try:
        with transaction.atomic():
            SyncLock.objects.get_or_create(name=name)
    except IntegrityError:
        pass  # created by a concurrent caller; the UPDATE below decides who holds it
    claimed = (
        SyncLock.objects.filter(name=name)
        .filter(Q(token="") | Q(expires_at__isnull=True) | Q(expires_at__lt=now))
        .update(token=token, expires_at=expires)
    )
    return token if claimed == 1 else None


def release(name: str, token: str) -> bool:
    """Let go of the lock if `token` still holds it; False when it had expired and moved on."""
    if settings.REDIS_URL:
        released = _redis(settings.REDIS_URL).eval(_RELEASE, 1, KEY_PREFIX + name, token)
        return bool(released)
    return SyncLock.objects.filter(name=name, token=token).update(token="", expires_at=None) == 1


def held(name: str) -> bool:
    if settings.REDIS_URL:
        return bool(_redis(settings.REDIS_URL).exists(KEY_PREFIX + name))
    return (
        SyncLock.objects.filter(name=name, expires_at__gt=timezone.now()).exclude(token="").exists()
    )
