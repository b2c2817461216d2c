"""Typed results. Every model is a frozen dataclass; tokens are kept out of `repr`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from plextv.filters import Filters, ShareSettings

__all__ = [
    "Account",
    "Connection",
    "Device",
    "DiscoverResult",
    "Filters",
    "HistoryEntry",
    "HomeUser",
    "Household",
    "Invite",
    "ManagedUser",
    "Pin",
    "Resource",
    "Section",
    "ServerLibraries",
    "ServerShare",
    "ShareSettings",
    "SharedServer",
    "Subscription",
    "SyncItem",
    "User",
    "UserKind",
    "UserState",
    "WatchlistItem",
]

UserKind = Literal["friend", "home", "managed"]
RestrictionProfile = Literal["little_kid", "older_kid", "teen"]
RESTRICTION_PROFILES: tuple[str, ...] = ("little_kid", "older_kid", "teen")


@dataclass(frozen=True)
class Subscription:
    active: bool = False
    status: str | None = None
    plan: str | None = None
    subscribed_at: datetime | None = None
    features: tuple[str, ...] = ()


@dataclass(frozen=True)
class Account:
    id: int
    uuid: str
    username: str
    title: str
    email: str | None
    friendly_name: str | None = None
    thumb: str | None = None
    auth_token: str | None = field(default=None, repr=False)
    home: bool = False
    home_admin: bool = False
    home_size: int | None = None
    max_home_size: int | None = None
    restricted: bool = False
    protected: bool = False
    guest: bool = False
    two_factor_enabled: bool = False
    joined_at: datetime | None = None
    subscription: Subscription = field(default_factory=Subscription)
    roles: tuple[str, ...] = ()
    entitlements: tuple[str, ...] = ()

    @property
    def has_plex_pass(self) -> bool:
        return self.subscription.active or "plexpass" in self.roles


@dataclass(frozen=True)
class Connection:
    uri: str
    protocol: str = "https"
    address: str = ""
    port: int = 32400
    local: bool = False
    relay: bool = False
    ipv6: bool = False


@dataclass(frozen=True)
class Resource:
    name: str
    client_identifier: str
    product: str = ""
    product_version: str = ""
    platform: str = ""
    platform_version: str = ""
    device: str = ""
    provides: tuple[str, ...] = ()
    owned: bool = False
    home: bool = False
    presence: bool = False
    https_required: bool = False
    owner_id: int | None = None
    source_title: str | None = None
    access_token: str | None = field(default=None, repr=False)
    created_at: datetime | None = None
    last_seen_at: datetime | None = None
    connections: tuple[Connection, ...] = ()

    @property
    def is_server(self) -> bool:
        return "server" in self.provides


@dataclass(frozen=True)
class Device:
    id: str
    name: str
    client_identifier: str
    product: str = ""
    product_version: str = ""
    platform: str = ""
    platform_version: str = ""
    device: str = ""
    model: str = ""
    vendor: str = ""
    provides: tuple[str, ...] = ()
    public_address: str | None = None
    token: str | None = field(default=None, repr=False)
    created_at: datetime | None = None
    last_seen_at: datetime | None = None
    connections: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    """A library. `global_id` is plex.tv's id (what sharing calls take), `key` the server's."""

    global_id: int
    key: int | None
    title: str
    type: str
    shared: bool | None = None


@dataclass(frozen=True)
class ServerShare:
    """One of our servers shared with a user, as `/api/users/` lists it.

    `id` is the shared-server id (for `/shared_servers/{id}` calls); `libraries` is filled in
    by `read_household` and `server_shares`, empty when only `/api/users/` was read.
    """

    id: int
    machine_identifier: str
    name: str
    user_id: int
    server_id: int | None = None
    num_libraries: int = 0
    all_libraries: bool = False
    owned: bool = False
    pending: bool = False
    last_seen_at: datetime | None = None
    libraries: tuple[Section, ...] = ()


@dataclass(frozen=True)
class User:
    """A person with access: a friend, a Home member with an account, or a managed user."""

    id: int
    title: str
    username: str
    email: str | None
    kind: UserKind
    thumb: str | None = None
    home: bool = False
    restricted: bool = False
    protected: bool = False
    settings: ShareSettings = field(default_factory=ShareSettings)
    shares: tuple[ServerShare, ...] = ()

    def share_for(self, machine_identifier: str) -> ServerShare | None:
        return next((s for s in self.shares if s.machine_identifier == machine_identifier), None)


@dataclass(frozen=True)
class HomeUser:
    id: int
    uuid: str
    title: str
    username: str
    email: str | None = None
    thumb: str | None = None
    admin: bool = False
    guest: bool = False
    restricted: bool = False
    restriction_profile: str | None = None
    protected: bool = False
    has_password: bool | None = None


@dataclass(frozen=True)
class SharedServer:
    """A share seen from the server side (v1 `<SharedServer>` or a v2 shared_server object)."""

    id: int
    machine_identifier: str
    name: str = ""
    user_id: int | None = None
    username: str | None = None
    email: str | None = None
    invited_email: str | None = None
    owner_id: int | None = None
    accepted: bool | None = None
    accepted_at: datetime | None = None
    invited_at: datetime | None = None
    all_libraries: bool = False
    num_libraries: int | None = None
    settings: ShareSettings = field(default_factory=ShareSettings)
    sections: tuple[Section, ...] = ()
    access_token: str | None = field(default=None, repr=False)

    @property
    def shared_sections(self) -> tuple[Section, ...]:
        """The libraries this person can see (v1 lists all, flagged with `shared`)."""
        return tuple(s for s in self.sections if s.shared is not False)


@dataclass(frozen=True)
class Invite:
    """A pending invite. For a sent invite, the person fields describe the invitee (absent
    when the invite went to an e-mail with no Plex account); for a received one, the owner."""

    direction: Literal["sent", "received"]
    shared_servers: tuple[SharedServer, ...]
    user_id: int | None = None
    username: str | None = None
    email: str | None = None
    title: str | None = None
    thumb: str | None = None

    @property
    def address(self) -> str | None:
        """Who the invite is for (sent) or from (received): e-mail, else username."""
        if self.email or self.username:
            return self.email or self.username
        return next((s.invited_email for s in self.shared_servers if s.invited_email), None)


@dataclass(frozen=True)
class HomeInvite:
    """An invitation into the owner's Plex Home not accepted yet, by invitee account."""

    user_id: int
    username: str | None = None
    email: str | None = None
    title: str | None = None
    thumb: str | None = None
    invited_at: datetime | None = None


