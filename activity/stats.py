"""The household's numbers for one month, read from stored plays in a handful of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.models import Household
from activity import charts
from activity.models import Play
from sharing.models import Library, PlexUser, Server, Share

TOP = 5


@dataclass(frozen=True)
class Month:
    first: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time.min, timezone.get_current_timezone())

    @property
    def end(self) -> datetime:
        return datetime.combine(self.next.first, time.min, timezone.get_current_timezone())

    @property
    def next(self) -> Month:
        return Month((self.first.replace(day=28) + timedelta(days=4)).replace(day=1))

    @property
    def previous(self) -> Month:
        return Month((self.first - timedelta(days=1)).replace(day=1))

    @property
    def key(self) -> str:
        return self.first.strftime("%Y-%m")

    @property
    def days(self) -> list[date]:
        count = (self.next.first - self.first).days
        return [self.first + timedelta(days=i) for i in range(count)]

    @property
    def day_bounds(self) -> list[tuple[datetime, datetime]]:
        """Each day's start and end, in the configured time zone."""
        zone = timezone.get_current_timezone()
        starts = [datetime.combine(day, time.min, zone) for day in self.days]
        return list(zip(starts, [*starts[1:], self.end], strict=True))

    @classmethod
    def current(cls) -> Month:
        return cls(timezone.localdate().replace(day=1))


def people_with_access() -> QuerySet[PlexUser]:
    """Everyone with an accepted share of one of the owner's servers (no join, no DISTINCT)."""
    shared = Share.objects.filter(user=OuterRef("pk"), pending=False, server__owned=True)
    return PlexUser.objects.filter(Exists(shared), removed_locally_at__isnull=True)


Names = dict[int, tuple[str, str | None]]


def names_for(account_ids: set[int]) -> Names:
    """plex.tv account id → (name, link to their activity), for just these accounts (two
    queries: the people, the household's owner)."""
    names: Names = {
        person.plex_id: (person.display_name, reverse("activity:person", args=[person.pk]))
        for person in PlexUser.objects.filter(
            plex_id__in=account_ids, removed_locally_at__isnull=True
        ).only("pk", "plex_id", "title", "username", "email")
    }
    household = Household.current()
    if household is not None and household.owner.plex_id in account_ids:
        owner = household.owner
        names[owner.plex_id] = (f"{owner.display_name} (you)", reverse("activity:mine"))
    return names


def name_for(names: Names, account_id: int) -> tuple[str, str | None]:
    return names.get(account_id, (f"Plex account {account_id}", None))


def overview(month: Month, recent: int = 12) -> dict[str, object]:
    """The month's numbers as charts, and the latest plays, with one lookup of names."""
    in_month = Play.objects.filter(viewed_at__gte=month.start, viewed_at__lt=month.end)
    latest = list(Play.objects.select_related("server").order_by("-viewed_at", "-id")[:recent])
    per_person = dict(
        in_month.values_list("account_id").annotate(n=Count("id")).values_list("account_id", "n")
    )
    ranked = sorted(per_person.items(), key=lambda item: (-item[1], item[0]))[:TOP]
    everyone = people_with_access().values_list("plex_id", flat=True)
    quiet = sorted(everyone, key=lambda account: (per_person.get(account, 0), account))[:TOP]
    names = names_for(
        {account for account, _ in ranked} | set(quiet) | {play.account_id for play in latest}
    )
    most = [(*name_for(names, account), count) for account, count in ranked]
    least = [(*name_for(names, account), per_person.get(account, 0)) for account in quiet]
    servers = dict(Server.objects.values_list("pk", "name"))
    per_server = sorted(
        (
            (servers.get(server_id, "?"), n)
            for server_id, n in in_month.values_list("server_id").annotate(n=Count("id"))
        ),
        key=lambda item: (-item[1], item[0]),
    )
    by_library = dict(
        in_month.filter(library__isnull=False)
        .values_list("library_id")
        .annotate(n=Count("id"))
        .order_by("-n")[:8]
    )
    libraries = {
        pk: (title, servers.get(server_id, "?"))
        for pk, title, server_id in Library.objects.filter(pk__in=by_library).values_list(
            "pk", "title", "server_id"
        )
    }
    per_library = sorted(
        ((*libraries[pk], n) for pk, n in by_library.items() if pk in libraries),
        key=lambda item: (-item[2], item[0]),
    )
    # One pass over the month's plays with a counter per day: no per-row date function.
    by_day = in_month.aggregate(
        **{
            f"d{index}": Count("id", filter=Q(viewed_at__gte=start, viewed_at__lt=end))
            for index, (start, end) in enumerate(month.day_bounds)
        }
    )
    return {
        "recent": [(play, *name_for(names, play.account_id)) for play in latest],
        "total": sum(per_person.values()),
        "people_watching": len(per_person),
        "most_active": charts.bars([(name, n, href) for name, href, n in most]),
        "least_active": charts.bars([(name, n, href) for name, href, n in least]),
        "per_server": charts.bars([(name, n, None) for name, n in per_server]),
        "per_library": charts.bars(
            [(f"{title} · {server}", n, None) for title, server, n in per_library]
        ),
        "per_day": charts.columns(
            [(day, by_day[f"d{index}"]) for index, day in enumerate(month.days)]
        ),
    }


def people_rows(inactive_days: int | None, sort: str) -> QuerySet[PlexUser]:
    """Everyone with access, with their last activity across servers."""
    rows = people_with_access().annotate(
        last_active=Max("activity__last_active_at"),
        last_played=Max("activity__last_played_at"),
        last_seen=Max("activity__last_seen_at"),
    )
    if inactive_days:
        cutoff = timezone.now() - timedelta(days=inactive_days)
        rows = rows.filter(Q(last_active__lt=cutoff) | Q(last_active__isnull=True))
    if sort == "active":
        return rows.order_by(F("last_active").desc(nulls_last=True), "title", "pk")
    if sort == "name":
        return rows.order_by("title", "username", "pk")
    return rows.order_by(F("last_active").asc(nulls_first=True), "title", "pk")


def plays_in(month: Month, people: list[PlexUser]) -> dict[int, int]:
    """Plays this month of the people on one page (one grouped query)."""
    return dict(
        Play.objects.filter(
            account_id__in=[p.plex_id for p in people],
            viewed_at__gte=month.start,
            viewed_at__lt=month.end,
        )
        .values_list("account_id")
        .annotate(n=Count("id"))
        .values_list("account_id", "n")
    )
