"""plex.tv's answer turned into plain comparable values, before anything touches the database.

The sync compares these with the rows it holds; keeping the conversion here means the
comparison never depends on how plextv models a payload.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from plextv.models import Household, Section
from sharing.share_state import AccessState, settings_values

PERSON_FIELDS = (
    "kind",
    "uuid",
    "username",
    "email",
    "title",
    "thumb",
    "restriction_profile",
    "protected",
    "home",
)
# Changes to these are worth an audit line; a new avatar URL is not.
AUDITED_PERSON_FIELDS = ("kind", "username", "email", "title", "restriction_profile", "protected")


@dataclass(frozen=True)
class ObservedPerson:
    plex_id: int
    kind: str
    uuid: str
    username: str
    email: str
    title: str
    thumb: str
    restriction_profile: str
    protected: bool
    home: bool

    def values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in PERSON_FIELDS}


@dataclass(frozen=True)
class ObservedShare:
    user_plex_id: int
    machine_identifier: str
    shared_server_id: int
    pending: bool
    all_libraries: bool
    libraries: tuple[int, ...]
    settings: dict[str, Any]

    def state(self) -> AccessState:
        return AccessState.from_row(self.settings, self.all_libraries, self.libraries)


@dataclass(frozen=True)
class ObservedInvite:
    shared_server_id: int
    machine_identifier: str
    email: str
    username: str
    invited_plex_id: int | None
    all_libraries: bool
    libraries: tuple[int, ...]
    invited_at: datetime | None


@dataclass(frozen=True)
class ObservedHomeInvite:
    plex_id: int
    username: str
    email: str
    title: str
    invited_at: datetime | None


@dataclass
class ObservedHousehold:
    servers: dict[str, str]  # machine identifier → name, for the servers read
    sections: dict[str, tuple[Section, ...]]
    people: dict[int, ObservedPerson]
    shares: dict[tuple[int, str], ObservedShare]
    invites: dict[int, ObservedInvite]
    warnings: list[str] = field(default_factory=list)
    home_invites: dict[int, ObservedHomeInvite] = field(default_factory=dict)
    home_members: frozenset[int] = frozenset()


def observe(household: Household, owner_plex_id: int, requested: list[str]) -> ObservedHousehold:
    """Everything plex.tv said about the servers in `requested`, keyed for comparison.

    A server answer naming a different machine identifier than the one asked for is left out
    (with a warning) so that nothing of that server is judged on someone else's data.
    """
    warnings: list[str] = []
    wanted = set(requested)
    servers: dict[str, str] = {}
    sections: dict[str, tuple[Section, ...]] = {}
    for server in household.servers:
        if server.machine_identifier not in wanted:
            warnings.append(
                f"plex.tv answered for server {server.machine_identifier!r}, which was not "
                "asked for; its data was ignored."
            )
            continue
        servers[server.machine_identifier] = server.name
        sections[server.machine_identifier] = server.sections

    people: dict[int, ObservedPerson] = {}
    home_by_id = {home.id: home for home in household.home_users}
    for user in household.users:
        if user.id == owner_plex_id:
            continue
        home = home_by_id.get(user.id)
        people[user.id] = ObservedPerson(
            plex_id=user.id,
            kind=user.kind,
            uuid=home.uuid if home else "",
            username=user.username or "",
            email=user.email or "",
            title=user.title or "",
            thumb=user.thumb or "",
            restriction_profile=(home.restriction_profile or "") if home else "",
            protected=home.protected if home else user.protected,
            home=user.home or home is not None,
        )
    for home in household.home_users:
        if home.id == owner_plex_id or home.admin or home.id in people:
            continue
        people[home.id] = ObservedPerson(
            plex_id=home.id,
            kind="managed" if home.restricted else "home",
            uuid=home.uuid,
            username=home.username or "",
            email=home.email or "",
            title=home.title or "",
            thumb=home.thumb or "",
            restriction_profile=home.restriction_profile or "",
            protected=home.protected,
            home=True,
        )

    shares: dict[tuple[int, str], ObservedShare] = {}
    for user in household.users:
        if user.id not in people:
            continue
        values = settings_values(user.settings)
        for share in user.shares:
            if share.machine_identifier not in servers:
                continue
            shares[(user.id, share.machine_identifier)] = ObservedShare(
                user_plex_id=user.id,
                machine_identifier=share.machine_identifier,
                shared_server_id=share.id,
                pending=share.pending,
                all_libraries=share.all_libraries,
                libraries=tuple(section.global_id for section in share.libraries),
                settings=values,
            )

    invites: dict[int, ObservedInvite] = {}
    for invite in household.pending_invites:
        for shared in invite.shared_servers:
            if shared.machine_identifier not in servers:
                continue
            invites[shared.id] = ObservedInvite(
                shared_server_id=shared.id,
                machine_identifier=shared.machine_identifier,
                email=invite.email or shared.invited_email or shared.email or "",
                username=invite.username or shared.username or "",
                invited_plex_id=invite.user_id or shared.user_id,
                all_libraries=shared.all_libraries,
                libraries=tuple(section.global_id for section in shared.shared_sections),
                invited_at=shared.invited_at,
            )
    home_invites = {
        invite.user_id: ObservedHomeInvite(
            plex_id=invite.user_id,
            username=invite.username or "",
            email=invite.email or "",
            title=invite.title or "",
            invited_at=invite.invited_at,
        )
        for invite in household.pending_home_invites
    }
    return ObservedHousehold(
        servers,
        sections,
        people,
        shares,
        invites,
        warnings,
        home_invites=home_invites,
        home_members=frozenset(user.id for user in household.home_users),
    )
