# ruff: noqa: S106 - every credential in this module is documented fake test data
"""Built-in seeds: the `demo` household and generated households of any size.

Every value here is fake test data; the README lists the demo credentials.
"""

from __future__ import annotations

import random
import time
from typing import Any

from plexsim.demo_history import DAY, Habit, add_year_of_history, demo_players
from plexsim.model import (
    Account,
    CatalogItem,
    Device,
    HistoryEntry,
    Home,
    Relation,
    Section,
    Server,
    Share,
    SharingSettings,
    State,
    SyncItem,
    stable_hex,
)

OWNER_ID = 1001001
PARTNER_ID = 1001002
ELLIE_ID = 1001003
SAM_ID = 1001004
SASHA_ID = 1001020
DEN = stable_hex("server", "den", length=40)
CABIN = stable_hex("server", "cabin", length=40)
SASHA_NAS = stable_hex("server", "sasha-nas", length=40)

_CATALOG: list[tuple[str, str, int, str, str, str]] = [
    (
        "movie",
        "The Lighthouse Keeper",
        2019,
        "PG-13",
        "Harbour Light Films",
        "One light. One keeper.",
    ),
    ("movie", "Paper Moons", 2021, "PG", "Northwind Pictures", "Fold the sky."),
    ("movie", "Quiet Orbit", 2023, "PG-13", "Helio Studio", "Silence has a shape."),
    ("movie", "The Last Ferry", 2016, "R", "Tidewater", "Nobody misses the last ferry twice."),
    ("movie", "Garden of Clocks", 2022, "G", "Little Acorn", "Every flower keeps time."),
    (
        "movie",
        "Midnight Diner Blues",
        2018,
        "R",
        "Blue Neon",
        "Open all night. Closed to questions.",
    ),
    ("movie", "Cartographers", 2024, "PG", "Atlas Works", "The map is only the beginning."),
    ("show", "Harbour Street", 2020, "TV-14", "Pier Nine", "Everyone on the street has a secret."),
    ("show", "Snack Detectives", 2022, "TV-Y7", "Little Acorn", "No crumb left behind."),
    ("show", "Deep Field", 2019, "TV-PG", "Helio Studio", "Look up. Keep looking."),
    ("show", "Orchard Lane", 2017, "TV-MA", "Tidewater", "The fruit falls far from the tree."),
    ("show", "Kitchen Physics", 2023, "TV-G", "Atlas Works", "Science you can taste."),
    ("movie", "Salt and Cedar", 2020, "PG-13", "Tidewater", "Some roads only go one way."),
    ("movie", "A Winter in Lisbon", 2017, "PG", "Northwind Pictures", "Stay for the light."),
    ("movie", "The Glass Orchard", 2025, "PG-13", "Helio Studio", "Nothing grows unseen."),
    ("movie", "Ten Thousand Lanterns", 2022, "PG", "Little Acorn", "Make a wish. Then another."),
    ("movie", "Copper Sky", 2021, "R", "Blue Neon", "The storm is the easy part."),
    ("movie", "Pip and the Paper Boat", 2024, "G", "Little Acorn", "Small boat, big river."),
    ("show", "The Night Desk", 2024, "TV-MA", "Blue Neon", "News never sleeps."),
    ("show", "Starfall Academy", 2021, "TV-14", "Atlas Works", "Class is in session."),
    ("show", "Lantern Fox", 2023, "TV-Y7", "Little Acorn", "Follow the light."),
    ("show", "Glacier Year", 2019, "TV-G", "Helio Studio", "Twelve months on the ice."),
]


def _catalog() -> dict[str, CatalogItem]:
    items = {}
    for kind, title, year, rating, studio, tagline in _CATALOG:
        key = stable_hex("catalog", title, length=24)
        items[key] = CatalogItem(
            ratingKey=key,
            type=kind,
            title=title,
            year=year,
            contentRating=rating,
            studio=studio,
            summary=f"{title} ({year}), a simulated catalogue entry.",
            duration=5_400_000 if kind == "movie" else 1_800_000,
            originallyAvailableAt=f"{year}-06-01",
            rating=7.5,
            tagline=tagline,
        )
    return items


def _sections(base_id: int, titles: list[tuple[str, str]]) -> list[Section]:
    return [
        Section(id=base_id + i, key=i + 1, title=title, type=kind)
        for i, (title, kind) in enumerate(titles)
    ]


