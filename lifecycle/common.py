"""Small helpers the lifecycle modules share."""

from __future__ import annotations

from datetime import date, datetime, time

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.timesince import timesince, timeuntil

from accounts.models import Household
from sharing.models import Share


def live_shares() -> QuerySet[Share]:
    """Accepted shares of the owner's servers with people not removed here."""
    return Share.objects.filter(
        server__owned=True,
        server__missing_since__isnull=True,
        shared_server_id__isnull=False,
        user__removed_locally_at__isnull=True,
    )


def end_of_day(day: date) -> datetime:
    """Access given "until" a day lasts through that day (the edit form's rule too)."""
    return timezone.make_aware(datetime.combine(day, time(23, 59)))


def owner_name() -> str:
    household = Household.current()
    return household.owner.display_name if household else "the server's owner"


def until(moment: datetime, now: datetime) -> str:
    # timeuntil joins number and unit with a no-break space; e-mail reads the same plain.
    return "in " + timeuntil(moment, now, depth=1).replace("\xa0", " ")


def since(moment: datetime, now: datetime) -> str:
    return timesince(moment, now, depth=1).replace("\xa0", " ")


def days_ago(days: int) -> str:
    """Whole days, which is what inactivity is counted in."""
    return "today" if days == 0 else "yesterday" if days == 1 else f"{days} days ago"


def stamp(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M %Z}"
