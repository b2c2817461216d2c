"""The invite tree: who brought whom in, read from the uses of invite links.

A person's inviter is whoever made the link of their first counted use (a member within their
allowance, or an admin); the people someone brought in are those whose inviter they are. The
same rule feeds the person page, the People list and its filter, and the question "what
happens to the people they brought in" when someone is removed, so all of them agree.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import OuterRef, Subquery

from joins.models import Redemption
from sharing import invite_tree
from sharing.invite_tree import Inviter
from sharing.models import PlexUser

CREATOR = "link__created_by__"


def _name(title: str | None, username: str | None, user: str | None, plex_id: int | None) -> str:
    if plex_id is not None:
        return title or username or f"Plex account {plex_id}"
    return user or "—"


def inviters(plex_ids: Iterable[int]) -> dict[int, Inviter]:
    """Person plex id → their inviter, for every plex id given that joined through a link."""
    person = PlexUser.objects.filter(
        plex_id=OuterRef(f"{CREATOR}plex_account__plex_id"), removed_locally_at__isnull=True
    ).values("pk")[:1]
    rows = (
        Redemption.objects.filter(plex_id__in=list(plex_ids), counted=True)
        .annotate(inviter_person=Subquery(person))
        .order_by("plex_id", "created_at", "pk")
        .values_list(
            "plex_id",
            f"{CREATOR}plex_account__title",
            f"{CREATOR}plex_account__username",
            f"{CREATOR}username",
            f"{CREATOR}plex_account__plex_id",
            "inviter_person",
        )
    )
    found: dict[int, Inviter] = {}
    for plex_id, title, username, user, inviter_plex_id, person_id in rows:
        if plex_id not in found:
            name = _name(title, username, user, inviter_plex_id)
            found[plex_id] = Inviter(name=name, plex_id=inviter_plex_id, person_id=person_id)
    return found


def invitees(plex_id: int) -> list[int]:
    """The plex ids of the people this account brought in (they are the inviter of record)."""
    candidates = set(
        Redemption.objects.filter(
            **{f"{CREATOR}plex_account__plex_id": plex_id}, counted=True
        ).values_list("plex_id", flat=True)
    )
    candidates.discard(plex_id)
    first = inviters(candidates)
    return sorted(p for p, inviter in first.items() if inviter.plex_id == plex_id)


def invited_redemptions(plex_id: int) -> list[Redemption]:
    """The uses of links that brought people in for this account, oldest first."""
    brought = invitees(plex_id)
    return list(
        Redemption.objects.filter(
            **{f"{CREATOR}plex_account__plex_id": plex_id}, plex_id__in=brought, counted=True
        ).order_by("created_at")
    )


def choices() -> list[tuple[int, str]]:
    """Everyone with a Plex account who brought at least one person in, with their name."""
    rows = (
        Redemption.objects.filter(counted=True, **{f"{CREATOR}plex_account__isnull": False})
        .order_by()
        .values_list(
            f"{CREATOR}plex_account__plex_id",
            f"{CREATOR}plex_account__title",
            f"{CREATOR}plex_account__username",
        )
        .distinct()
    )
    return [(p, _name(t, u, None, p)) for p, t, u in rows]


SOURCE = invite_tree.Source(inviters=inviters, invitees=invitees, choices=choices)


def connect() -> None:
    invite_tree.register(SOURCE)
