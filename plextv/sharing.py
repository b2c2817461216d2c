"""Users, shares and invites, and reading the whole household at once."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any
from xml.etree.ElementTree import Element

from plextv.base import ClientBase, LibraryRef, resolve_libraries
from plextv.call import Call
from plextv.errors import (
    AlreadySharing,
    EmptyLibrarySelection,
    NotFound,
    OutcomeUnknown,
)
from plextv.filters import Filters, ShareSettings
from plextv.masking import register_token
from plextv.models import (
    HomeInvite,
    HomeUser,
    Household,
    Invite,
    Section,
    ServerLibraries,
    SharedServer,
    User,
)
from plextv.parsers.home import parse_home_invites, parse_home_users
from plextv.parsers.sharing import (
    parse_invites,
    parse_one_shared_server,
    parse_server_sections,
    parse_shared_servers,
    parse_users,
)
from plextv.prefetch import Prefetch
from plextv.transport import Payload


class SharingOperations(ClientBase):
    # --- reading ------------------------------------------------------------------------------

    def users(self) -> list[User]:
        """GET plex.tv/api/users/ (1 request): friends and Home members with their shares.

        The shares' `libraries` are empty here; `read_household` fills them in.
        """
        users: list[User] = []
        for page in self._user_pages():
            users.extend(parse_users(page))
        return users

    def _user_pages(self) -> Iterator[Payload]:
        """The answers of /api/users/, page by page, each requested once the one before it
        has been taken (so a caller that fails on a page sends nothing more)."""
        payload = self._call(Call("GET", "/api/users/"))
        yield payload
        total = _total_size(payload)
        count = _count_users(payload)
        # plex.tv answers the whole list at once today; should it start paging, the rest is
        # fetched page by page from where the first answer stopped.
        while total is not None and count < total:
            page = self._call(
                Call(
                    "GET",
                    "/api/users/",
                    headers={
                        "X-Plex-Container-Start": str(count),
                        "X-Plex-Container-Size": str(self.config.page_size),
                    },
                )
            )
            yield page
            found = _count_users(page)
            if not found:
                break
            count += found

    def user(self, identifier: str | int) -> User:
        """One user by title (any case), then username, e-mail or id (1 request)."""
        wanted = str(identifier).casefold()
        users = self.users()
        for user in users:
            if user.title.casefold() == wanted:
                return user
        for user in users:
            names = {user.username.casefold(), (user.email or "").casefold(), str(user.id)}
            if wanted in names - {""}:
                return user
        raise NotFound(f"No Plex user {identifier!r} has access to this account's servers.")

    def home_users(self) -> list[HomeUser]:
        """GET plex.tv/api/home/users (1 request): Home members with restriction profiles."""
        return parse_home_users(self._home_users_payload())

    def _home_users_payload(self) -> Payload:
        return self._call(Call("GET", "/api/home/users"))

    def server_sections(self, machine_identifier: str) -> ServerLibraries:
        """GET plex.tv/api/servers/{machineId} (1 request): libraries with global id and key."""
        return parse_server_sections(
            self._server_sections_payload(machine_identifier), machine_identifier
        )

    def _server_sections_payload(self, machine_identifier: str) -> Payload:
        return self._call(Call("GET", f"/api/servers/{machine_identifier}", missing="item"))

    def server_shares(self, machine_identifier: str) -> list[SharedServer]:
        """GET plex.tv/api/servers/{machineId}/shared_servers (1 request): every share of the
        server with its settings and libraries (`shared_sections`)."""
        return _server_shares(self._server_shares_payload(machine_identifier), machine_identifier)

    def _server_shares_payload(self, machine_identifier: str) -> Payload:
        return self._call(Call("GET", f"/api/servers/{machine_identifier}/shared_servers"))

    def server_share(self, machine_identifier: str, share_id: int) -> SharedServer:
        """GET plex.tv/api/servers/{machineId}/shared_servers/{id} (1 request): one share with
        its settings and libraries (`shared_sections`), read without the server's other shares,
        so it costs the same at 10 people as at 5,000. `NotFound` when plex.tv has no such
        share on that server (never shared, stopped, or the invite withdrawn)."""
        try:
            payload = self._call(
                Call(
                    "GET",
                    f"/api/servers/{machine_identifier}/shared_servers/{share_id}",
                    missing="item",
                )
            )
        except NotFound as gone:
            raise _share_gone(gone) from None
        share = parse_one_shared_server(payload, share_id)
        if share is None:
            raise _share_gone()
        register_token(share.access_token)
        if share.machine_identifier:
            return share
        return dataclasses.replace(share, machine_identifier=machine_identifier)

    def pending_invites_sent(self) -> list[Invite]:
        """GET plex.tv/api/v2/shared_servers/invites/owned/pending (1 request)."""
        return parse_invites(self._pending_invites_sent_payload(), "sent")

    def _pending_invites_sent_payload(self) -> Payload:
        return self._call(
            Call("GET", "/api/v2/shared_servers/invites/owned/pending", accept="json")
        )

    def pending_home_invites(self) -> list[HomeInvite]:
        """GET plex.tv/api/v2/friends?status=pending_sent (1 request): the accounts invited
        into the Home that have not accepted yet (pending friends marked `home`).

        ASSUMED: no public capture shows how plex.tv lists pending Home invitations; this is
        the list of pending friends, where `home` marks an invitation into the Home.
        """
        return parse_home_invites(self._pending_friends_payload())

    def _pending_friends_payload(self) -> Payload:
        return self._call(
            Call("GET", "/api/v2/friends", params={"status": "pending_sent"}, accept="json")
        )

    def pending_invites_received(self) -> list[Invite]:
        """GET clients.plex.tv/api/v2/shared_servers/invites/received/pending (1 request),
        with the invitee's token."""
        payload = self._call(
            Call(
                "GET",
                "/api/v2/shared_servers/invites/received/pending",
                host="clients",
                accept="json",
            )
        )
        return parse_invites(payload, "received")

    def read_household(self, machine_identifiers: Iterable[str]) -> Household:
        """Everyone with access, everything they can see, the Home and pending invites.

        Requests: GET /api/users/, GET /api/home/users, GET
        /api/v2/shared_servers/invites/owned/pending and GET /api/v2/friends?status=pending_sent
        (Home invitations), then per server GET /api/servers/{id} and GET
        /api/servers/{id}/shared_servers: `4 + 2 * servers`, whatever the number of users.
        `Household.requests_made` is the number actually sent (retries included). The v2
        pending list carries no time of sending: each invite's `invited_at` comes from its
        server's share list.

        The requests go out one at a time in that order, and stop at the first that fails, as
        before; they are sent from a background thread while the answers already in are
        turned into models, so plex.tv's time and ours overlap. An answer of the wrong shape
        is only found while parsing: the reads sent after it by then are not taken back.
        """
        before = self._transport.requests_sent
        machines = list(dict.fromkeys(machine_identifiers))
        users: list[User] = []
        home: list[HomeUser] = []
        invites: list[Invite] = []
        home_invites: list[HomeInvite] = []
        invited_at: dict[int, datetime] = {}
        servers: list[ServerLibraries] = []
        libraries_by_share: dict[int, tuple[Section, ...]] = {}
        libraries_by_user: dict[tuple[str, int], tuple[Section, ...]] = {}
        with Prefetch(self._household_answers(machines)) as answers:
            for kind, machine, payload in answers:
                if kind == "users":
                    users.extend(parse_users(payload))
                elif kind == "home":
                    home = parse_home_users(payload)
                elif kind == "invites":
                    invites = parse_invites(payload, "sent")
                elif kind == "home_invites":
                    home_invites = parse_home_invites(payload)
                elif kind == "sections":
                    servers.append(parse_server_sections(payload, machine))
                else:
                    for share in _server_shares(payload, machine):
                        libraries = share.shared_sections
                        libraries_by_share[share.id] = libraries
                        if share.invited_at is not None:
                            invited_at[share.id] = share.invited_at
                        if share.user_id is not None:
                            libraries_by_user[(machine, share.user_id)] = libraries
        complete = []
        for user in users:
            shares = tuple(
                dataclasses.replace(
                    share,
                    libraries=libraries_by_share.get(
                        share.id,
                        libraries_by_user.get((share.machine_identifier, user.id), ()),
                    ),
                )
                for share in user.shares
            )
            complete.append(dataclasses.replace(user, shares=shares))
        dated = tuple(
            dataclasses.replace(
                invite,
                shared_servers=tuple(
                    dataclasses.replace(shared, invited_at=invited_at.get(shared.id))
                    if shared.invited_at is None
                    else shared
                    for shared in invite.shared_servers
                ),
            )
            for invite in invites
        )
        return Household(
            users=tuple(complete),
            home_users=tuple(home),
            servers=tuple(servers),
            pending_invites=dated,
            requests_made=self._transport.requests_sent - before,
            pending_home_invites=tuple(home_invites),
        )

    def _household_answers(self, machines: list[str]) -> Iterator[tuple[str, str, Payload]]:
        for page in self._user_pages():
            yield "users", "", page
        yield "home", "", self._home_users_payload()
        yield "invites", "", self._pending_invites_sent_payload()
        yield "home_invites", "", self._pending_friends_payload()
        for machine in machines:
            yield "sections", machine, self._server_sections_payload(machine)
            yield "shares", machine, self._server_shares_payload(machine)

    # --- sharing ------------------------------------------------------------------------------

    def invite_friend(
        self,
        machine_identifier: str,
        identifier: str,
        libraries: Sequence[LibraryRef] | None = None,
        settings: ShareSettings | None = None,
    ) -> SharedServer:
        """Share a server with a Plex account by e-mail or username.

        GET plex.tv/api/servers/{machineId} (library lookup) then POST
        plex.tv/api/servers/{machineId}/shared_servers: 2 requests, plus POST
        clients.plex.tv/api/v2/shared_servers/{id} when `settings` use tuners, subtitle admin
        or photo/all filters, which the v1 call cannot carry. `libraries=None` shares every
        library, listed one by one; an empty list raises `EmptyLibrarySelection` before any
        request. Raises `AlreadySharing` when a share exists, `OutcomeUnknown` when the POST
        was sent without an answer (read `users()` before trying again).
        """
        return self._create_share(
            machine_identifier, {"invited_email": identifier}, libraries, settings
        )

    def share_with_user(
        self,
        machine_identifier: str,
        user_id: int,
        libraries: Sequence[LibraryRef] | None = None,
        settings: ShareSettings | None = None,
    ) -> SharedServer:
        """Share a server with an account by id (used for managed users); requests as
        `invite_friend`."""
        return self._create_share(
            machine_identifier, {"invited_id": str(user_id)}, libraries, settings
        )

    def _create_share(
        self,
        machine_identifier: str,
        invited: dict[str, str],
        libraries: Sequence[LibraryRef] | None,
        settings: ShareSettings | None,
    ) -> SharedServer:
        chosen = chosen_libraries(libraries)
        settings = settings or ShareSettings()
        sections = self.server_sections(machine_identifier).sections
        ids = _selection(
            [s.global_id for s in sections]
            if chosen is None
            else resolve_libraries(chosen, sections)
        )
        body = {
            "server_id": machine_identifier,
            "shared_server": {"library_section_ids": ids, **invited},
            "sharing_settings": settings.to_v1(),
        }
        payload = self._call(
            Call(
                "POST",
                f"/api/servers/{machine_identifier}/shared_servers",
                json_body=body,
            )
        )
        found = parse_shared_servers(payload)
        if not found:
            raise OutcomeUnknown(
                "plex.tv accepted the share but did not say which share it created."
            )
        share = found[0]
        if not share.machine_identifier:
            share = dataclasses.replace(share, machine_identifier=machine_identifier)
        if settings.beyond_v1:
            return self._write_share(share.id, settings, ids, fallback=share)
        return share

    def ensure_shared(
        self,
        machine_identifier: str,
        identifier: str,
        libraries: Sequence[LibraryRef] | None = None,
        settings: ShareSettings | None = None,
    ) -> SharedServer:
        """Make sure `identifier` has exactly this access, whatever happened before.

        Tries `invite_friend`; when plex.tv says the share exists already, or the invite's
        outcome is unknown, reads the server's shares and updates the one that belongs to
        that person instead of inviting again, without reading it a second time (2 to 4
        requests).
        """
        try:
            return self.invite_friend(machine_identifier, identifier, libraries, settings)
        except (AlreadySharing, OutcomeUnknown):
            wanted = identifier.casefold()
            for share in self.server_shares(machine_identifier):
                names = {(share.username or "").casefold(), (share.email or "").casefold()}
                if wanted in names:
                    return self.update_share(
                        machine_identifier,
                        share.id,
                        libraries=libraries,
                        settings=settings,
                        current=share,
                    )
            raise

    def update_share(
        self,
        machine_identifier: str,
        share_id: int,
        *,
        libraries: Sequence[LibraryRef] | None = None,
        settings: ShareSettings | None = None,
        allow_sync: bool | None = None,
        allow_camera_upload: bool | None = None,
        allow_channels: bool | None = None,
        allow_subtitle_admin: bool | None = None,
        allow_tuners: int | None = None,
        filter_movies: Filters | None = None,
        filter_television: Filters | None = None,
        filter_music: Filters | None = None,
        filter_photos: Filters | None = None,
        filter_all: Filters | None = None,
        current: SharedServer | None = None,
    ) -> SharedServer:
        """Change a share, keeping everything not given (read-modify-write).

        GET plex.tv/api/servers/{machineId}/shared_servers/{id} (`server_share`: the one
        share, not the server's whole list), then POST
        clients.plex.tv/api/v2/shared_servers/{id} with the complete settings and library
        list: 2 requests, or only the GET when plex.tv already holds exactly that. `current`
        is plex.tv's share as the caller has just read it (`server_share`, or one entry of
        `server_shares` read once for a batch): the read is then skipped, 1 request.
        `settings` replaces all settings at once; the keyword arguments change one each (pass
        `Filters()` to clear a filter). Safe to repeat after `OutcomeUnknown` or a crash: it
        writes the whole desired state, and nothing when that state is already there. An
        empty `libraries` raises `EmptyLibrarySelection` before any request: stop sharing
        instead.
        """
        chosen = chosen_libraries(libraries)
        if current is None:
            current = self.server_share(machine_identifier, share_id)
        elif current.id != share_id:
            raise ValueError(f"update_share({share_id}) was given share {current.id} as current")
        changes: dict[str, Any] = {
            "allow_sync": allow_sync,
            "allow_camera_upload": allow_camera_upload,
            "allow_channels": allow_channels,
            "allow_subtitle_admin": allow_subtitle_admin,
            "allow_tuners": allow_tuners,
            "filter_movies": filter_movies,
            "filter_television": filter_television,
            "filter_music": filter_music,
            "filter_photos": filter_photos,
            "filter_all": filter_all,
        }
        merged = dataclasses.replace(
            settings or current.settings, **{k: v for k, v in changes.items() if v is not None}
        )
        if chosen is None:
            ids = [s.global_id for s in current.shared_sections]
            if not ids and current.all_libraries:
                # "Every library" answered without its sections: name each of them instead.
                ids = [s.global_id for s in self.server_sections(machine_identifier).sections]
        else:
            sections: Sequence[Section] = current.sections
            if not sections:
                sections = self.server_sections(machine_identifier).sections
            ids = resolve_libraries(chosen, sections)
        shared_now = sorted(s.global_id for s in current.shared_sections)
        if not current.all_libraries and merged == current.settings and sorted(ids) == shared_now:
            return current
        fallback = dataclasses.replace(
            current,
            settings=merged,
            sections=tuple(
                dataclasses.replace(s, shared=s.global_id in ids) for s in current.sections
            ),
        )
        return self._write_share(share_id, merged, ids, fallback=fallback)

    def _write_share(
        self, share_id: int, settings: ShareSettings, ids: list[int], *, fallback: SharedServer
    ) -> SharedServer:
        _selection(ids)
        payload = self._call(
            Call(
                "POST",
                f"/api/v2/shared_servers/{share_id}",
                host="clients",
                json_body={"settings": settings.to_v2(), "librarySectionIds": ids},
                accept="json",
                missing="item",
            )
        )
        if isinstance(payload, dict) and payload.get("id") is not None:
            written = parse_shared_servers(payload)[0]
            return dataclasses.replace(
                written,
                machine_identifier=written.machine_identifier or fallback.machine_identifier,
                sections=written.sections or fallback.sections,
            )
        return fallback

    def stop_sharing(self, machine_identifier: str, share_id: int) -> None:
        """DELETE plex.tv/api/servers/{machineId}/shared_servers/{id} (1 request)."""
        self._call(
            Call(
                "DELETE",
                f"/api/servers/{machine_identifier}/shared_servers/{share_id}",
                missing="item",
            )
        )

    def remove_friend(self, user_id: int) -> None:
        """DELETE plex.tv/api/v2/sharings/{userId} (1 request): every share and the
        friendship."""
        self._call(Call("DELETE", f"/api/v2/sharings/{user_id}", missing="item"))

    def accept_invite(self, shared_server_id: int) -> None:
        """POST clients.plex.tv/api/v2/shared_servers/{id}/accept (1 request), invitee's
        token."""
        self._call(
            Call(
                "POST",
                f"/api/v2/shared_servers/{shared_server_id}/accept",
                host="clients",
                accept="json",
                missing="item",
            )
        )

    def cancel_invite(self, shared_server_id: int) -> None:
        """DELETE plex.tv/api/v2/shared_servers/{id} (1 request): withdraws a pending invite
        (the id is `Invite.shared_servers[i].id`)."""
        self._call(Call("DELETE", f"/api/v2/shared_servers/{shared_server_id}", missing="item"))


