"""Who may do what: owner and co-admins administer, members see their own access."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from accounts.models import Member


def member_of(user: AbstractBaseUser | AnonymousUser) -> Member | None:
    if not user.is_authenticated:
        return None
    try:
        member: Member = user.member  # type: ignore[union-attr,attr-defined]
    except Member.DoesNotExist:
        return None
    return member


def role_of(user: AbstractBaseUser | AnonymousUser) -> str | None:
    member = member_of(user)
    return member.role if member else None


def is_admin(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Owner or co-admin."""
    member = member_of(user)
    return bool(member and member.is_admin)


def is_owner(user: AbstractBaseUser | AnonymousUser) -> bool:
    return role_of(user) == Member.Role.OWNER


def is_member(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Any role at all: owner, co-admin or member."""
    return member_of(user) is not None
