"""Access helpers: the object, if it belongs to this household's owned servers, or 404.

Roles are checked by the decorators; these make sure the id in the URL names something the
dashboard manages (a person not removed here, a share of one of the owner's servers).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from sharing.models import Operation, PlexUser, Share


def get_person(request: HttpRequest, person_id: int) -> PlexUser:
    return get_object_or_404(PlexUser, pk=person_id, removed_locally_at__isnull=True)


def get_share(request: HttpRequest, share_id: int) -> Share:
    share = get_object_or_404(
        Share.objects.select_related("server", "user"),
        pk=share_id,
        server__owned=True,
        user__removed_locally_at__isnull=True,
    )
    if share.shared_server_id is None:
        raise Http404("No such share")
    return share


def get_operation(request: HttpRequest, op_id: int) -> Operation:
    return get_object_or_404(Operation, pk=op_id)


def wants_partial(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request
