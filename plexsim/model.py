"""The simulator's state: plain dataclasses behind one lock, serialisable to a seed document.

The seed document (a JSON object) is the only persistent form: `GET /__sim__/state` returns it,
`POST /__sim__/reset` and `--seed-file` accept it, `--state-file` writes it. Every id in it is
explicit, so the same seed always yields the same ids.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Self

RESTRICTION_PROFILES = ("little_kid", "older_kid", "teen")
MAX_HOME_SIZE = 15
MAX_SHARED_PEOPLE = 100
PIN_LIFETIME = 900
STRONG_PIN_LIFETIME = 1800


def stable_hex(*parts: object, length: int = 16) -> str:
    """A deterministic hex string, so ids derived from names survive restarts."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()
    return digest[:length]


@dataclass
class SharingSettings:
    allowSync: bool = False
    allowCameraUpload: bool = False
    allowChannels: bool = False
    allowSubtitleAdmin: bool = False
    allowTuners: int = 0
    filterAll: str | None = None
    filterMovies: str = ""
    filterMusic: str = ""
    filterPhotos: str | None = None
    filterTelevision: str = ""

    @classmethod
    def from_doc(cls, doc: dict[str, Any] | None) -> SharingSettings:
        return _build(cls, doc or {})


FILTER_KEYS = ("filterAll", "filterMovies", "filterMusic", "filterPhotos", "filterTelevision")
FLAG_KEYS = ("allowSync", "allowCameraUpload", "allowChannels", "allowSubtitleAdmin")


@dataclass
class Account:
    id: int
    uuid: str = ""
    username: str | None = None
    email: str | None = None
    title: str = ""
    friendlyName: str = ""
    password: str | None = None
    token: str = ""
    twoFactorCode: str | None = None
    plexPass: bool = False
    emailVerified: bool = True
    homePin: str | None = None
    restricted: bool = False
    restrictionProfile: str | None = None
    joinedAt: int = 1_500_000_000
    country: str = "US"
    viewStateSync: bool = False
    optOutPlayback: bool = False
    optOutLibraryStats: bool = False
    watchlist: dict[str, int] = field(default_factory=dict)
    viewCounts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.uuid:
            self.uuid = stable_hex("uuid", self.id)
        if not self.token:
            self.token = f"sim-{stable_hex('token', self.id, length=20)}"
        if not self.title:
            self.title = self.username or f"user{self.id}"

    @property
    def thumb(self) -> str:
        return f"https://plex.tv/users/{self.uuid}/avatar?c={self.joinedAt}"

    @property
    def hashed_pin(self) -> str | None:
        if self.homePin is None:
            return None
        return hashlib.sha1(self.homePin.encode(), usedforsecurity=False).hexdigest()


@dataclass
class Section:
    id: int
    key: int
    title: str
    type: str


@dataclass
class HistoryEntry:
    historyKey: int
    ratingKey: int
    title: str
    type: str
    viewedAt: int
    accountID: int
    librarySectionID: int
    grandparentTitle: str = ""
    parentTitle: str = ""
    index: int = 0
    parentIndex: int = 0
    # The player, by its plex.tv device id (what the server's /devices lists).
    deviceID: int = 1


@dataclass
class Server:
    machineIdentifier: str
    name: str
    ownerId: int
    serverId: int
    accessToken: str = ""
    version: str = "1.41.3.9314-a0bfb8370"
    platform: str = "Linux"
    platformVersion: str = "6.8.0"
    device: str = "PC"
    createdAt: int = 1_600_000_000
    lastSeenAt: int = 1_760_000_000
    # The loopback ports the server and its relay answer on; 0 until the simulator binds them.
    port: int = 0
    relayPort: int = 0
    sections: list[Section] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.accessToken:
            self.accessToken = f"srv-{stable_hex('server', self.machineIdentifier, length=20)}"

    def section(self, section_id: int) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)


@dataclass
class Relation:
    """An owner's sharing relation with one person: a friend, a Home member or an invitee.

    plex.tv keeps sharing settings (flags and filters) per person, not per server, which is why
    `/api/users` carries them on `<User>`; a relation stores them once for all of its shares.
    """

    ownerId: int
    userId: int | None = None
    invitedEmail: str | None = None
    accepted: bool = True
    createdAt: int = 1_600_000_000
    settings: SharingSettings = field(default_factory=SharingSettings)

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Relation:
        rel = _build(cls, {k: v for k, v in doc.items() if k != "settings"})
        rel.settings = SharingSettings.from_doc(doc.get("settings"))
        return rel


