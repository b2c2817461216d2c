"""The "viewing as a Home member" session, as this app needs it.

The switch itself (PIN, audit, the encrypted token in the cache under a session reference) is
sharing's; this is the one place that reaches into it, so a move there is a one-line change.
"""

from __future__ import annotations

from django.http import HttpRequest

import plextv
from sharing import switching
from sharing.models import PlexUser

Switched = switching.Switched


def current(request: HttpRequest) -> Switched | None:
    """Who the admin is viewing as, while the switch lasts."""
    switched = switching.current(request)
    if switched is None or switching.client_for(switched) is None:
        return None
    return switched


def person(switched: Switched) -> PlexUser | None:
    return PlexUser.objects.filter(pk=switched.person_id, removed_locally_at__isnull=True).first()


def client_for_ref(ref: str, person_id: int, name: str) -> plextv.PlexTV | None:
    """A client acting as the Home member of a stored switch reference, or None once the
    switch has lapsed (its encrypted token is gone from the cache)."""
    return switching.client_for(Switched(person_id=person_id, name=name, ref=ref))
