"""A year of believable plays for the demo household, ending at the moment the state is built.

Each person has habits: which libraries they watch, how often, and when they stopped (Ruth
stopped three months ago, Dev never pressed play). Shows are watched in order, one episode
after the next; evenings and weekends are busier. The same seed gives the same plays relative
to the build time, so "this month" always has something to show.
"""

from __future__ import annotations

import functools
import random
import zlib
from dataclasses import dataclass

from plexsim.model import Device, HistoryEntry, Server

DAY = 86_400

_MOVIES = [
    "The Lighthouse Keeper", "Paper Moons", "Quiet Orbit", "The Last Ferry", "Garden of Clocks",
    "Midnight Diner Blues", "Cartographers", "Salt and Cedar", "A Winter in Lisbon",
    "The Glass Orchard", "Northbound", "Ten Thousand Lanterns", "The Understudy",
    "Harvest Moon Motel", "Signal Lost", "Copper Sky", "The Weight of Rain", "Low Tide",
    "Small Hours", "The Red Balloon Society",
]  # fmt: skip
_KIDS = [
    "Garden of Clocks", "Pip and the Paper Boat", "The Dragon Who Sneezed", "Moon Bakery",
    "Tiny Trains", "Otter Island", "The Great Sock Hunt", "Captain Crumble",
]  # fmt: skip
_SHOWS = {
    "Harbour Street": 3, "Snack Detectives": 2, "Deep Field": 2, "Orchard Lane": 3,
    "Kitchen Physics": 2, "The Night Desk": 2,
}  # fmt: skip
_ANIME = {"Starfall Academy": 2, "Lantern Fox": 1, "Iron Meadow": 2}
_DOCUMENTARIES = [
    "Deep Field: Origins", "The Coral Clock", "Roads of Salt", "Inside the Hive",
    "Glacier Year", "The Typewriter Men",
]  # fmt: skip
_MOVIES_4K = ["Quiet Orbit", "Copper Sky", "Northbound", "Ten Thousand Lanterns", "Low Tide"]
_ARTISTS = {
    "Pier Nine Sessions": ["Harbour Theme", "Foghorn Waltz", "Rope and Pulley"],
    "The Velvet Signals": ["Static Heart", "Long Wave", "Night Frequency", "Dial Tone"],
    "Mara Quell": ["Glass Stairs", "Paper Lanterns", "Orchard Song"],
}
_EPISODE_WORDS = (
    ["The", "A", "Last", "Second", "Quiet", "Lost", "Open", "Borrowed"],
    ["Key", "Window", "Visitor", "Promise", "Storm", "Letter", "Harbour", "Recipe", "Map"],
)
EPISODES_PER_SEASON = 8


@dataclass(frozen=True)
class Habit:
    """How one person watches: (server, library key, weight) choices, plays a day, and the
    days ago their watching stopped (0: still watching) and started."""

    account_id: int
    libraries: tuple[tuple[str, int, float], ...]
    per_day: float
    device_ids: tuple[int, ...]
    stopped_days_ago: int = 0
    started_days_ago: int = 365


def _episode_title(rng: random.Random) -> str:
    return f"{rng.choice(_EPISODE_WORDS[0])} {rng.choice(_EPISODE_WORDS[1])}"


class _Library:
    """What one library offers (titles, shows with seasons, or artists with tracks), and
    where each person is in each show."""

    def __init__(
        self,
        titles: list[str] | None = None,
        shows: dict[str, int] | None = None,
        artists: dict[str, list[str]] | None = None,
    ) -> None:
        self.titles = titles or []
        self.shows = shows or {}
        self.artists = artists or {}
        self.progress: dict[tuple[int, str], int] = {}

    def pick(self, rng: random.Random, account_id: int) -> tuple[str, str, str, int, int]:
        """(title, type, grandparent title, season, episode) of the next play."""
        if self.titles:
            return rng.choice(self.titles), "movie", "", 0, 0
        if self.artists:
            artist = rng.choice(sorted(self.artists))
            return rng.choice(self.artists[artist]), "track", artist, 1, rng.randint(1, 9)
        show = rng.choice(sorted(self.shows))
        done = self.progress.get((account_id, show), 0)
        if done >= self.shows[show] * EPISODES_PER_SEASON:
            done = 0  # rewatching from the start
        self.progress[(account_id, show)] = done + 1
        season, episode = divmod(done, EPISODES_PER_SEASON)
        return _episode_title(rng), "episode", show, season + 1, episode + 1


def _libraries(den: str, cabin: str) -> dict[tuple[str, int], _Library]:
    return {
        (den, 1): _Library(titles=_MOVIES),
        (den, 2): _Library(shows=_SHOWS),
        (den, 3): _Library(artists=_ARTISTS),
        (den, 5): _Library(titles=_KIDS),
        (cabin, 1): _Library(titles=_MOVIES_4K),
        (cabin, 2): _Library(titles=_DOCUMENTARIES),
        (cabin, 3): _Library(shows=_ANIME),
    }


