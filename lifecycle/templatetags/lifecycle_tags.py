"""People's "last played 12 days ago", read for a whole page of rows in one query."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.db.models import Max
from django.utils import timezone

from activity.models import LastActivity
from lifecycle.common import days_ago

register = template.Library()


@register.simple_tag
def last_played(rows: Iterable[Any]) -> dict[int, str]:
    """Person id → when they last played on any server, for the People rows given."""
    ids = [row.person.pk for row in rows]
    found = (
        LastActivity.objects.filter(user_id__in=ids)
        .values("user_id")
        .annotate(latest=Max("last_played_at"))
    )
    now = timezone.now()
    return {
        item["user_id"]: days_ago((now - item["latest"]).days)
        for item in found
        if item["latest"] is not None
    }


@register.filter
def played_for(played: dict[int, str], person_id: int) -> str:
    return played.get(person_id, "") if isinstance(played, dict) else ""
