"""Members' allowances: what a member may hand out, and invite links made within it.

Every check runs on the server for every request, whatever the form showed: the libraries of
a member's link must be in the allowance, still the owner's, and (unless the owner ticked
"beyond their own access") still the member's own. Places are taken with one conditional
UPDATE (`used = used + n` only where the result stays within `max_people`), so two links made
at the same moment can never exceed the allowance; on PostgreSQL the second UPDATE waits for
the first and re-checks the WHERE. A member's link has a use limit equal to the places it
took, so every redemption through it counts against the allowance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Member, User
from joins import grants as grants_mod
from joins import link_hooks
from joins import services as joins_services
from joins import tree as joins_tree
from joins.models import InviteLink, Redemption
from members.models import Allowance, MemberLink
from sharing.models import Library, Share

NO_FLAGS = {"allow_sync": False, "allow_camera_upload": False, "allow_channels": False}


class Refused(Exception):
    """The request is outside the allowance: the message says why, nothing was created."""


Wanted = dict[str, set[int]]  # server machine id → plex.tv global library ids


def owner_libraries() -> Wanted:
    """Every library of the owner's servers that still exists."""
    found: Wanted = {}
    rows = Library.objects.filter(
        server__owned=True, server__missing_since__isnull=True, missing_since__isnull=True
    ).values_list("server__machine_identifier", "global_id")
    for machine, global_id in rows:
        found.setdefault(machine, set()).add(int(global_id))
    return found


def member_libraries(plex_id: int) -> Wanted:
    """The libraries shared with the member (accepted shares, as last synced)."""
    owned = owner_libraries()
    found: Wanted = {}
    shares = (
        Share.objects.filter(user__plex_id=plex_id, pending=False, server__owned=True)
        .select_related("server")
        .prefetch_related("libraries")
    )
    for share in shares:
        machine = share.server.machine_identifier
        if share.all_libraries:
            found.setdefault(machine, set()).update(owned.get(machine, set()))
        else:
            found.setdefault(machine, set()).update(lib.global_id for lib in share.libraries.all())
    return found


def as_wanted(grants: dict[str, Any]) -> Wanted:
    return {e["machine"]: {int(g) for g in e["libraries"]} for e in grants_mod.entries(grants)}


def as_grants(wanted: Wanted) -> dict[str, Any]:
    return {
        "servers": [
            {"machine": m, "libraries": sorted(ids), "access": {**NO_FLAGS, "allow_tuners": 0}}
            for m, ids in sorted(wanted.items())
            if ids
        ]
    }


def _titles(ids: set[int]) -> str:
    names = Library.objects.filter(global_id__in=ids).values_list("title", flat=True)
    return ", ".join(sorted(names)) or ", ".join(str(i) for i in sorted(ids))


def outside(wanted: Wanted, allowed: Wanted) -> set[int]:
    return {g for m, ids in wanted.items() for g in ids if g not in allowed.get(m, set())}


def check_allowance_grants(member: Member, wanted: Wanted, beyond_own: bool) -> None:
    """An allowance: a subset of the owner's libraries, and of the member's unless asked."""
    if not any(wanted.values()):
        raise Refused("Choose at least one library they may hand out.")
    extra = outside(wanted, owner_libraries())
    if extra:
        raise Refused(f"Not a library of yours: {_titles(extra)}.")
    if not beyond_own:
        extra = outside(wanted, member_libraries(member.plex_account.plex_id))
        if extra:
            raise Refused(
                f"They do not have {_titles(extra)} themselves; tick “beyond their own "
                "access” to let them hand it out anyway."
            )


def save_allowance(member: Member, data: dict[str, Any], actor: User) -> Allowance:
    wanted: Wanted = data["wanted"]
    check_allowance_grants(member, wanted, data["beyond_own_access"])
    values = {
        "max_people": data["max_people"],
        "period": data["period"],
        "grants": as_grants(wanted),
        "beyond_own_access": data["beyond_own_access"],
        "max_access_days": data.get("max_access_days"),
        "needs_approval": data["needs_approval"],
        "revoked_at": None,
        "granted_by": actor,
        "updated_at": timezone.now(),
    }
    allowance, _ = Allowance.objects.update_or_create(member=member, defaults=values)
    return allowance


def revoke(allowance: Allowance) -> int:
    """End the allowance and disable the member's links still open; returns how many."""
    with transaction.atomic():
        Allowance.objects.filter(pk=allowance.pk).update(
            revoked_at=timezone.now(), updated_at=timezone.now()
        )
        now = timezone.now()
        # Expired as well as disabled: enabling it again on the links screen cannot bring
        # back places the member no longer has.
        return InviteLink.objects.filter(
            member_link__allowance=allowance, disabled_at__isnull=True
        ).update(disabled_at=now, expires_at=now)


def period_start(allowance: Allowance, today: date | None = None) -> date | None:
    if allowance.period != Allowance.MONTH:
        return None
    today = today or timezone.localdate()
    return today.replace(day=1)


def reserve(allowance: Allowance, places: int) -> bool:
    """Take `places` from the allowance in one conditional UPDATE (a new month starts at 0)."""
    start = period_start(allowance)
    rows = Allowance.objects.filter(pk=allowance.pk, revoked_at__isnull=True)
    if start is not None:
        rows.exclude(period_start=start).update(used=0, period_start=start)
    return bool(rows.filter(used__lte=F("max_people") - places).update(used=F("used") + places))


@dataclass(frozen=True)
class LinkRequest:
    label: str
    libraries: set[int]
    people: int
    access_days: int | None


