"""Sign-in with Plex: PINs, polling, linking an account, roles and the first-run set-up.

The web side never sees a Plex token: the polling task reads the PIN's token, fetches the
account with it, keeps it (encrypted) only when we will act with it, and records the outcome
on the PinLogin row; the browser that created the PIN then finishes its own sign-in.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

import plextv
from accounts import membership, setup_code
from accounts.breaker import breaker, plextv_status
from accounts.models import AccountSnapshot, Household, Member, PinLogin, PlexAccount, User
from accounts.plex import anonymous_client, client_config, client_for
from accounts.signals import household_created, role_changed
from plextv.errors import NotFound, PlexTVError, RateLimited, Unavailable
from plextv.models import Account, Pin, Resource

log = logging.getLogger(__name__)

BROWSER_KEY = "plex_pin_browser_key"
POLL_INTERVAL = 1.0
MAX_POLL_INTERVAL = 15.0
MAX_POLLS = 180


def browser_key(session: dict[str, object]) -> str:
    """This browser's random PIN key (created on first use; the row keeps only its hash)."""
    key = session.get(BROWSER_KEY)
    if not isinstance(key, str):
        key = secrets.token_urlsafe(32)
        session[BROWSER_KEY] = key
    return key


def start_pin_login(session: dict[str, object], kind: str, next_url: str = "") -> PinLogin:
    """Create a plex.tv PIN (1 request) bound to this browser, and start polling it."""
    from accounts.tasks import poll_pin

    pin = anonymous_client(page=True).create_pin(strong=kind == PinLogin.Kind.OAUTH)
    with transaction.atomic():
        login = PinLogin.objects.create(
            kind=kind,
            pin_id=pin.id,
            code=pin.code,
            client_identifier=settings.PLEX_CLIENT_IDENTIFIER,
            browser_key_hash=_hash(browser_key(session)),
            next_url=next_url,
            expires_at=timezone.now() + PinLogin.lifetime(pin.expires_in, kind),
        )
        poll_pin.delay_on_commit(login.pk)  # type: ignore[attr-defined]  # DjangoTask: not in celery-types
    return login


def _hash(key: str) -> str:
    from accounts.models import hash_browser_key

    return hash_browser_key(key)


def oauth_url(login: PinLogin) -> str:
    """plex.tv's approval page for this PIN; forwardUrl comes from PUBLIC_BASE_URL only."""
    forward = settings.PUBLIC_BASE_URL + reverse("accounts:pin-done", args=[login.public_id])
    return anonymous_client().oauth_url(Pin(id=login.pin_id, code=login.code), forward)


def _polling_client(page: bool) -> plextv.PlexTV:
    # A 429 must surface at once so the loop widens its own interval instead of the transport
    # sleeping inside the request; the next poll is the retry, so no retries here either.
    config = client_config().with_changes(max_retry_after=0.0, retry_attempts=1)
    budget = float(settings.PLEXTV_PAGE_BUDGET) if page else None
    return plextv.PlexTV(config, budget=budget, breaker=breaker())


@dataclass
class PollResult:
    login: PinLogin
    next_delay: float


def poll_pin_login(
    pin_login_id: int,
    *,
    sleep: Callable[[float], None] = time.sleep,
    budget: float = 50.0,
    interval: float = POLL_INTERVAL,
    max_interval: float = MAX_POLL_INTERVAL,
    max_polls: int = MAX_POLLS,
    page: bool = False,
) -> PollResult:
    """Check the PIN until it is linked, expired, cancelled, or `budget` seconds have passed.

    Every check is counted on the row, so the total per PIN stays under `max_polls` however
    many task runs it takes. A 429 doubles the interval (at least Retry-After, at most
    `max_interval`); an outage widens it the same way. `page` when someone waits on the answer.
    """
    login = PinLogin.objects.get(pk=pin_login_id)
    client = _polling_client(page)
    delay = interval
    started = time.monotonic()
    while True:
        login.refresh_from_db(fields=["status", "polls"])
        if not login.is_pending:
            return PollResult(login, 0.0)
        if login.expired_by_clock():
            login.finish(PinLogin.Status.EXPIRED, "The sign-in code expired.")
            return PollResult(login, 0.0)
        if login.polls >= max_polls:
            login.finish(PinLogin.Status.EXPIRED, "Stopped waiting for approval.")
            return PollResult(login, 0.0)
        PinLogin.objects.filter(pk=login.pk).update(polls=F("polls") + 1)
        login.polls += 1
        try:
            pin = client.check_pin(login.pin_id)
            if pin.linked and pin.auth_token:
                link_account(login, client.with_token(pin.auth_token))
                return PollResult(login, 0.0)
        except NotFound:
            login.finish(PinLogin.Status.EXPIRED, "The sign-in code expired.")
            return PollResult(login, 0.0)
        except RateLimited as limited:
            wanted = limited.requested_retry_after or limited.retry_after
            delay = min(max(delay * 2, wanted), max_interval)
        except Unavailable:
            delay = min(delay * 2, max_interval)
        except PlexTVError as exc:
            login.finish(PinLogin.Status.FAILED, exc.human_message)
            return PollResult(login, 0.0)
        if time.monotonic() - started + delay > budget:
            return PollResult(login, delay)
        sleep(delay)


