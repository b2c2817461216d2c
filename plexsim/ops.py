"""State changes shared by the plex.tv routes and the control API's `mutate`.

Each operation enforces plex.tv's rules and raises SimError with the answer plex.tv gives.
Callers hold the state lock.
"""

from __future__ import annotations

from typing import Any

from plexsim.hosts import NOT_FOUND
from plexsim.model import (
    FILTER_KEYS,
    FLAG_KEYS,
    MAX_HOME_SIZE,
    RESTRICTION_PROFILES,
    Account,
    Device,
    Home,
    HomeInvite,
    Relation,
    Server,
    Share,
    SharingSettings,
    SimError,
    State,
    stable_hex,
)
from plexsim.routing import flag


def device_token(state: State, account: Account, client_id: str, about: dict[str, str]) -> str:
    """The token a sign-in from one device gets: that device's own token.

    plex.tv issues tokens per device (each `<Device>` of devices.xml has its own), so a
    password sign-in, an approved PIN or a Home switch from a client identifier registers that
    device for the account and answers with its token. Signing in again from the same device
    answers the same token until it signs out. `about` holds the device's X-Plex-* values.
    """
    if not client_id:
        # Without a client identifier there is no device to issue a token to.
        return account.token
    device = state.device_by_client(account.id, client_id)
    if device is None:
        now = int(state.now())
        product = about.get("product") or "Unknown"
        device = Device(
            id=state.new_id(),
            ownerId=account.id,
            name=about.get("name") or product,
            clientIdentifier=client_id,
            product=product,
            productVersion=about.get("version", ""),
            platform=about.get("platform", ""),
            platformVersion=about.get("platformVersion", ""),
            device=about.get("device", ""),
            model=about.get("model", ""),
            provides=about.get("provides", ""),
            createdAt=now,
            lastSeenAt=now,
        )
        state.devices[device.id] = device
        state.reindex()
    return device.token


def sign_out(state: State, account: Account, token: str) -> None:
    """End one sign-in: the device holding `token` goes, every other token stays valid."""
    device = next(
        (d for d in state.devices.values() if d.ownerId == account.id and d.token == token), None
    )
    if device is not None:
        del state.devices[device.id]
    elif token == account.token:
        # The seed's own token stands for a sign-in on a device the seed does not list.
        account.token = f"sim-{stable_hex('signed-out', token, state.now(), length=20)}"
    state.reindex()


def owned_server(state: State, owner: Account, machine_id: str) -> Server:
    server = state.servers.get(machine_id)
    if server is None or server.ownerId != owner.id:
        raise SimError(404, 1002, NOT_FOUND)
    return server


def owned_share(state: State, owner: Account, share_id: int) -> Share:
    share = state.shares.get(share_id)
    if share is None or share.ownerId != owner.id:
        raise SimError(404, 1002, NOT_FOUND)
    return share


def resolve_invitee(state: State, invited: str | int | None) -> tuple[Account | None, str | None]:
    """An invitee given as an account id, username or e-mail; unknown e-mails stay e-mail only."""
    if invited is None or invited == "":
        raise SimError(400, 1000, "An invitee (invited_email or invited_id) is required")
    if isinstance(invited, int) or str(invited).isdigit():
        account = state.accounts.get(int(invited))
        if account is None:
            raise SimError(400, 1000, "User not found")
        return account, None
    account = state.account_by_login(str(invited))
    if account is not None:
        return account, None
    if "@" in str(invited):
        return None, str(invited).strip().lower()
    raise SimError(400, 1000, "User not found")


def section_ids_for(server: Server, requested: list[Any] | None) -> tuple[list[int], bool]:
    """Global section ids to share and whether that means "all libraries" (an empty list)."""
    if not requested:
        return [], True
    known = {s.id for s in server.sections}
    ids = []
    for value in requested:
        try:
            section_id = int(value)
        except (TypeError, ValueError):
            raise SimError(400, 1000, f"Invalid library section id {value!r}") from None
        if section_id not in known:
            raise SimError(400, 1000, f"Library section {section_id} is not on this server")
        ids.append(section_id)
    return sorted(set(ids)), False


def people_shared_with(state: State, owner_id: int) -> int:
    return len({(s.userId, s.invitedEmail) for s in state.shares.values() if s.ownerId == owner_id})