def demo_state() -> State:
    state = State(nextId=9_000_000)
    state.catalog = _catalog()
    keys = list(state.catalog)

    def add(account: Account) -> Account:
        state.accounts[account.id] = account
        return account

    add(
        Account(
            id=OWNER_ID,
            username="morgan",
            email="morgan@example.com",
            title="morgan",
            friendlyName="Morgan",
            password="owner-pass-1",
            token="demo-owner-token-0001",
            twoFactorCode="246810",
            plexPass=True,
            homePin="2468",
            joinedAt=1_420_070_400,
            viewStateSync=True,
            watchlist={keys[0]: 1_750_000_000, keys[7]: 1_750_100_000, keys[2]: 1_750_200_000},
            viewCounts={keys[3]: 2},
        )
    )
    add(
        Account(
            id=PARTNER_ID,
            username="jamie",
            email="jamie@example.com",
            friendlyName="Jamie",
            password="partner-pass-2",
            token="demo-partner-token-0002",
            joinedAt=1_451_606_400,
            watchlist={keys[9]: 1_751_000_000},
        )
    )
    add(
        Account(
            id=ELLIE_ID,
            title="Ellie",
            token="demo-ellie-token-0003",
            restricted=True,
            restrictionProfile="little_kid",
            homePin="1111",
            joinedAt=1_577_836_800,
            watchlist={keys[8]: 1_752_000_000, keys[4]: 1_752_100_000},
        )
    )
    add(
        Account(
            id=SAM_ID,
            title="Sam",
            token="demo-sam-token-0004",
            restricted=True,
            restrictionProfile="teen",
            joinedAt=1_577_836_800,
        )
    )
    friends = [
        (1001010, "alex.rivera", "Alex Rivera", "friend-pass-10"),
        (1001011, "priya", "Priya", "friend-pass-11"),
        (1001012, "tomasz", "Tomasz", "friend-pass-12"),
        (1001013, "chen.li", "Chen Li", "friend-pass-13"),
        (1001014, "grandma.ruth", "Ruth", "friend-pass-14"),
        (1001015, "dev.okafor", "Dev Okafor", "friend-pass-15"),
        (1001016, "kai", "Kai", "friend-pass-16"),
        (1001017, "river", "River", "friend-pass-17"),
    ]
    for account_id, username, name, password in friends:
        add(
            Account(
                id=account_id,
                username=username,
                email=f"{username}@example.com",
                friendlyName=name,
                password=password,
                token=f"demo-{username.replace('.', '-')}-token-{account_id % 100:04d}",
                joinedAt=1_500_000_000 + account_id % 100 * 86_400,
                emailVerified=username != "river",
            )
        )
    add(
        Account(
            id=SASHA_ID,
            username="sasha",
            email="sasha@example.com",
            friendlyName="Sasha",
            password="sasha-pass-20",
            token="demo-sasha-token-0020",
            plexPass=True,
        )
    )

    den = Server(
        machineIdentifier=DEN,
        name="Morgan's Den",
        ownerId=OWNER_ID,
        serverId=7001,
        accessToken="demo-den-server-token",
        sections=_sections(
            118_181_361,
            [
                ("Movies", "movie"),
                ("TV Shows", "show"),
                ("Music", "artist"),
                ("Photos", "photo"),
                ("Kids Movies", "movie"),
            ],
        ),
    )
    cabin = Server(
        machineIdentifier=CABIN,
        name="Cabin NAS",
        ownerId=OWNER_ID,
        serverId=7002,
        accessToken="demo-cabin-server-token",
        platform="Linux",
        device="Synology",
        sections=_sections(
            118_290_001, [("Movies 4K", "movie"), ("Documentaries", "movie"), ("Anime", "show")]
        ),
    )
    nas = Server(
        machineIdentifier=SASHA_NAS,
        name="Sasha's NAS",
        ownerId=SASHA_ID,
        serverId=7003,
        accessToken="demo-sasha-server-token",
        sections=_sections(120_000_001, [("Films", "movie"), ("Series", "show")]),
    )
    for server in (den, cabin, nas):
        state.servers[server.machineIdentifier] = server

    state.homes[OWNER_ID] = Home(
        adminId=OWNER_ID,
        name="Morgan's Home",
        memberIds=[OWNER_ID, PARTNER_ID, ELLIE_ID, SAM_ID],
        guestUserId=1001099,
    )

    share_id = iter(range(30001, 30100))

    def relate(
        user_id: int | None,
        settings: SharingSettings,
        *,
        accepted: bool = True,
        email: str | None = None,
        owner_id: int = OWNER_ID,
    ) -> None:
        state.relations.append(
            Relation(
                ownerId=owner_id,
                userId=user_id,
                invitedEmail=email,
                accepted=accepted,
                createdAt=1_700_000_000,
                settings=settings,
            )
        )

    def share(
        server: Server,
        user_id: int | None,
        titles: list[str] | None,
        *,
        accepted: bool = True,
        email: str | None = None,
    ) -> None:
        sid = next(share_id)
        section_ids = [s.id for s in server.sections if titles is None or s.title in titles]
        state.shares[sid] = Share(
            id=sid,
            machineIdentifier=server.machineIdentifier,
            ownerId=server.ownerId,
            userId=user_id,
            invitedEmail=email,
            sectionIds=section_ids,
            allLibraries=titles is None,
            accepted=accepted,
            invitedAt=1_700_000_000 + sid,
            acceptedAt=1_700_086_400 + sid if accepted else None,
        )

    relate(PARTNER_ID, SharingSettings(allowSync=True, allowCameraUpload=True, allowTuners=2))
    share(den, PARTNER_ID, None)
    share(cabin, PARTNER_ID, None)
    relate(ELLIE_ID, SharingSettings())
    share(den, ELLIE_ID, ["Kids Movies", "TV Shows"])
    relate(SAM_ID, SharingSettings(allowSync=True))
    share(den, SAM_ID, ["Movies", "TV Shows", "Music"])
    share(cabin, SAM_ID, ["Anime"])

    relate(1001010, SharingSettings(allowSync=True))
    share(den, 1001010, ["Movies", "TV Shows"])
    relate(1001011, SharingSettings(filterMovies="label!=Horror"))
    share(den, 1001011, None)
    relate(1001012, SharingSettings(allowTuners=1, allowChannels=True))
    share(cabin, 1001012, ["Movies 4K", "Documentaries"])
    relate(1001013, SharingSettings(allowSync=True, filterTelevision="contentRating=TV-14"))
    share(den, 1001013, ["Movies", "Music"])
    share(cabin, 1001013, None)
    relate(
        1001014,
        SharingSettings(
            filterMovies="contentRating=G%2CPG", filterTelevision="contentRating=TV-G%2CTV-PG"
        ),
    )
    share(den, 1001014, ["Movies", "Photos"])
    relate(1001015, SharingSettings(allowCameraUpload=True))
    share(cabin, 1001015, ["Anime"])

    relate(1001016, SharingSettings(allowSync=True), accepted=False)
    share(den, 1001016, ["Movies"], accepted=False)
    relate(None, SharingSettings(), accepted=False, email="nina@example.com")
    share(den, None, ["Movies", "TV Shows"], accepted=False, email="nina@example.com")

    relate(OWNER_ID, SharingSettings(allowSync=True), owner_id=SASHA_ID)
    share(nas, OWNER_ID, None)
    relate(PARTNER_ID, SharingSettings(), owner_id=SASHA_ID, accepted=False)
    share(nas, PARTNER_ID, ["Films"], accepted=False)

    devices = [
        Device(
            id=5001,
            ownerId=OWNER_ID,
            name="Living Room TV",
            clientIdentifier="demo-shield-01",
            product="Plex for Android (TV)",
            productVersion="10.20.0",
            platform="Android",
            platformVersion="11",
            device="SHIELD Android TV",
            model="mdarcy",
            vendor="NVIDIA",
            screenResolution="3840x2160",
        ),
        Device(
            id=5002,
            ownerId=OWNER_ID,
            name="Morgan's iPhone",
            clientIdentifier="demo-iphone-01",
            product="Plex for iOS",
            productVersion="8.40",
            platform="iOS",
            platformVersion="17.5",
            device="iPhone",
            model="15,2",
            vendor="Apple",
            provides="client,controller,player,pubsub-player,sync-target",
            screenResolution="1179x2556",
        ),
        Device(id=5003, ownerId=OWNER_ID, name="Chrome", clientIdentifier="demo-web-01"),
        Device(
            id=5004,
            ownerId=PARTNER_ID,
            name="Jamie's iPad",
            clientIdentifier="demo-ipad-02",
            product="Plex for iOS",
            productVersion="8.40",
            platform="iOS",
            platformVersion="17.5",
            device="iPad",
            model="13,16",
            vendor="Apple",
            provides="client,controller,player,pubsub-player,sync-target",
        ),
    ]
    devices[1].syncItems = [
        SyncItem(
            id=6001,
            title="The Lighthouse Keeper",
            rootTitle="The Lighthouse Keeper",
            machineIdentifier=DEN,
            totalSize=1_800_000_000,
            locationUri=f"library://{DEN}/item/%2Flibrary%2Fmetadata%2F101",
        ),
        SyncItem(
            id=6002,
            title="Harbour Street",
            rootTitle="Harbour Street",
            metadataType="episode",
            machineIdentifier=DEN,
            itemsCount=3,
            itemsCompleteCount=2,
            state="pending",
            policyScope="count",
            policyValue=3,
            policyUnwatched=True,
            totalSize=900_000_000,
            locationUri=f"library://{DEN}/directory/%2Flibrary%2Fmetadata%2F201",
        ),
    ]
    for device in devices:
        state.devices[device.id] = device

    players = demo_players({"Ellie": ELLIE_ID, "Sam": SAM_ID} | {u: i for i, u, _n, _p in friends})
    for device in players:
        state.devices[device.id] = device
    now = time.time() + state.clockOffset
    last_plays = add_year_of_history({DEN: den, CABIN: cabin}, _demo_habits(), now)
    for granted in state.shares.values():
        if granted.accepted and granted.userId is not None:
            seen = last_plays.get((granted.userId, granted.machineIdentifier))
            # Someone who never played still opened the app now and then, long ago.
            granted.lastSeenAt = seen + 600 if seen else int(now) - 200 * DAY
    state.reindex()
    return state


