"""The one way the Django side reaches plex.tv: clients built from settings, and what to do
with an account when plex.tv refuses its token.

`owner_client()` refuses, without sending anything, whenever the owner's token cannot be used:
no household yet, a token already known to be dead, plex.tv's API changed, or a key that cannot
decrypt the stored token. Callers catch `PlexLinkProblem` and show its message.

Every client shares one circuit breaker whose state lives in Django's cache (Redis when
configured, files under var/ otherwise), so web, worker and beat processes all stop calling a
plex.tv that keeps failing. Clients made with `page=True` are for a request someone waits on:
one attempt, no retries, and `PLEXTV_PAGE_BUDGET` seconds for all their calls together.
"""

from __future__ import annotations

import platform
from typing import Any

from django.conf import settings

import plextv
from accounts.breaker import breaker
from accounts.models import Household, PlexAccount
from accounts.vault import TokenUndecryptable
from plextv.errors import ApiChanged, PlexTVError, Unauthorized

Status = PlexAccount.TokenStatus


class PlexLinkProblem(Exception):
    """The dashboard cannot act on plex.tv for the household right now; `message` says why."""

    def __init__(self, message: str, account: PlexAccount | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.account = account


def client_config() -> plextv.ClientConfig:
    options: dict[str, Any] = {
        "product": settings.PLEX_PRODUCT,
        "client_identifier": settings.PLEX_CLIENT_IDENTIFIER,
        "device_name": f"{settings.PLEX_PRODUCT} on {platform.node() or 'server'}",
        "connect_timeout": float(settings.PLEXTV_CONNECT_TIMEOUT),
        "read_timeout": float(settings.PLEXTV_READ_TIMEOUT),
    }
    if settings.PLEXTV_BASE_URL:
        config = plextv.ClientConfig.for_base_url(settings.PLEXTV_BASE_URL, **options)
    else:
        config = plextv.ClientConfig(**options)
    # The OAuth page is configured on its own (PLEX_AUTH_URL ends in /auth; plextv adds it).
    app = settings.PLEX_AUTH_URL.removesuffix("/").removesuffix("/auth")
    return config.with_changes(app=app) if app else config


def new_client(token: str | None = None, *, page: bool = False) -> plextv.PlexTV:
    """A client behind the shared breaker; `page=True` for a request someone is waiting on."""
    config = client_config()
    if not page:
        return plextv.PlexTV(config, token=token, breaker=breaker())
    return plextv.PlexTV(
        config.with_changes(retry_attempts=1),
        token=token,
        budget=float(settings.PLEXTV_PAGE_BUDGET),
        breaker=breaker(),
    )


def anonymous_client(*, page: bool = False) -> plextv.PlexTV:
    """For PINs and password sign-in."""
    return new_client(page=page)


def _problem_for(account: PlexAccount, who: str) -> str | None:
    if account.token_status == Status.NEEDS_RELINK:
        return (
            f"{who[0].upper()}{who[1:]}'s Plex sign-in needs renewing: {who} should sign in "
            "with Plex again."
        )
    if account.token_status == Status.API_CHANGED:
        return "plex.tv changed its API; plexadmin needs an update before it can act on plex.tv."
    if not account.has_token:
        return f"No Plex token is kept for {account.display_name}: sign in with Plex again."
    return None


def client_for(
    account: PlexAccount, who: str | None = None, *, page: bool = False
) -> plextv.PlexTV:
    """A client acting as `account`, or `PlexLinkProblem` (no request is ever sent then).

    `who` names the account in messages ("the owner"); its display name by default.
    """
    problem = _problem_for(account, who or account.display_name)
    if problem:
        raise PlexLinkProblem(problem, account)
    try:
        token = account.get_token()
    except TokenUndecryptable as exc:
        account.mark_token(Status.NEEDS_RELINK, str(exc))
        raise PlexLinkProblem(
            "The stored Plex token cannot be decrypted with the configured encryption key "
            "(TOKEN_ENCRYPTION_KEYS). Restore the old key, or sign in with Plex again as the "
            "owner.",
            account,
        ) from exc
    if token is None:
        raise PlexLinkProblem(f"No Plex token is kept for {account.display_name}.", account)
    return new_client(token, page=page)


def owner_client(*, page: bool = False) -> plextv.PlexTV:
    """A client acting as the household owner."""
    household = Household.current()
    if household is None:
        raise PlexLinkProblem("No household is set up yet: the owner must sign in first.")
    return client_for(household.owner, "the owner", page=page)


def report_failure(account: PlexAccount, exc: PlexTVError) -> None:
    """Record what a plex.tv failure says about `account`'s token.

    401 (and 422 "Invalid token") → needs re-link; an endpoint gone or reshaped → API changed;
    anything else (outages, rate limits, refusals of one request) leaves the token alone.
    """
    if isinstance(exc, Unauthorized):
        account.mark_token(Status.NEEDS_RELINK, exc.human_message)
    elif isinstance(exc, ApiChanged):
        account.mark_token(Status.API_CHANGED, exc.human_message)
