"""Small factories for rows many test areas need: Plex accounts, users, the household."""

from __future__ import annotations

from typing import cast

from accounts.models import Household, Member, PlexAccount, User

# The demo household of plexsim (plexsim/README.md): fake, documented test data.
DEN = "07b33a43085dc2635f0bb026696069991fae76dc"
CABIN = "15757bbee2bb63fc0da1142e5b3f54a9ad225744"
# The Den's libraries (section ids on plex.tv).
MOVIES, TV, MUSIC, PHOTOS, KIDS = 118181361, 118181362, 118181363, 118181364, 118181365
DEMO_ACCOUNTS: dict[str, dict[str, object]] = {
    "morgan": {"plex_id": 1001001, "email": "morgan@example.com", "token": "demo-owner-token-0001"},
    "jamie": {"plex_id": 1001002, "email": "jamie@example.com", "token": "demo-partner-token-0002"},
    "alex.rivera": {
        "plex_id": 1001010,
        "email": "alex.rivera@example.com",
        "token": "demo-alex-rivera-token-0010",
    },
    "sasha": {"plex_id": 1001020, "email": "sasha@example.com", "token": "demo-sasha-token-0020"},
}


def plex_account(username: str, *, keep_token: bool = False, **fields: object) -> PlexAccount:
    demo = DEMO_ACCOUNTS.get(username, {})
    plex_id = cast(
        int, fields.pop("plex_id", demo.get("plex_id", 2_000_000 + PlexAccount.objects.count()))
    )
    account = PlexAccount(
        plex_id=plex_id,
        username=username,
        email=str(fields.pop("email", demo.get("email", f"{username}@example.com"))),
        title=str(fields.pop("title", username)),
        **fields,  # type: ignore[arg-type]
    )
    if keep_token:
        account.set_token(str(demo["token"]))
    account.save()
    return account


def user_for(account: PlexAccount, role: str | None = None) -> User:
    user = User.objects.create_user(username=f"plex-{account.plex_id}", plex_account=account)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    if role:
        Member.objects.create(user=user, plex_account=account, role=role)
    return user


def household(owner: PlexAccount, machine_identifier: str = DEN) -> Household:
    return Household.objects.create(
        owner=owner,
        name=f"{owner.display_name}'s household",
        machine_identifier=machine_identifier,
        server_name="Morgan's Den" if machine_identifier == DEN else "Cabin NAS",
    )