def _demo_habits() -> list[Habit]:
    """Who watches what, how often, and who stopped (see `demo_history`)."""
    return [
        Habit(
            OWNER_ID, ((DEN, 1, 3), (DEN, 2, 4), (DEN, 3, 1), (CABIN, 2, 2)), 1.2, (5001, 5002)
        ),
        Habit(PARTNER_ID, ((DEN, 1, 2), (DEN, 2, 3), (CABIN, 1, 2)), 1.0, (5001, 5004)),
        Habit(ELLIE_ID, ((DEN, 5, 4), (DEN, 2, 1)), 1.5, (5101, 5001)),
        Habit(SAM_ID, ((DEN, 1, 2), (DEN, 3, 2), (CABIN, 3, 3)), 0.8, (5102,)),
        Habit(1001010, ((DEN, 1, 3), (DEN, 2, 2)), 0.5, (5103,), started_days_ago=300),
        Habit(1001011, ((DEN, 1, 2), (DEN, 2, 3), (DEN, 3, 1)), 0.7, (5104,)),
        Habit(1001012, ((CABIN, 1, 2), (CABIN, 2, 3)), 0.3, (5105,), stopped_days_ago=12),
        Habit(1001013, ((DEN, 1, 1), (CABIN, 3, 2), (CABIN, 2, 1)), 0.4, (5106,)),
        Habit(1001014, ((DEN, 1, 1),), 0.3, (5107,), stopped_days_ago=95),
    ]  # fmt: skip


