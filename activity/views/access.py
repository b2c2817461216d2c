"""Access helpers of the activity screens: the object, if this principal may see it, or 404."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from accounts.models import PlexAccount
from activity.models import DiscoverSearch
from sharing.models import PlexUser

# A primary key beyond a 64-bit integer cannot name a row; the database would refuse it.
MAX_ID = 2**63 - 1


def get_person(request: HttpRequest, person_id: int) -> PlexUser:
    """A person the household shares with (admins only reach this)."""
    if person_id > MAX_ID:
        raise Http404("No such person.")
    return get_object_or_404(PlexUser, pk=person_id, removed_locally_at__isnull=True)


def get_search(request: HttpRequest, search_id: int) -> DiscoverSearch:
    if search_id > MAX_ID:
        raise Http404("No such search.")
    return get_object_or_404(DiscoverSearch, pk=search_id)


def own_account(request: HttpRequest) -> PlexAccount:
    """The signed-in person's own Plex account; a member sees only their own plays."""
    account = getattr(request.user, "plex_account", None)
    if account is None:
        raise Http404("No Plex account is linked to this sign-in.")
    return account
