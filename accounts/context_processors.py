from __future__ import annotations

from django.http import HttpRequest

from accounts import roles
from accounts.models import Household, PlexAccount


def plex_link(request: HttpRequest) -> dict[str, object]:
    """The admin banner for an owner token plex.tv refused or an API that changed."""
    if not roles.is_admin(request.user):
        return {}
    household = Household.current()
    if household is None or household.owner.token_status == PlexAccount.TokenStatus.OK:
        return {}
    owner = household.owner
    if owner.token_status == PlexAccount.TokenStatus.API_CHANGED:
        banner = "plex.tv changed its API: plexadmin has stopped calling it until it is updated."
    else:
        banner = (
            f"plex.tv no longer accepts {owner.display_name}'s sign-in, so plexadmin has "
            "stopped calling plex.tv. The owner should sign in with Plex again."
        )
    return {"plex_link_banner": banner, "plex_link_detail": owner.token_status_detail}
