"""Roles follow the household: granting and revoking co-admins, and ending the role (and every
session) of whoever leaves the household.

Every change is announced with `signals.role_changed`, which the audit trail records. The
sharing app calls `end_roles` wherever a person leaves: removed as a friend, removed from
Home, or confirmed gone from plex.tv by the sync.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction

from accounts import directory
from accounts.models import Household, Member, PlexAccount, User
from accounts.plex import PlexLinkProblem, owner_client, report_failure
from accounts.signals import role_changed
from plextv.errors import PlexTVError

log = logging.getLogger(__name__)


def change_role(member: Member, role: str, actor: User | None) -> None:
    """Grant or revoke co-admin (never the owner's role)."""
    before = member.role
    if before == role:
        return
    with transaction.atomic():
        member.set_role(role, actor)
        _announce(member.plex_account, before, role, actor)


def add_member(account: PlexAccount, user: User) -> Member:
    """A household member signing in for the first time."""
    with transaction.atomic():
        member = Member.objects.create(user=user, plex_account=account, role=Member.Role.MEMBER)
        _announce(account, None, Member.Role.MEMBER, None)
    return member


def end_roles(plex_ids: Iterable[int], actor: User | None = None) -> int:
    """These Plex accounts left the household: drop their roles and end their sessions now.

    The owner's role never ends here. Returns how many roles ended.
    """
    wanted = list(plex_ids)
    if not wanted:
        return 0
    ended = 0
    with transaction.atomic():
        members = (
            Member.objects.select_for_update()
            .select_related("user", "plex_account")
            .filter(plex_account__plex_id__in=wanted)
            .exclude(role=Member.Role.OWNER)
        )
        for member in members:
            before = member.role
            member.delete()
            end_sessions(member.user)
            _announce(member.plex_account, before, None, actor)
            ended += 1
    if ended:
        log.info("ended %d role(s) of people who left the household", ended)
    return ended


def end_sessions(user: User) -> None:
    """Sign `user` out everywhere, at once.

    Django binds each session to a hash of the user's password field and flushes a session
    whose hash no longer matches on its next request. People here sign in with Plex and have
    no usable password, so a fresh unusable one ends every session of theirs, whatever the
    session backend keeps them in.
    """
    user.set_unusable_password()
    user.save(update_fields=["password"])


def in_household(plex_id: int) -> bool | None:
    """Whether plex.tv shares with this account or has it in the owner's Home.

    The synced picture answers first (no request); anyone it does not know as present is
    looked up on plex.tv within a page's time budget. None when neither can tell.
    """
    standing = directory.current().standing(plex_id)
    if standing == directory.Standing.IN:
        return True
    try:
        listed = {person.id for person in owner_client(page=True).users()}
    except PlexLinkProblem:
        return False if standing == directory.Standing.GONE else None
    except PlexTVError as exc:
        household = Household.current()
        if household is not None:
            report_failure(household.owner, exc)
        return False if standing == directory.Standing.GONE else None
    return plex_id in listed


def _announce(
    account: PlexAccount, before: str | None, after: str | None, actor: User | None
) -> None:
    role_changed.send(sender=Member, account=account, before=before, after=after, actor=actor)
