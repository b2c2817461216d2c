"""Collecting play history from the owner's servers into the database, a bounded bite a run.

The rules, in order:

1. One collection at a time (a cache lock with an owner token); a second one is skipped.
2. Each server is read oldest first from where the last run stopped (`HistoryCursor`): new
   plays land at the end of that order, so pages already read never shift, and a run that
   runs out of its page budget simply continues next time. The first read of a server goes
   back `BACKFILL` (a year).
3. A page is written in one transaction with the cursor that covers it: a crash loses at most
   the page being read, never leaves a gap. Plays already stored (the cursor's own second is
   read again) are skipped by the server's play id.
4. Every person and server with a share keeps its latest play and plex.tv's `lastSeenAt`
   (`LastActivity`); times only ever move forward.

Requests per run: 1 (servers) + 1 (people and their shares' lastSeenAt) + per server a
connection probe, one history page per `HISTORY_PAGE_SIZE` new plays, and 1 (the server's
players) when the run stored plays.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

import plextv
from activity.models import Collection, HistoryCursor, LastActivity, Play
from plextv.models import Connection, HistoryEntry, Resource
from sharing.models import Server, Share

HISTORY_PAGE_SIZE = 500
MAX_HISTORY_PAGES = 40
BACKFILL = timedelta(days=365)
LOCK_KEY = "activity-collect-lock"
LOCK_SECONDS = 300
# The server's own number for its owner in history (everyone else keeps their plex.tv id).
SERVER_OWNER_ID = 1


@dataclass
class Progress:
    pages_left: int
    plays_added: int = 0
    servers_read: int = 0
    caught_up: bool = True
    problems: list[str] = field(default_factory=list)
    # (account id, server id) → (latest play time, its label) among the plays stored now.
    latest: dict[tuple[int, int], tuple[datetime, str]] = field(default_factory=dict)


class Busy(Exception):
    """Another collection holds the lock."""


class _Lock:
    def __init__(self) -> None:
        self.token = secrets.token_hex(8)

    def __enter__(self) -> _Lock:
        if not cache.add(LOCK_KEY, self.token, LOCK_SECONDS):
            raise Busy
        return self

    def __exit__(self, *exc: object) -> None:
        if cache.get(LOCK_KEY) == self.token:
            cache.delete(LOCK_KEY)


def start_collection(triggered_by: str) -> Collection:
    """Record a collection run and have the worker carry it out once this transaction commits."""
    from activity.tasks import collect_activity

    run = Collection.objects.create(triggered_by=triggered_by)
    collect_activity.delay_on_commit(run.pk)  # type: ignore[attr-defined]
    return run


def collect(
    client: plextv.PlexTV, run: Collection, owner_plex_id: int, *, max_pages: int | None = None
) -> Collection:
    """Read new plays from every owned server and refresh `LastActivity`; records the run.

    plex.tv errors propagate (the task maps them to the run's outcome); a server that cannot
    be reached is noted and the others are still read.
    """
    progress = Progress(pages_left=MAX_HISTORY_PAGES if max_pages is None else max_pages)
    sent_before = client.requests_sent
    try:
        with _Lock():
            known = {s.machine_identifier: s for s in Server.objects.filter(owned=True)}
            for resource in client.owned_servers():
                server = known.get(resource.client_identifier)
                if server is None:
                    progress.problems.append(
                        f"{resource.name} is not known here yet; it is read after the next sync."
                    )
                    continue
                _read_server(client, resource, server, owner_plex_id, progress)
            seen = {
                (share.user_id, share.machine_identifier): share.last_seen_at
                for user in client.users()
                for share in user.shares
            }
            update_last_activity(list(known.values()), progress.latest, seen)
    except Busy:
        run.finish(Collection.SKIPPED, "Another collection is already running.")
        return run
    finally:
        run.requests = client.requests_sent - sent_before
        run.plays_added = progress.plays_added
        run.servers_read = progress.servers_read
    outcome = Collection.SUCCEEDED if progress.caught_up else Collection.PARTIAL
    message = " ".join(progress.problems)
    if not progress.caught_up and not progress.problems:
        message = "More history to read; the next run continues where this one stopped."
    run.finish(outcome, message)
    return run


def _read_server(
    client: plextv.PlexTV,
    resource: Resource,
    server: Server,
    owner_plex_id: int,
    progress: Progress,
) -> None:
    cursor, _ = HistoryCursor.objects.get_or_create(server=server)
    try:
        connection = client.connect(resource)
    except plextv.PlexTVError as exc:
        progress.caught_up = False
        progress.problems.append(f"{server.name}: {exc.human_message}")
        HistoryCursor.objects.filter(pk=cursor.pk).update(last_error=exc.human_message)
        return
    since = cursor.read_up_to or (timezone.now() - BACKFILL)
    libraries: dict[int, int] = {
        key: pk
        for key, pk in server.libraries.filter(key__isnull=False).values_list("key", "pk")
        if key is not None
    }
    players: dict[int, str] | None = None

    def player_names() -> dict[int, str]:
        # Read once per run, and only when there are new plays to name.
        nonlocal players
        if players is None:
            players = _players(client, resource, connection)
        return players

    start = 0
    done = False
    while progress.pages_left > 0:
        page = client.server_history_page(
            resource,
            connection,
            start=start,
            size=HISTORY_PAGE_SIZE,
            since=since,
            oldest_first=True,
        )
        progress.pages_left -= 1
        entries = [e for e in page.entries if e.history_key is not None and e.viewed_at]
        _store_page(server, entries, cursor, owner_plex_id, libraries, player_names, progress)
        start += len(page.entries)
        if len(page.entries) < HISTORY_PAGE_SIZE or (
            page.total is not None and start >= page.total
        ):
            done = True
            break
    progress.servers_read += 1
    progress.caught_up = progress.caught_up and done
    HistoryCursor.objects.filter(pk=cursor.pk).update(
        caught_up=done, last_read_at=timezone.now(), last_error=""
    )


def _players(client: plextv.PlexTV, resource: Resource, connection: Connection) -> dict[int, str]:
    """The server's player names by id; plays keep a blank device when they cannot be read."""
    try:
        return {d.id: d.name for d in client.server_devices(resource, connection)}
    except plextv.PlexTVError:
        return {}


def _store_page(
    server: Server,
    entries: list[HistoryEntry],
    cursor: HistoryCursor,
    owner_plex_id: int,
    libraries: dict[int, int],
    player_names: Callable[[], dict[int, str]],
    progress: Progress,
) -> None:
    if not entries:
        return
    keys = [e.history_key for e in entries if e.history_key is not None]
    with transaction.atomic():
        stored = set(
            Play.objects.filter(server=server, history_key__in=keys).values_list(
                "history_key", flat=True
            )
        )
        fresh = [e for e in entries if e.history_key not in stored]
        players = player_names() if any(e.device_id for e in fresh) else {}
        rows = []
        for entry in fresh:
            if entry.history_key is None or not entry.viewed_at:
                continue
            account = owner_plex_id if entry.account_id == SERVER_OWNER_ID else entry.account_id
            if account is None:
                continue
            play = Play(
                server=server,
                history_key=entry.history_key,
                account_id=account,
                viewed_at=entry.viewed_at,
                type=entry.type[:16],
                title=entry.title[:300],
                grandparent_title=(entry.grandparent_title or "")[:300],
                season=entry.parent_index if entry.type == "episode" else None,
                episode=entry.index if entry.type == "episode" else None,
                rating_key=(entry.rating_key or "")[:32],
                library_id=libraries.get(entry.library_section_id or -1),
                device=players.get(entry.device_id or -1, "")[:200],
            )
            rows.append(play)
            who = (account, server.pk)
            best = progress.latest.get(who)
            if best is None or play.viewed_at > best[0]:
                progress.latest[who] = (play.viewed_at, play.label)
        Play.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
        newest = max(e.viewed_at for e in entries if e.viewed_at is not None)
        if cursor.read_up_to is None or newest > cursor.read_up_to:
            cursor.read_up_to = newest
            HistoryCursor.objects.filter(pk=cursor.pk).update(read_up_to=newest)
    progress.plays_added += len(rows)


def update_last_activity(
    servers: list[Server],
    latest: dict[tuple[int, int], tuple[datetime, str]],
    seen: dict[tuple[int, str], datetime | None],
) -> None:
    """Give every accepted share its row, and move plays and sightings forward."""
    machine_of = {s.pk: s.machine_identifier for s in servers}
    shares = list(
        Share.objects.filter(
            server_id__in=machine_of, pending=False, user__removed_locally_at__isnull=True
        ).values_list("user_id", "user__plex_id", "server_id")
    )
    existing = {
        (row.user_id, row.server_id): row
        for row in LastActivity.objects.filter(server_id__in=machine_of)
    }
    created: list[LastActivity] = []
    changed: list[LastActivity] = []
    current = {(user_id, server_id) for user_id, _, server_id in shares}
    # A share that ended (or a person removed here) takes its row along: "inactive" is asked
    # of people who still have access.
    ended = [row.pk for key, row in existing.items() if key not in current]
    LastActivity.objects.filter(pk__in=ended).delete()
    for user_id, plex_id, server_id in shares:
        row = existing.get((user_id, server_id))
        fresh = row is None
        if row is None:
            row = LastActivity(user_id=user_id, server_id=server_id)
        moved = False
        play = latest.get((plex_id, server_id))
        if play is not None:
            moved = row.note_play(*play)
        moved = row.note_seen(seen.get((plex_id, machine_of[server_id]))) or moved
        if fresh:
            created.append(row)
        elif moved:
            changed.append(row)
    _backfill_last_plays([r for r in created if r.last_played_at is None])
    LastActivity.objects.bulk_create(created, ignore_conflicts=True, batch_size=500)
    LastActivity.objects.bulk_update(
        changed,
        ["last_played_at", "last_played_title", "last_seen_at", "last_active_at", "updated_at"],
        batch_size=500,
    )


def _backfill_last_plays(rows: list[LastActivity]) -> None:
    """New rows (a share made after its person's plays were stored) take their last play
    from the stored plays: one grouped query, one to name the plays."""
    if not rows:
        return
    plex_ids = dict(
        Share.objects.filter(user_id__in={r.user_id for r in rows}).values_list(
            "user_id", "user__plex_id"
        )
    )
    wanted = {(plex_ids.get(r.user_id), r.server_id): r for r in rows}
    latest = (
        Play.objects.filter(
            account_id__in={a for a, _ in wanted if a is not None},
            server_id__in={s for _, s in wanted},
        )
        .values("account_id", "server_id")
        .annotate(at=Max("viewed_at"))
    )
    moments = {(x["account_id"], x["server_id"]): x["at"] for x in latest}
    if not moments:
        return
    plays = Play.objects.filter(
        account_id__in={a for a, _ in moments}, viewed_at__in=set(moments.values())
    )
    for play in plays:
        key = (play.account_id, play.server_id)
        row = wanted.get(key)
        if row is not None and moments.get(key) == play.viewed_at:
            row.note_play(play.viewed_at, play.label)