_LIBRARY_KINDS = [
    ("Movies", "movie"),
    ("TV Shows", "show"),
    ("Music", "artist"),
    ("Photos", "photo"),
    ("Kids Movies", "movie"),
    ("Kids TV", "show"),
    ("Documentaries", "movie"),
    ("Anime", "show"),
    ("Concerts", "movie"),
    ("Audiobooks", "artist"),
]


def generated_state(users: int, *, seed: str = "household", plays: int = 0) -> State:
    """A large owner household: `users` people spread over the owner's servers.

    Deterministic for a given size, so benchmarks and tests see the same ids every run. With
    `plays`, each person has about that many plays spread over the last year on the servers
    they have (some people none at all).
    """
    rng = random.Random(f"{seed}-{users}")  # noqa: S311 - test data, not security
    state = State(nextId=800_000_000)
    state.catalog = _catalog()
    owner = Account(
        id=OWNER_ID,
        username="owner",
        email="owner@example.com",
        friendlyName="Owner",
        password="owner-pass-1",
        token="gen-owner-token-0001",
        plexPass=True,
    )
    state.accounts[owner.id] = owner
    server_count = 2 if users < 1000 else 3
    servers = []
    for n in range(server_count):
        server = Server(
            machineIdentifier=stable_hex("server", seed, n, length=40),
            name=f"Server {n + 1}",
            ownerId=OWNER_ID,
            serverId=7001 + n,
            sections=_sections(200_000_000 + n * 1000, _LIBRARY_KINDS),
        )
        state.servers[server.machineIdentifier] = server
        servers.append(server)
    home = Home(adminId=OWNER_ID, name="Owner's Home", memberIds=[OWNER_ID], guestUserId=1001099)
    state.homes[OWNER_ID] = home
    share_id = 40_000_000
    for i in range(users):
        user_id = 2_000_000 + i
        managed = i in {1, 2}
        account = Account(
            id=user_id,
            username=None if managed else f"user{i:05d}",
            email=None if managed else f"user{i:05d}@example.com",
            title=f"Kid {i}" if managed else f"user{i:05d}",
            password=None if managed else f"pass-{i:05d}",
            token=f"gen-token-{user_id}",
            restricted=managed,
            restrictionProfile="older_kid" if managed else None,
            joinedAt=1_500_000_000 + i * 600,
        )
        state.accounts[user_id] = account
        if i < 3:
            home.memberIds.append(user_id)
        settings = SharingSettings(
            allowSync=rng.random() < 0.4,
            allowCameraUpload=rng.random() < 0.1,
            allowChannels=rng.random() < 0.2,
            allowTuners=rng.choice([0, 0, 0, 1, 2]),
            filterMovies=rng.choice(["", "", "", "contentRating=G%2CPG", "label!=Horror"]),
        )
        state.relations.append(Relation(ownerId=OWNER_ID, userId=user_id, settings=settings))
        for server in rng.sample(servers, rng.choice([1, 1, 2])):
            share_id += 1
            all_libraries = rng.random() < 0.3
            chosen = sorted(rng.sample(server.sections, rng.randint(1, 6)), key=lambda s: s.key)
            state.shares[share_id] = Share(
                id=share_id,
                machineIdentifier=server.machineIdentifier,
                ownerId=OWNER_ID,
                userId=user_id,
                sectionIds=[] if all_libraries else [s.id for s in chosen],
                allLibraries=all_libraries,
                invitedAt=1_700_000_000 + i,
                acceptedAt=1_700_050_000 + i,
            )
    if plays:
        _generated_history(state, servers, plays, rng)
    state.reindex()
    return state


