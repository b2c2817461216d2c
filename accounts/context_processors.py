"""The banners about plex.tv at the top of every page."""

from __future__ import annotations

from datetime import UTC, datetime

from django.http import HttpRequest

from accounts import roles
from accounts.breaker import plextv_status
from accounts.models import Household, PlexAccount


def plex_link(request: HttpRequest) -> dict[str, object]:
    """`plextv_down` for everyone while the circuit breaker holds plex.tv calls back; for
    admins, `plex_link_banner` when plex.tv refused the owner's token or changed its API."""
    context: dict[str, object] = {}
    status = plextv_status()
    if status.is_open:
        context["plextv_down"] = {
            "since": _moment(status.opened_at),
            "last_error_at": _moment(status.last_failure_at),
            "last_error": status.last_failure,
            "retry_at": _moment(status.retry_at),
        }
    if not roles.is_admin(request.user):
        return context
    household = Household.current()
    if household is None or household.owner.token_status == PlexAccount.TokenStatus.OK:
        return context
    owner = household.owner
    if owner.token_status == PlexAccount.TokenStatus.API_CHANGED:
        banner = "plex.tv changed its API: plexadmin has stopped calling it until it is updated."
    else:
        banner = (
            f"plex.tv no longer accepts {owner.display_name}'s sign-in, so plexadmin has "
            "stopped calling plex.tv. The owner should sign in with Plex again."
        )
    context.update(plex_link_banner=banner, plex_link_detail=owner.token_status_detail)
    return context


def _moment(epoch: float | None) -> datetime | None:
    return datetime.fromtimestamp(epoch, tz=UTC) if epoch else None
