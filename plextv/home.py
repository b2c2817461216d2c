"""Plex Home: managed users (with their first share), Home invitations, PINs and profiles."""

from __future__ import annotations

from collections.abc import Sequence

from plextv.base import LibraryRef
from plextv.call import Call
from plextv.errors import BadRequest
from plextv.filters import ShareSettings
from plextv.models import RESTRICTION_PROFILES, ManagedUser
from plextv.parsers.home import parse_created_user_id
from plextv.sharing import SharingOperations, chosen_libraries


class HomeOperations(SharingOperations):
    def create_managed_user(
        self,
        name: str,
        *,
        restriction_profile: str | None = None,
        machine_identifier: str | None = None,
        libraries: Sequence[LibraryRef] | None = None,
        settings: ShareSettings | None = None,
    ) -> ManagedUser:
        """Create a managed Home user and optionally share a server with it.

        POST plex.tv/api/v2/home/users/restricted (1 request), then, with a
        `machine_identifier`, the requests of `share_with_user` (2 more). An empty `libraries`
        with a `machine_identifier` raises `EmptyLibrarySelection` before the user is made.
        """
        _check_profile(restriction_profile)
        if machine_identifier:
            libraries = chosen_libraries(libraries)
        body: dict[str, object] = {"friendlyName": name, "sharingSettings": {}}
        if restriction_profile:
            body["restrictionProfile"] = restriction_profile
        payload = self._call(
            Call("POST", "/api/v2/home/users/restricted", json_body=body, accept="json")
        )
        user_id = parse_created_user_id(payload)
        share = None
        if machine_identifier:
            share = self.share_with_user(machine_identifier, user_id, libraries, settings)
        return ManagedUser(
            id=user_id, title=name, restriction_profile=restriction_profile, share=share
        )

    def invite_to_home(self, identifier: str) -> None:
        """POST plex.tv/api/home/users?invitedEmail=… (1 request). Needs Plex Pass
        (`PlexPassRequired`); a full Home raises `HomeFull`, an unknown account
        `UnknownAccount`, an account in a Home already `AlreadyInHome`."""
        self._call(
            Call("POST", "/api/home/users", params={"invitedEmail": identifier}, missing="item")
        )

    def cancel_home_invite(self, user_id: int) -> None:
        """DELETE plex.tv/api/home/users/{userId} (1 request): withdraws the invitation of an
        account not yet in the Home (`NotFound` when there is none).

        ASSUMED, as `pending_home_invites`: the removal of a Home user, for someone invited
        but not yet in.
        """
        self._call(Call("DELETE", f"/api/home/users/{user_id}", missing="item"))

    def remove_home_user(self, user_id: int) -> None:
        """DELETE plex.tv/api/home/users/{id} (1 request)."""
        self._call(Call("DELETE", f"/api/home/users/{user_id}", missing="item"))

    def set_restriction_profile(self, user_id: int, profile: str | None) -> None:
        """POST plex.tv/api/v2/home/users/restricted/profile (1 request). None clears it.

        With a profile set, plex.tv refuses label and rating filters for that user (422).
        """
        _check_profile(profile)
        body: dict[str, object] = {"userId": user_id}
        if profile:
            body["restrictionProfile"] = profile
        self._call(
            Call(
                "POST",
                "/api/v2/home/users/restricted/profile",
                json_body=body,
                accept="json",
                missing="item",
            )
        )

    def set_managed_user_pin(self, user_id: int, pin: str | None) -> None:
        """POST plex.tv/api/v2/home/users/restricted/{id}?pin=NNNN or ?removePin=1 (1 request)."""
        if pin is not None and not (len(pin) == 4 and pin.isdigit()):
            raise BadRequest("A Home PIN is 4 digits.")
        params = {"pin": pin} if pin is not None else {"removePin": "1"}
        self._call(
            Call(
                "POST",
                f"/api/v2/home/users/restricted/{user_id}",
                params=params,
                accept="json",
                missing="item",
            )
        )


def _check_profile(profile: str | None) -> None:
    if profile is not None and profile not in RESTRICTION_PROFILES:
        raise BadRequest(f"Unknown restriction profile {profile!r}.")
