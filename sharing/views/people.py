"""The people screen: everyone with access, filtered, searched, sorted and paginated.

The number of SQL queries is the same whatever the number of people: one page of people,
their shares (with library counts) and those shares' libraries are fetched in three queries,
plus the counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import (
    CharField,
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Lower
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.decorators import admin_required
from accounts.http import is_partial
from sharing import invite_tree
from sharing.invite_tree import Inviter
from sharing.models import Invite, Library, Operation, PlexUser, Server, Share
from sharing.operations.expiry import ExpiryNote, describe
from sharing.views.access import shown_operations
from sharing.views.pending import PendingRow, pending_rows

PER_PAGE = 50
HOME_LIMIT = PlexUser.HOME_LIMIT
SHARE_LIMIT = PlexUser.SHARE_LIMIT
KINDS = [
    ("", "Everyone"),
    (PlexUser.FRIEND, "Friends"),
    (PlexUser.HOME, "Home members"),
    (PlexUser.MANAGED, "Managed profiles"),
    ("pending", "Pending invites"),
]
SORTS: dict[str, tuple[Any, ...]] = {
    "name": (Lower("title"), Lower("username"), "plex_id"),
    "-name": (Lower("title").desc(), Lower("username").desc(), "-plex_id"),
    "kind": ("kind", Lower("title"), "plex_id"),
    "added": ("-created_at", "plex_id"),
    "updated": ("-updated_at", "plex_id"),
}
SORT_LABELS = [
    ("name", "Name A to Z"),
    ("-name", "Name Z to A"),
    ("kind", "Kind"),
    ("added", "Newest first"),
    ("updated", "Recently changed"),
]


@dataclass
class ShareSummary:
    server: str
    libraries: str
    pending: bool


@dataclass
class PersonRow:
    person: PlexUser
    shares: list[ShareSummary]
    downloads: bool
    live_tv: bool
    filters: list[str]
    expires_at: datetime | None
    pending: bool
    drift: bool
    busy: bool
    inviter: Inviter | None = None

    @property
    def expiry(self) -> ExpiryNote | None:
        return describe(self.expires_at)


@dataclass(frozen=True)
class Query:
    kind: str
    server: int | None
    q: str
    sort: str
    # Only the people this plex account brought in (the invite tree), and who they are.
    by: int | None = None
    invited: tuple[int, ...] = ()

    @classmethod
    def from_request(cls, request: HttpRequest) -> Query:
        kind = request.GET.get("kind", "")
        if kind not in dict(KINDS):
            kind = ""
        server = request.GET.get("server", "")
        sort = request.GET.get("sort", "name")
        by_value = request.GET.get("by", "")
        by = int(by_value) if re.fullmatch(r"[0-9]{1,15}", by_value) else None
        return cls(
            kind=kind,
            server=int(server) if re.fullmatch(r"[0-9]{1,9}", server) else None,
            q=request.GET.get("q", "").replace("\x00", "").strip()[:100],
            sort=sort if sort in SORTS else "name",
            by=by,
            invited=tuple(invite_tree.invitees(by)) if by is not None else (),
        )

    def params(self, **change: Any) -> str:
        values = {
            "kind": self.kind,
            "server": self.server or "",
            "q": self.q,
            "sort": self.sort,
            "by": self.by or "",
        }
        values.update(change)
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def _pending_on(target_type: str) -> Exists:
    return Exists(
        Operation.objects.filter(
            state__in=Operation.PENDING_STATES,
            target_type=target_type,
            target_id=Cast(OuterRef("pk"), CharField()),
        )
    )


def _owned_shares() -> QuerySet[Share]:
    return (
        Share.objects.filter(server__owned=True)
        .select_related("server")
        .annotate(
            library_count=Count("libraries", distinct=True),
            busy=_pending_on(Operation.TARGET_SHARE),
        )
        .prefetch_related(Prefetch("libraries", queryset=Library.objects.only("id", "global_id")))
        .order_by("server__name")
    )


def people_filter(query: Query) -> QuerySet[PlexUser]:
    people = PlexUser.objects.filter(removed_locally_at__isnull=True)
    if query.kind in (PlexUser.FRIEND, PlexUser.HOME, PlexUser.MANAGED):
        people = people.filter(kind=query.kind)
    if query.server is not None:
        people = people.filter(
            Exists(Share.objects.filter(user=OuterRef("pk"), server_id=query.server))
        )
    if query.q:
        people = people.filter(
            Q(title__icontains=query.q)
            | Q(username__icontains=query.q)
            | Q(email__icontains=query.q)
        )
    if query.by is not None:
        people = people.filter(plex_id__in=query.invited)
    return people


def people_queryset(query: Query) -> QuerySet[PlexUser]:
    return (
        people_filter(query)
        .annotate(busy=_pending_on(Operation.TARGET_USER))
        .order_by(*SORTS[query.sort])
        .prefetch_related(Prefetch("shares", queryset=_owned_shares(), to_attr="owned_shares"))
    )


def rows_count(rows: QuerySet[Any]) -> Subquery:
    """How many rows `rows` holds, as a scalar subquery to annotate the server list with."""
    return Subquery(
        rows.order_by()
        .annotate(all_rows=Value(1))
        .values("all_rows")
        .annotate(rows=Count("pk"))
        .values("rows")[:1]
    )


class Everyone:
    """Pending invites, then people, as one sliceable list for the paginator.

    Invites head the list because they are the rows waiting for someone to act. They are few
    (plex.tv's sharing and Home limits) and read whole; each page costs the usual three
    queries for its people, and the number of people comes with the server list.
    """

    def __init__(
        self, pending: list[PendingRow], people: QuerySet[PlexUser], people_count: int | None
    ) -> None:
        self.pending = pending
        self.people = people
        self.people_count = people_count

    def count(self) -> int:
        if self.people_count is None:
            self.people_count = self.people.count()
        return len(self.pending) + self.people_count

    def __getitem__(self, window: slice) -> list[PendingRow | PlexUser]:
        start, stop = window.start or 0, window.stop
        held = len(self.pending)
        items: list[PendingRow | PlexUser] = list(self.pending[start:stop])
        if stop > held:
            items.extend(self.people[max(0, start - held) : stop - held])
        return items


def _filters_summary(share: Share) -> list[str]:
    names = {
        "filter_movies": "movies",
        "filter_television": "TV",
        "filter_music": "music",
        "filter_photos": "photos",
        "filter_all": "all",
    }
    return [label for field, label in names.items() if getattr(share, field)]


def to_row(person: PlexUser) -> PersonRow:
    shares: list[Share] = getattr(person, "owned_shares", [])
    summaries = [
        ShareSummary(
            server=share.server.name,
            libraries="all" if share.all_libraries else str(share.library_count),  # type: ignore[attr-defined]
            pending=share.pending,
        )
        for share in shares
    ]
    filters: list[str] = []
    drift = False
    for share in shares:
        filters.extend(f for f in _filters_summary(share) if f not in filters)
        drift = drift or bool(share.drift([lib.global_id for lib in share.libraries.all()]))
    expiries = [share.expires_at for share in shares if share.expires_at]
    return PersonRow(
        person=person,
        shares=summaries,
        downloads=any(share.allow_sync for share in shares),
        live_tv=any(share.allow_tuners for share in shares),
        filters=filters,
        expires_at=min(expiries) if expiries else None,
        pending=any(share.pending for share in shares),
        drift=drift,
        busy=bool(getattr(person, "busy", False))
        or any(getattr(share, "busy", False) for share in shares),
    )


def with_inviters(rows: list[PersonRow]) -> None:
    """Who brought each person of the page in, read for the whole page at once."""
    found = invite_tree.inviters(row.person.plex_id for row in rows)
    for row in rows:
        row.inviter = found.get(row.person.plex_id)


def invited_people() -> Subquery:
    """How many different people have an invite pending, as a scalar subquery."""
    who = Coalesce(Cast("invited_plex_id", CharField()), Lower("email"), Lower("username"))
    return Subquery(
        Invite.objects.order_by()
        .annotate(all_rows=Value(1))
        .values("all_rows")
        .annotate(people=Count(who, distinct=True))
        .values("people")[:1]
    )


def owned_servers(listed: Query | None = None) -> list[Server]:
    """The owner's servers, each carrying the pending-invite count (saves a query per page).

    With `listed`, each also carries `people_rows`: how many people the "Everyone" list of
    that query shows.
    """
    servers = (
        Server.objects.filter(owned=True).only("id", "name").annotate(invited=invited_people())
    )
    if listed is not None:
        servers = servers.annotate(people_rows=Coalesce(rows_count(people_filter(listed)), 0))
    return list(servers)


def counters(servers: list[Server] | None = None) -> dict[str, int]:
    servers = owned_servers() if servers is None else servers
    counts = PlexUser.objects.filter(removed_locally_at__isnull=True).aggregate(
        home_members=Count("pk", filter=Q(home=True), distinct=True),
        shared_people=Count("pk", filter=Q(home=False, shares__server__owned=True), distinct=True),
    )
    invited = (getattr(servers[0], "invited", 0) or 0) if servers else 0
    return {
        # The owner is the Home's admin and takes one of its 15 places.
        "home": counts["home_members"] + 1,
        "home_limit": HOME_LIMIT,
        "shared": counts["shared_people"] + invited,
        "share_limit": SHARE_LIMIT,
    }


def _pending(query: Query) -> list[PendingRow]:
    """Pending invites, unless the list is of the people someone brought in."""
    if query.by is not None:
        return []
    return pending_rows(server=query.server, q=query.q, sort=query.sort)


def _page(request: HttpRequest, items: Any) -> Page:
    paginator = Paginator(items, PER_PAGE)
    return paginator.get_page(request.GET.get("page"))


@never_cache
@admin_required
@require_GET
def people_list(request: HttpRequest) -> HttpResponse:
    query = Query.from_request(request)
    servers = owned_servers(query)
    context: dict[str, Any] = {
        "activity": shown_operations(request),
        "query": query,
        "kinds": KINDS,
        "sorts": SORT_LABELS,
        "servers": servers,
        "counters": counters(servers),
        "base_params": query.params(),
        "everyone_params": query.params(by=""),
    }
    context["pending_rows"] = []
    context["rows"] = []
    context["inviters"] = invite_tree.choices()
    context["by_name"] = dict(context["inviters"]).get(query.by) if query.by else None
    if query.kind == "pending":
        page = _page(request, _pending(query))
        context["page"] = page
        context["pending_rows"] = list(page.object_list)
    elif query.kind == "":
        first = servers[0] if servers else None
        everyone = Everyone(
            _pending(query),
            people_queryset(query),
            getattr(first, "people_rows", None),
        )
        page = _page(request, everyone)
        context["page"] = page
        context["pending_rows"] = [i for i in page.object_list if isinstance(i, PendingRow)]
        context["rows"] = [to_row(item) for item in page.object_list if isinstance(item, PlexUser)]
    else:
        page = _page(request, people_queryset(query))
        context["page"] = page
        context["rows"] = [to_row(person) for person in page.object_list]
    with_inviters(context["rows"])
    if is_partial(request):
        return render(request, "sharing/people.html#people-results", context)
    return render(request, "sharing/people.html", context)