def check_pin_once(login: PinLogin) -> PinLogin:
    """One check (the no-JavaScript "Check" button); the same outcomes as polling."""
    result = poll_pin_login(login.pk, budget=0.0, max_polls=MAX_POLLS + 20, page=True)
    return result.login


def link_account(login: PinLogin, client: plextv.PlexTV) -> PlexAccount:
    """Read the account behind a PIN's token (`client` acts with it; 1 request) and record it
    on the row."""
    token = client.token
    assert token is not None  # noqa: S101 - made with the PIN's token
    account_info = client.account()
    account = upsert_account(account_info, token)
    login.mark_linked(account)
    return account


def upsert_account(info: Account, token: str) -> PlexAccount:
    """Store what plex.tv says about an account; keep its token only if we act with it:
    the owner's, or anyone's before a household exists (to list their servers)."""
    with transaction.atomic():
        account, _ = PlexAccount.objects.select_for_update().get_or_create(plex_id=info.id)
        account.update_profile(
            uuid=info.uuid,
            username=info.username,
            email=info.email,
            title=info.title,
            thumb=info.thumb,
            has_plex_pass=info.has_plex_pass,
        )
        household = Household.current()
        if household is None or household.owner_id == account.pk:
            account.set_token(token)
            account.token_checked_at = timezone.now()
        account.save()
    return account


def user_for_account(account: PlexAccount) -> User:
    user, created = User.objects.get_or_create(
        plex_account=account,
        defaults={"username": f"plex-{account.plex_id}", "email": account.email},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    elif user.email != account.email:
        user.email = account.email
        user.save(update_fields=["email"])
    return user


def resolve_role(account: PlexAccount, user: User) -> str | None:
    """The role `account` has now, checked at every sign-in: owner; co-admin or member while
    the person is in the household (a friend or Home member of the owner on plex.tv); None
    for an outsider, or before a household exists. Anyone found outside the household loses
    the role they had, co-admins included."""
    household = Household.current()
    if household is None:
        return None
    member = Member.objects.filter(plex_account=account).first()
    if account.pk == household.owner_id:
        if member is None:
            member = Member.objects.create(user=user, plex_account=account, role="owner")
        elif member.role != Member.Role.OWNER:
            member.set_role(Member.Role.OWNER, None)
        return Member.Role.OWNER
    present = membership.in_household(account.plex_id)
    if present is False:
        if member is not None:
            membership.end_roles([account.plex_id])
            user.refresh_from_db(fields=["password"])  # the session about to start uses it
        return None
    if present is None:
        # Neither the synced picture nor plex.tv can tell right now: keep what was known.
        return member.role if member else None
    if member is None:
        member = membership.add_member(account, user)
    return member.role


def owned_servers(account: PlexAccount) -> list[Resource]:
    """The servers `account` owns (resources that provide `server` and are owned, 1 request)."""
    return [r for r in client_for(account, page=True).resources() if r.owned and r.is_server]


class SetupRefused(Exception):
    pass


def create_household(account: PlexAccount, user: User, machine_identifier: str) -> Household:
    """Make `account` the owner of the server it picked. Only the first one wins."""
    server = next(
        (s for s in owned_servers(account) if s.client_identifier == machine_identifier), None
    )
    if server is None:
        raise SetupRefused("That server is not one you own on plex.tv.")
    with transaction.atomic():
        if Household.objects.select_for_update().exists():
            raise SetupRefused("This dashboard already belongs to a household.")
        household = Household.objects.create(
            owner=account,
            name=f"{account.display_name}'s household",
            machine_identifier=server.client_identifier,
            server_name=server.name,
        )
        Member.objects.update_or_create(
            user=user, defaults={"plex_account": account, "role": Member.Role.OWNER}
        )
        # Tokens of everyone else who signed in before the household existed are not needed.
        PlexAccount.objects.exclude(pk=account.pk).update(token_ciphertext="")
        household_created.send(sender=Household, household=household, user=user)
        role_changed.send(
            sender=Member, account=account, before=None, after=Member.Role.OWNER, actor=user
        )
    setup_code.discard_code()  # it has done its one job
    return household


# A picture of the account older than this is read again when its page is opened; page views
# within ASK_EVERY of a request ask the worker only once.
FRESH_FOR = timedelta(minutes=1)
ASK_EVERY = timedelta(seconds=30)


def ask_for_account_read(snapshot: AccountSnapshot, *, now: bool = False) -> None:
    """Have the worker read the account from plex.tv again: when asked (`now`), or when the
    stored picture is old and plex.tv is not known to be away."""
    from accounts.tasks import refresh_account_picture

    if not now and plextv_status().state == "open":
        return  # the banner says plex.tv is away; the worker would not be let through anyway
    stale = snapshot.read_at is None or timezone.now() - snapshot.read_at > FRESH_FOR
    if (now or stale) and snapshot.claim_refresh(timedelta(seconds=5) if now else ASK_EVERY):
        refresh_account_picture.delay_on_commit()  # type: ignore[attr-defined]  # DjangoTask: not in celery-types