@dataclass
class Share:
    id: int
    machineIdentifier: str
    ownerId: int
    userId: int | None = None
    invitedEmail: str | None = None
    sectionIds: list[int] = field(default_factory=list)
    allLibraries: bool = False
    accepted: bool = True
    invitedAt: int = 1_600_000_000
    acceptedAt: int | None = 1_600_000_000
    accessToken: str = ""
    inviteToken: str = ""
    # When the person last used the server (epoch); None: plex.tv reports the server's own.
    lastSeenAt: int | None = None

    def __post_init__(self) -> None:
        if not self.accessToken:
            self.accessToken = f"shr-{stable_hex('share', self.id, length=20)}"
        if not self.inviteToken:
            self.inviteToken = stable_hex("invite", self.id, length=24)


@dataclass
class Home:
    adminId: int
    name: str = "Home"
    memberIds: list[int] = field(default_factory=list)
    guestUserId: int = 0


@dataclass
class HomeInvite:
    id: int
    adminId: int
    userId: int
    createdAt: int = 1_600_000_000


@dataclass
class SyncItem:
    id: int
    title: str
    rootTitle: str
    metadataType: str = "movie"
    contentType: str = "video"
    machineIdentifier: str = ""
    version: int = 1
    itemsCount: int = 1
    itemsCompleteCount: int = 1
    totalSize: int = 0
    state: str = "completed"
    failure: str = ""
    locationUri: str = ""
    policyScope: str = "count"
    policyUnwatched: bool = False
    policyValue: int = 1
    videoQuality: int = 60
    videoResolution: str = "1280x720"
    maxVideoBitrate: int = 4000


@dataclass
class Device:
    id: int
    ownerId: int
    name: str
    clientIdentifier: str
    product: str = "Plex Web"
    productVersion: str = "4.140.0"
    platform: str = "Chrome"
    platformVersion: str = "130.0"
    device: str = "Linux"
    model: str = "hosted"
    vendor: str = ""
    provides: str = "client,player,pubsub-player"
    token: str = ""
    screenResolution: str = "1920x1080"
    createdAt: int = 1_600_000_000
    lastSeenAt: int = 1_760_000_000
    syncItems: list[SyncItem] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.token:
            self.token = f"dev-{stable_hex('device', self.id, length=20)}"


@dataclass
class Pin:
    id: int
    code: str
    strong: bool
    clientIdentifier: str
    product: str
    createdAt: float
    expiresAt: float
    authToken: str | None = None
    accountId: int | None = None


@dataclass
class CatalogItem:
    ratingKey: str
    type: str
    title: str
    year: int
    contentRating: str = ""
    summary: str = ""
    studio: str = ""
    duration: int = 0
    originallyAvailableAt: str = ""
    rating: float = 0.0
    tagline: str = ""

    @property
    def guid(self) -> str:
        return f"plex://{self.type}/{self.ratingKey}"

    @property
    def slug(self) -> str:
        return "-".join(self.title.lower().replace("'", "").split())


def _build[T](cls: type[T], doc: dict[str, Any]) -> T:
    """Build a dataclass from a document, ignoring unknown keys so hand-written seeds stay short."""
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: v for k, v in doc.items() if k in names})


class SimError(Exception):
    """A plex.tv-style failure raised by a model operation; routes turn it into a response."""

    def __init__(self, status: int, code: int, message: str, *, style: str = "auto") -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        # "auto": the form of the route's family (see `render.error_reply`);
        # "v2": <errors><error code message status/></errors> or its JSON twin;
        # "v1": <Response code status/>; "v1-missing": <errors><error>Not found</error></errors>;
        # "provider": <Error error message statusCode/>.
        self.style = style