def apply_settings(
    state: State, relation: Relation, values: dict[str, Any], *, replace: bool
) -> None:
    """Update a relation's flags and filters.

    `replace=True` is the v2 share edit: keys left out go back to their defaults, which is why
    clients must send back the settings they do not mean to change.
    """
    target = SharingSettings() if replace else relation.settings
    user = state.accounts.get(relation.userId) if relation.userId is not None else None
    for key, value in values.items():
        if key in FLAG_KEYS:
            setattr(target, key, flag(value))
        elif key == "allowTuners":
            tuners = int(value)
            if tuners not in {0, 1, 2}:
                raise SimError(400, 1000, "allowTuners must be 0, 1 or 2")
            target.allowTuners = tuners
        elif key in FILTER_KEYS:
            text = None if value is None else str(value)
            if text and user is not None and user.restrictionProfile:
                raise SimError(
                    422, 1000, "Content filters cannot be set for a user with a restriction profile"
                )
            setattr(target, key, text)
    relation.settings = target


def ensure_relation(
    state: State, owner: Account, user: Account | None, email: str | None, accepted: bool
) -> Relation:
    for relation in state.relations:
        if relation.ownerId != owner.id:
            continue
        if user is not None and relation.userId == user.id:
            return relation
        if user is None and relation.invitedEmail == email:
            return relation
    relation = Relation(
        ownerId=owner.id,
        userId=user.id if user else None,
        invitedEmail=email,
        accepted=accepted,
        createdAt=int(state.now()),
    )
    state.relations.append(relation)
    return relation


def create_share(
    state: State,
    owner: Account,
    server: Server,
    invited: str | int | None,
    section_values: list[Any] | None,
    settings: dict[str, Any] | None,
    *,
    v2: bool = False,
) -> Share:
    user, email = resolve_invitee(state, invited)
    if user is not None and user.id == owner.id:
        raise SimError(400, 1000, "You cannot share a server with yourself")
    for share in state.shares_of_server(server.machineIdentifier):
        if (user is not None and share.userId == user.id) or (
            user is None and share.invitedEmail == email
        ):
            label = (user.username or user.title) if user else email
            message = (
                f"You're already sharing this server with {label}. Please edit your existing share."
            )
            raise SimError(422 if v2 else 400, 1000, message)
    already = any(
        s.ownerId == owner.id
        and s.userId == (user.id if user else None)
        and s.invitedEmail == (None if user else email)
        for s in state.shares.values()
    )
    if not already and people_shared_with(state, owner.id) >= state.shareLimit:
        message = f"You can share with at most {state.shareLimit} people"
        raise SimError(400, 1000, message)
    ids, all_libraries = section_ids_for(server, section_values)
    home = state.home_of(owner.id)
    in_home = user is not None and home is not None and user.id in home.memberIds
    relation = ensure_relation(state, owner, user, email, accepted=in_home)
    if settings:
        apply_settings(state, relation, settings, replace=False)
    now = int(state.now())
    share = Share(
        id=state.new_id(),
        machineIdentifier=server.machineIdentifier,
        ownerId=owner.id,
        userId=user.id if user else None,
        invitedEmail=None if user else email,
        sectionIds=ids,
        allLibraries=all_libraries,
        # Home members cannot refuse a share, so theirs start accepted.
        accepted=in_home,
        invitedAt=now,
        acceptedAt=now if in_home else None,
    )
    state.shares[share.id] = share
    return share


def set_share_sections(state: State, share: Share, section_values: list[Any] | None) -> None:
    server = state.servers[share.machineIdentifier]
    share.sectionIds, share.allLibraries = section_ids_for(server, section_values)


def delete_share(state: State, share: Share) -> None:
    del state.shares[share.id]
    relation = state.relation_for_share(share)
    if relation is not None and not relation.accepted:
        leftover = [
            s
            for s in state.shares.values()
            if s.ownerId == share.ownerId
            and s.userId == share.userId
            and s.invitedEmail == share.invitedEmail
        ]
        if not leftover:
            state.relations.remove(relation)


def remove_friend(state: State, owner: Account, user_id: int) -> None:
    relation = state.relation(owner.id, user_id)
    shares = state.shares_for_user(owner.id, user_id)
    if relation is None and not shares:
        raise SimError(404, 1002, NOT_FOUND)
    for share in shares:
        del state.shares[share.id]
    home = state.home_of(user_id)
    if relation is not None and not (home is not None and home.adminId == owner.id):
        state.relations.remove(relation)


def accept_share(state: State, account: Account, share: Share) -> None:
    if share.userId != account.id:
        raise SimError(404, 1002, NOT_FOUND)
    if not account.emailVerified:
        raise SimError(403, 1000, "You must verify your email address before accepting invites")
    share.accepted = True
    share.acceptedAt = int(state.now())
    relation = state.relation_for_share(share)
    if relation is not None:
        relation.accepted = True