def create_link(member: Member, asked: LinkRequest) -> tuple[InviteLink, str]:
    """A member's invite link, checked against their allowance now, places taken atomically."""
    allowance = Allowance.objects.filter(member=member, revoked_at__isnull=True).first()
    if allowance is None:
        raise Refused("You have no invite allowance. Ask an admin for one.")
    wanted = _wanted_from_ids(asked.libraries)
    extra = outside(wanted, as_wanted(allowance.grants)) | (asked.libraries - _known(wanted))
    if extra:
        raise Refused(f"Your allowance does not include {_titles(extra)}. Nothing was created.")
    if not allowance.beyond_own_access:
        extra = outside(wanted, member_libraries(member.plex_account.plex_id))
        if extra:
            raise Refused(f"You no longer have {_titles(extra)} yourself. Nothing was created.")
    extra = outside(wanted, owner_libraries())
    if extra:
        raise Refused(f"{_titles(extra)} is no longer shared by this server.")
    if not wanted:
        raise Refused("Choose at least one library.")
    days = asked.access_days
    if allowance.max_access_days is not None and (days is None or days > allowance.max_access_days):
        raise Refused(f"Access through your links lasts at most {allowance.max_access_days} days.")
    with transaction.atomic():
        if not reserve(allowance, asked.people):
            left = remaining(allowance)
            raise Refused(
                f"Your allowance has {left} place{'s' if left != 1 else ''} left "
                f"{'this month' if allowance.period == Allowance.MONTH else ''}; "
                f"this link asks for {asked.people}."
            )
        link, code = joins_services.create_link(
            {
                "label": asked.label,
                "grants": as_grants(wanted),
                "max_uses": asked.people,
                "access_days": days,
                "needs_approval": allowance.needs_approval,
                "note": f"made by a member within their allowance ({asked.people} places)",
            },
            member.user,
        )
        MemberLink.objects.create(
            allowance=allowance,
            link=link,
            places=asked.people,
            period_start=period_start(allowance),
        )
    return link, code


def _wanted_from_ids(ids: set[int]) -> Wanted:
    found: Wanted = {}
    rows = Library.objects.filter(global_id__in=ids).values_list(
        "server__machine_identifier", "global_id"
    )
    for machine, global_id in rows:
        found.setdefault(machine, set()).add(int(global_id))
    return found


def _known(wanted: Wanted) -> set[int]:
    return {g for ids in wanted.values() for g in ids}


def remaining(allowance: Allowance) -> int:
    allowance.refresh_from_db(fields=["used", "max_people", "period_start"])
    used = allowance.used
    if allowance.period == Allowance.MONTH and allowance.period_start != period_start(allowance):
        used = 0
    return max(0, allowance.max_people - used)


def disable_link(member: Member, link_id: int) -> InviteLink | None:
    """Disable the member's own link; its places not used give back to this period's count.

    The same path as the admin's "disable" on the links screen (`joins.link_hooks`), which
    calls `release_places` below: one lock order (the link, then its places) for both."""
    if not MemberLink.objects.filter(link_id=link_id, allowance__member=member).exists():
        return None
    return link_hooks.disable(link_id)


def release_places(link: InviteLink) -> None:
    """Give a disabled member link's unused places back to its allowance, once.

    Expired as well: its places go back to the allowance, so enabling it again on the links
    screen must not let it take people outside the count (`enable_refusal` refuses it too)."""
    mine = (
        MemberLink.objects.select_for_update()
        .select_related("allowance")
        .filter(link_id=link.pk)
        .first()
    )
    if mine is None or mine.released:
        return
    now = timezone.now()
    InviteLink.objects.filter(pk=link.pk).update(expires_at=now)
    unused = max(0, mine.places - link.uses)
    MemberLink.objects.filter(pk=mine.pk).update(released=True)
    rows = Allowance.objects.filter(pk=mine.allowance_id, used__gte=unused)
    if mine.allowance.period == Allowance.MONTH:
        rows = rows.filter(period_start=mine.period_start)
    rows.update(used=F("used") - unused)


def enable_refusal(link: InviteLink) -> str | None:
    """A member's link stays off once disabled: its places are no longer reserved for it."""
    if link.disabled_at is None:
        return None
    mine = (
        MemberLink.objects.select_related("allowance__member__plex_account")
        .filter(link_id=link.pk)
        .first()
    )
    if mine is None:
        return None
    name = mine.allowance.member.plex_account.display_name
    return (
        f"“{link.label}” was made by {name} within their allowance. Its unused places went "
        f"back to {name} when it was disabled, so it cannot be enabled again: {name} can make "
        "a new link from their page if places are left."
    )


LINK_HOOKS = link_hooks.Hooks(disabled=release_places, enable_refusal=enable_refusal)


def own_links(member: Member) -> list[InviteLink]:
    return list(
        InviteLink.objects.filter(member_link__allowance__member=member).order_by("-created_at")
    )


def people_joined(allowance: Allowance) -> int:
    return Redemption.objects.filter(link__member_link__allowance=allowance, counted=True).count()


@dataclass(frozen=True)
class Tree:
    inviter: str | None
    invited: list[Redemption]


def tree_of(plex_id: int) -> Tree:
    """Who brought this person in and whom they brought in (`joins.tree`'s rule, the same
    the People list, its filter and a removal's question use)."""
    inviter = joins_tree.inviters([plex_id]).get(plex_id)
    return Tree(
        inviter=inviter.name if inviter else None,
        invited=joins_tree.invited_redemptions(plex_id),
    )