def _rating_key(server_key: int, title: str, grandparent: str, season: int, episode: int) -> int:
    """A stable library id for a title, as a server would keep one per item."""
    text = f"{server_key}|{grandparent}|{title}|{season}|{episode}"
    return 10_000 + zlib.crc32(text.encode()) % 890_000


def _hour(rng: random.Random, weekend: bool) -> int:
    evening = [18, 19, 20, 20, 21, 21, 21, 22, 22, 23]
    daytime = [9, 10, 11, 13, 14, 15, 16, 17]
    return rng.choice(evening + (daytime if weekend else daytime[:3]))


Play = tuple[int, int, str, str, str, int, int, int, int]
"""(viewed at, account id, title, type, grandparent title, library key, season, episode,
device id)"""


@functools.lru_cache(maxsize=4)
def _plan(
    machines: tuple[str, ...], habits: tuple[Habit, ...], midnight: int, seed: str
) -> dict[str, tuple[Play, ...]]:
    """Every play of the year up to the end of the day `midnight` starts, per server, in
    order. Cached: a simulator reset rebuilds the same plays many times a day."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    libraries = _libraries(machines[0], machines[1])
    plays: dict[str, list[Play]] = {machine: [] for machine in machines}
    for habit in habits:
        weights = [w for _, _, w in habit.libraries]
        for days_ago in range(habit.started_days_ago, habit.stopped_days_ago - 1, -1):
            day = midnight - days_ago * DAY
            weekend = (day // DAY + 4) % 7 >= 5  # 1970-01-01 was a Thursday
            expected = habit.per_day * (1.6 if weekend else 0.8)
            count = int(expected) + (1 if rng.random() < expected % 1 else 0)
            for _ in range(count):
                machine, key, _w = rng.choices(habit.libraries, weights)[0]
                title, kind, parent, season, episode = libraries[(machine, key)].pick(
                    rng, habit.account_id
                )
                moment = day + _hour(rng, weekend) * 3600 + rng.randrange(3600)
                device = rng.choice(habit.device_ids)
                plays[machine].append(
                    (moment, habit.account_id, title, kind, parent, key, season, episode, device)
                )
    return {machine: tuple(sorted(rows)) for machine, rows in plays.items()}


def add_year_of_history(
    servers: dict[str, Server], habits: list[Habit], now: float, seed: str = "demo-history"
) -> dict[tuple[int, str], int]:
    """Fill the first two servers' history with a year of plays up to `now`; returns the
    last play per (account id, server) as epoch seconds."""
    midnight = int(now) - int(now) % DAY
    plan = _plan(tuple(servers)[:2], tuple(habits), midnight, seed)
    last: dict[tuple[int, str], int] = {}
    for machine, rows in plan.items():
        server = servers[machine]
        number = max((e.historyKey for e in server.history), default=0)
        for moment, account_id, title, kind, parent, key, season, episode, device in rows:
            if moment > now:
                break
            number += 1
            server.history.append(
                HistoryEntry(
                    historyKey=number,
                    ratingKey=_rating_key(key, title, parent, season, episode),
                    title=title,
                    type=kind,
                    viewedAt=moment,
                    accountID=account_id,
                    librarySectionID=key,
                    grandparentTitle=parent,
                    index=episode,
                    parentIndex=season if kind == "episode" else 0,
                    deviceID=device,
                )
            )
            last[(account_id, machine)] = moment
    return last


def demo_players(owner_of: dict[str, int]) -> list[Device]:
    """Players for the people whose seed lists no device (ids from 5101)."""
    specs = [
        ("Ellie", "Kids Tablet", "Plex for Android", "Android", "Fire HD 10"),
        ("Sam", "Sam's Laptop", "Plex Web", "Chrome", "Linux"),
        ("alex.rivera", "Alex's Roku", "Plex for Roku", "Roku", "Roku Ultra"),
        ("priya", "Priya's Apple TV", "Plex for Apple TV", "tvOS", "Apple TV"),
        ("tomasz", "Tomasz's Xbox", "Plex for Xbox", "Xbox", "Xbox Series X"),
        ("chen.li", "Chen's Phone", "Plex for Android", "Android", "Pixel 8"),
        ("grandma.ruth", "Ruth's Smart TV", "Plex for Samsung", "Tizen", "Samsung TV"),
        ("dev.okafor", "Dev's iPad", "Plex for iOS", "iOS", "iPad"),
    ]
    return [
        Device(
            id=5101 + i,
            ownerId=owner_of[who],
            name=name,
            clientIdentifier=f"demo-player-{5101 + i}",
            product=product,
            platform=platform,
            device=model,
            provides="client,player,pubsub-player",
        )
        for i, (who, name, product, platform, model) in enumerate(specs)
    ]
