"""Access helpers of the activity screens: the object, if this principal may see it, or 404."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from accounts.models import PlexAccount
from sharing.models import PlexUser


def get_person(request: HttpRequest, person_id: int) -> PlexUser:
    """A person the household shares with (admins only reach this)."""
    return get_object_or_404(PlexUser, pk=person_id, removed_locally_at__isnull=True)


def own_account(request: HttpRequest) -> PlexAccount:
    """The signed-in person's own Plex account; a member sees only their own plays."""
    account = getattr(request.user, "plex_account", None)
    if account is None:
        raise Http404("No Plex account is linked to this sign-in.")
    return account


def wants_partial(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request