def _generated_history(state: State, servers: list[Server], plays: int, rng: random.Random) -> None:
    """About `plays` plays a person over the last year, oldest first per server."""
    now = int(time.time())
    by_server: dict[str, list[tuple[int, int, int]]] = {s.machineIdentifier: [] for s in servers}
    people = [(OWNER_ID, [s.machineIdentifier for s in servers])]
    for share in state.shares.values():
        people.append((share.userId or 0, [share.machineIdentifier]))
    for account_id, machines in people:
        count = 0 if rng.random() < 0.15 else rng.randint(plays // 2, plays * 3 // 2)
        for _ in range(count):
            machine = rng.choice(machines)
            by_server[machine].append(
                (now - rng.randrange(365 * DAY), account_id, 1 + rng.randrange(10))
            )
    for server in servers:
        rows = sorted(by_server[server.machineIdentifier])
        server.history = [
            HistoryEntry(
                historyKey=number + 1,
                ratingKey=50_000 + rng.randrange(5_000),
                title=f"Title {rng.randrange(5_000)}",
                type="movie",
                viewedAt=viewed_at,
                accountID=account_id,
                librarySectionID=section,
            )
            for number, (viewed_at, account_id, section) in enumerate(rows)
        ]


SEEDS = {"demo": demo_state}


def build_state(seed: str | dict[str, Any] = "demo", users: int | None = None) -> State:
    """The state for a seed name, a seed document, or a generated household of `users`
    (`users:N`, or `users:N:plays:M` with about M plays a person over the last year)."""
    if users is not None:
        return generated_state(users)
    if isinstance(seed, dict):
        return State.from_doc(seed)
    if seed.startswith("users:"):
        parts = seed.split(":")
        if len(parts) == 4 and parts[2] == "plays":
            return generated_state(int(parts[1]), plays=int(parts[3]))
        return generated_state(int(seed.removeprefix("users:")))
    try:
        return SEEDS[seed]()
    except KeyError:
        raise ValueError(f"unknown seed {seed!r}; known: demo, users:N") from None
