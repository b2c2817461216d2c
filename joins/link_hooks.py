"""What apps above joins do when an admin disables or enables an invite link.

Joins does not know who else counts a link's places: members' allowances reserve places for
the links members make, and give the unused ones back when such a link is disabled. An app
that counts places registers its hooks in its `AppConfig.ready()` (the way access profiles
register as invite presets), so the links screen keeps the same count as the member's own page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from joins.models import InviteLink


@dataclass(frozen=True)
class Hooks:
    # Called inside the transaction that disables the link (the row is locked).
    disabled: Callable[[InviteLink], None]
    # Why the link may not be enabled again from the links screen, or None.
    enable_refusal: Callable[[InviteLink], str | None]


_hooks: list[Hooks] = []


def register(hooks: Hooks) -> None:
    if hooks not in _hooks:
        _hooks.append(hooks)


def disable(link_id: int) -> InviteLink | None:
    """Disable the link and let every registered app settle its count, in one transaction."""
    with transaction.atomic():
        link = InviteLink.objects.select_for_update().filter(pk=link_id).first()
        if link is None:
            return None
        if link.disabled_at is None:
            link.disabled_at = timezone.now()
            link.save(update_fields=["disabled_at"])
        for hooks in _hooks:
            hooks.disabled(link)
        link.refresh_from_db()
        return link


def enable(link_id: int) -> str | None:
    """Enable the link again; returns why not (and changes nothing) when an app refuses."""
    with transaction.atomic():
        link = InviteLink.objects.select_for_update().filter(pk=link_id).first()
        if link is None:
            return "That link does not exist any more."
        for hooks in _hooks:
            refusal = hooks.enable_refusal(link)
            if refusal:
                return refusal
        InviteLink.objects.filter(pk=link.pk).update(disabled_at=None)
        return None