@dataclass(frozen=True)
class Pin:
    id: int
    code: str
    client_identifier: str | None = None
    expires_in: int | None = None
    created_at: datetime | None = None
    expires_at: datetime | None = None
    trusted: bool = False
    auth_token: str | None = field(default=None, repr=False)

    @property
    def linked(self) -> bool:
        return bool(self.auth_token)


@dataclass(frozen=True)
class WatchlistItem:
    rating_key: str
    guid: str
    title: str
    type: str
    year: int | None = None
    thumb: str | None = None
    content_rating: str | None = None
    originally_available_at: str | None = None
    added_at: datetime | None = None
    rating: float | None = None


@dataclass(frozen=True)
class UserState:
    rating_key: str
    type: str | None = None
    view_count: int = 0
    view_offset: int | None = None
    view_state: str | None = None
    last_viewed_at: datetime | None = None
    watchlisted_at: datetime | None = None

    @property
    def on_watchlist(self) -> bool:
        return self.watchlisted_at is not None

    @property
    def played(self) -> bool:
        return self.view_count > 0


@dataclass(frozen=True)
class DiscoverResult:
    rating_key: str
    guid: str
    title: str
    type: str
    year: int | None = None
    thumb: str | None = None
    summary: str | None = None


@dataclass(frozen=True)
class SyncItem:
    id: int
    title: str
    root_title: str | None = None
    metadata_type: str | None = None
    content_type: str | None = None
    version: int | None = None
    machine_identifier: str | None = None
    state: str | None = None
    items_count: int | None = None
    items_complete_count: int | None = None
    location_uri: str | None = None


@dataclass(frozen=True)
class HistoryEntry:
    machine_identifier: str
    rating_key: str | None
    title: str
    type: str
    viewed_at: datetime | None
    account_id: int | None
    grandparent_title: str | None = None
    library_section_id: int | None = None
    history_key: int | None = None
    """The server's own id of this play (`historyKey`), unique on that server."""
    device_id: int | None = None
    """The server's id of the player (see `ServerDevice`)."""
    parent_index: int | None = None
    index: int | None = None


@dataclass(frozen=True)
class HistoryPage:
    """One page of a server's play history and the size of the whole (filtered) list."""

    entries: tuple[HistoryEntry, ...]
    total: int | None


@dataclass(frozen=True)
class ServerDevice:
    """A player that has connected to a Plex Media Server (its `/devices` list)."""

    id: int
    name: str
    platform: str = ""
    client_identifier: str = ""


@dataclass(frozen=True)
class Image:
    """A poster or other artwork: its bytes and the image type read from them."""

    content_type: str
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class ManagedUser:
    """A managed Home user just created, with the share made for it (if any)."""

    id: int
    title: str
    restriction_profile: str | None = None
    share: SharedServer | None = None


@dataclass(frozen=True)
class ServerLibraries:
    machine_identifier: str
    name: str
    sections: tuple[Section, ...]


@dataclass(frozen=True)
class Household:
    """Everything about who has access to what, read in `4 + 2 * servers` requests."""

    users: tuple[User, ...]
    home_users: tuple[HomeUser, ...]
    servers: tuple[ServerLibraries, ...]
    pending_invites: tuple[Invite, ...]
    requests_made: int
    pending_home_invites: tuple[HomeInvite, ...] = ()