def claim_email_invites(state: State, account: Account) -> None:
    """Invites sent to an e-mail address attach to the account that owns that address."""
    if not account.email:
        return
    for share in state.shares.values():
        if share.userId is None and share.invitedEmail == account.email.lower():
            share.userId, share.invitedEmail = account.id, None
    for relation in state.relations:
        if relation.userId is None and relation.invitedEmail == account.email.lower():
            relation.userId, relation.invitedEmail = account.id, None


# ---- Home ------------------------------------------------------------------------------------


def admin_home(state: State, account: Account) -> Home:
    """The Home the account administers, created on first use as plex.tv does."""
    home = state.home_of(account.id)
    if home is None:
        home = Home(adminId=account.id, name=f"{account.title}'s Home", memberIds=[account.id])
        state.homes[account.id] = home
    if home.adminId != account.id:
        raise SimError(403, 1000, "Only the Home admin can manage Home users")
    return home


def check_profile(profile: str | None) -> str | None:
    if profile in (None, ""):
        return None
    if profile not in RESTRICTION_PROFILES:
        raise SimError(400, 1000, f"restrictionProfile must be one of {list(RESTRICTION_PROFILES)}")
    return profile


def create_managed_user(
    state: State, admin: Account, title: str, profile: str | None = None, pin: str | None = None
) -> Account:
    home = admin_home(state, admin)
    if not title.strip():
        raise SimError(400, 1000, "A name is required")
    if len(home.memberIds) >= MAX_HOME_SIZE:
        raise SimError(400, 1000, f"A Plex Home has at most {MAX_HOME_SIZE} members")
    account = Account(
        id=state.new_id(),
        title=title.strip(),
        restricted=True,
        restrictionProfile=check_profile(profile),
        homePin=pin,
        joinedAt=int(state.now()),
    )
    state.accounts[account.id] = account
    state.reindex()
    home.memberIds.append(account.id)
    state.relations.append(
        Relation(ownerId=admin.id, userId=account.id, accepted=True, createdAt=int(state.now()))
    )
    return account


def invite_to_home(state: State, admin: Account, login: str) -> HomeInvite:
    if not admin.plexPass:
        message = "A Plex Pass subscription is required to invite users to your Home"
        raise SimError(400, 1000, message)
    home = admin_home(state, admin)
    user = state.account_by_login(login)
    if user is None:
        # No capture shows this answer; it keeps its message rather than the bare "Not found".
        raise SimError(404, 1002, "User not found", style="v1")
    if state.home_of(user.id) is not None:
        raise SimError(400, 1000, f"{user.username} is already a member of a Home")
    if len(home.memberIds) >= MAX_HOME_SIZE:
        raise SimError(400, 1000, f"A Plex Home has at most {MAX_HOME_SIZE} members")
    invite = HomeInvite(
        id=state.new_id(), adminId=admin.id, userId=user.id, createdAt=int(state.now())
    )
    state.homeInvites[invite.id] = invite
    return invite


def accept_home_invite(state: State, invite: HomeInvite) -> None:
    user = state.accounts[invite.userId]
    if not user.emailVerified:
        raise SimError(403, 1000, "You must verify your email address before accepting invites")
    home = state.homes[invite.adminId]
    if len(home.memberIds) >= MAX_HOME_SIZE:
        raise SimError(400, 1000, f"A Plex Home has at most {MAX_HOME_SIZE} members")
    del state.homeInvites[invite.id]
    home.memberIds.append(user.id)
    relation = ensure_relation(state, state.accounts[invite.adminId], user, None, accepted=True)
    relation.accepted = True


def remove_home_user(state: State, admin: Account, user_id: int) -> None:
    home = admin_home(state, admin)
    invited = [
        i for i in state.homeInvites.values() if i.adminId == admin.id and i.userId == user_id
    ]
    if invited and user_id not in home.memberIds:
        # Removing someone invited but not yet in the Home withdraws the invitation.
        for invite in invited:
            del state.homeInvites[invite.id]
        return
    if user_id == admin.id or user_id not in home.memberIds:
        raise SimError(404, 1002, NOT_FOUND)
    home.memberIds.remove(user_id)
    user = state.accounts[user_id]
    if user.restricted:
        # A managed user exists only inside its Home.
        for share in [s for s in state.shares.values() if s.userId == user_id]:
            del state.shares[share.id]
        state.relations = [r for r in state.relations if r.userId != user_id]
        del state.accounts[user_id]
        state.reindex()