def chosen_libraries(libraries: Sequence[LibraryRef] | None) -> list[LibraryRef] | None:
    """The caller's libraries; an empty choice is refused before any request is made."""
    if libraries is None:
        return None
    chosen = list(libraries)
    if not chosen:
        raise EmptyLibrarySelection()
    return chosen


def _selection(ids: list[int]) -> list[int]:
    """The library ids about to be sent for a share; never an empty list, which plex.tv reads
    as every library (whatever the caller meant, and whichever endpoint it goes to)."""
    if not ids:
        raise EmptyLibrarySelection()
    return ids


def _server_shares(payload: Payload, machine_identifier: str) -> list[SharedServer]:
    shares = parse_shared_servers(payload)
    for share in shares:
        register_token(share.access_token)
    return [
        share
        if share.machine_identifier
        else dataclasses.replace(share, machine_identifier=machine_identifier)
        for share in shares
    ]


def _share_gone(cause: NotFound | None = None) -> NotFound:
    return NotFound(
        "That share no longer exists on plex.tv.",
        code=cause.code if cause else None,
        status=cause.status if cause else None,
        plex_message=cause.plex_message if cause else None,
        endpoint=cause.endpoint if cause else None,
    )


def _count_users(payload: Payload) -> int:
    return len(payload.findall("User")) if isinstance(payload, Element) else 0


def _total_size(payload: Payload) -> int | None:
    if isinstance(payload, Element):
        value = payload.get("totalSize")
        return int(value) if value and value.isdigit() else None
    return None