@dataclass
class State:
    accounts: dict[int, Account] = field(default_factory=dict)
    servers: dict[str, Server] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)
    shares: dict[int, Share] = field(default_factory=dict)
    homes: dict[int, Home] = field(default_factory=dict)
    homeInvites: dict[int, HomeInvite] = field(default_factory=dict)
    devices: dict[int, Device] = field(default_factory=dict)
    pins: dict[int, Pin] = field(default_factory=dict)
    catalog: dict[str, CatalogItem] = field(default_factory=dict)
    nextId: int = 900_000_000
    clockOffset: float = 0.0
    # plex.tv's cap on people shared with; a load run lifts it (POST /__sim__/share_limit).
    shareLimit: int = MAX_SHARED_PEOPLE
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _by_token: dict[str, int] = field(default_factory=dict, repr=False)

    # ---- time and ids -------------------------------------------------------------------

    def now(self) -> float:
        return time.time() + self.clockOffset

    def new_id(self) -> int:
        self.nextId += 1
        return self.nextId

    @contextmanager
    def locked(self) -> Iterator[Self]:
        with self.lock:
            yield self

    # ---- lookups ------------------------------------------------------------------------

    def reindex(self) -> None:
        """Rebuild the token index: each account's own token and every device's token."""
        by_token = {d.token: d.ownerId for d in self.devices.values() if d.token}
        by_token.update({a.token: a.id for a in self.accounts.values()})
        self._by_token = by_token

    def account_by_token(self, token: str) -> Account | None:
        account_id = self._by_token.get(token)
        return self.accounts.get(account_id) if account_id is not None else None

    def account_by_login(self, login: str) -> Account | None:
        wanted = login.strip().lower()
        for account in self.accounts.values():
            if account.restricted:
                continue
            if wanted in {(account.username or "").lower(), (account.email or "").lower()}:
                return account
        return None

    def home_of(self, account_id: int) -> Home | None:
        for home in self.homes.values():
            if account_id in home.memberIds:
                return home
        return None

    def relation(self, owner_id: int, user_id: int) -> Relation | None:
        return next(
            (r for r in self.relations if r.ownerId == owner_id and r.userId == user_id), None
        )

    def relation_for_share(self, share: Share) -> Relation | None:
        for rel in self.relations:
            if rel.ownerId != share.ownerId:
                continue
            if share.userId is not None and rel.userId == share.userId:
                return rel
            if share.userId is None and rel.invitedEmail == share.invitedEmail:
                return rel
        return None

    def owned_servers(self, owner_id: int) -> list[Server]:
        return [s for s in self.servers.values() if s.ownerId == owner_id]

    def shares_of_server(self, machine_id: str) -> list[Share]:
        return [s for s in self.shares.values() if s.machineIdentifier == machine_id]

    def shares_for_user(self, owner_id: int, user_id: int) -> list[Share]:
        return [s for s in self.shares.values() if s.ownerId == owner_id and s.userId == user_id]

    def shares_received(self, user_id: int) -> list[Share]:
        return [s for s in self.shares.values() if s.userId == user_id]

    def device_by_client(self, owner_id: int, client_id: str) -> Device | None:
        return next(
            (
                d
                for d in self.devices.values()
                if d.ownerId == owner_id and d.clientIdentifier == client_id
            ),
            None,
        )

    def share_section_ids(self, share: Share) -> list[int]:
        server = self.servers[share.machineIdentifier]
        if share.allLibraries:
            return [s.id for s in server.sections]
        known = {s.id for s in server.sections}
        return [i for i in share.sectionIds if i in known]

    # ---- serialisation ------------------------------------------------------------------

    def to_doc(self) -> dict[str, Any]:
        return {
            "accounts": [dataclasses.asdict(a) for a in self.accounts.values()],
            "servers": [dataclasses.asdict(s) for s in self.servers.values()],
            "relations": [dataclasses.asdict(r) for r in self.relations],
            "shares": [dataclasses.asdict(s) for s in self.shares.values()],
            "homes": [dataclasses.asdict(h) for h in self.homes.values()],
            "homeInvites": [dataclasses.asdict(i) for i in self.homeInvites.values()],
            "devices": [dataclasses.asdict(d) for d in self.devices.values()],
            "pins": [dataclasses.asdict(p) for p in self.pins.values()],
            "catalog": [dataclasses.asdict(c) for c in self.catalog.values()],
            "nextId": self.nextId,
        }

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> State:
        state = cls(nextId=int(doc.get("nextId", 900_000_000)))
        for a in doc.get("accounts", []):
            account = _build(Account, a)
            state.accounts[account.id] = account
        for s in doc.get("servers", []):
            server = _build(
                Server, {k: v for k, v in s.items() if k not in {"sections", "history"}}
            )
            server.sections = [_build(Section, x) for x in s.get("sections", [])]
            server.history = [_build(HistoryEntry, x) for x in s.get("history", [])]
            state.servers[server.machineIdentifier] = server
        state.relations = [Relation.from_doc(r) for r in doc.get("relations", [])]
        for s in doc.get("shares", []):
            share = _build(Share, s)
            state.shares[share.id] = share
        for h in doc.get("homes", []):
            home = _build(Home, h)
            state.homes[home.adminId] = home
        for i in doc.get("homeInvites", []):
            invite = _build(HomeInvite, i)
            state.homeInvites[invite.id] = invite
        for d in doc.get("devices", []):
            device = _build(Device, {k: v for k, v in d.items() if k != "syncItems"})
            device.syncItems = [_build(SyncItem, x) for x in d.get("syncItems", [])]
            state.devices[device.id] = device
        for p in doc.get("pins", []):
            pin = _build(Pin, p)
            state.pins[pin.id] = pin
        for c in doc.get("catalog", []):
            item = _build(CatalogItem, c)
            state.catalog[item.ratingKey] = item
        highest = max(
            [state.nextId, *state.accounts, *state.shares, *state.devices, *state.homeInvites],
            default=state.nextId,
        )
        state.nextId = highest
        state.reindex()
        return state
