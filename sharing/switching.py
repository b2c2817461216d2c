"""Acting as a Home user: switch with plex.tv, keep the switched token out of the database.

The token plex.tv hands back for a Home user is held encrypted in the shared cache (Redis in
production), under a random reference that only this browser session knows, and for at most
`SWITCH_LIFETIME`. The session row in the database holds the reference and the person's name,
never the token, and neither the cache nor the session alone gives the token away: the cache
value is encrypted with the installation's token keys.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.core.cache import cache
from django.dispatch import receiver
from django.http import HttpRequest

import plextv
from accounts import vault
from accounts.models import Household
from accounts.plex import client_config, owner_client, report_failure
from plextv.errors import InvalidPin, PlexTVError, Unauthorized
from sharing.models import AuditEvent, PlexUser

SESSION_KEY = "switched_to"
SWITCH_LIFETIME = 30 * 60
WRONG_PIN_LIMIT = 5
WRONG_PIN_WINDOW = 15 * 60


class SwitchRefused(Exception):
    """The switch did not happen; `message` says why, in words for the page."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Switched:
    person_id: int
    name: str
    ref: str


def _failures_key(request: HttpRequest, person: PlexUser) -> str:
    return f"switch-pin-failures:{request.user.pk}:{person.pk}"


def locked_for(request: HttpRequest, person: PlexUser) -> bool:
    return int(cache.get(_failures_key(request, person), 0)) >= WRONG_PIN_LIMIT


def _count_failure(request: HttpRequest, person: PlexUser) -> int:
    key = _failures_key(request, person)
    if cache.add(key, 1, WRONG_PIN_WINDOW):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WRONG_PIN_WINDOW)
        return 1


def _audit(request: HttpRequest, person: PlexUser, result: str, detail: str = "") -> None:
    AuditEvent.record(
        "home.switch",
        ("plexuser", person.plex_id),
        person.display_name,
        [{"field": "detail", "before": None, "after": detail}] if detail else [],
        result=result,
        actor=request.user if request.user.is_authenticated else None,
    )


def switch(request: HttpRequest, person: PlexUser, pin: str) -> Switched:
    """Ask plex.tv to switch to `person` (with `pin` when protected) and enter viewing mode."""
    if locked_for(request, person):
        raise SwitchRefused(
            f"Too many wrong PINs for {person.display_name}. Try again in 15 minutes."
        )
    client = owner_client()
    try:
        switched = client.switch_home_user(person.plex_id, pin or None)
    except InvalidPin:
        failures = _count_failure(request, person)
        _audit(request, person, AuditEvent.FAILED, "wrong PIN")
        left = WRONG_PIN_LIMIT - failures
        if left <= 0:
            raise SwitchRefused(
                f"That PIN is not right. Too many wrong PINs for {person.display_name}: "
                "try again in 15 minutes."
            ) from None
        raise SwitchRefused(
            f"That PIN is not right for {person.display_name}. "
            f"{left} more tr{'y' if left == 1 else 'ies'} before a 15-minute pause."
        ) from None
    except PlexTVError as exc:
        household = Household.current()
        if household is not None and isinstance(exc, Unauthorized | plextv.ApiChanged):
            report_failure(household.owner, exc)
        raise SwitchRefused(exc.human_message) from None
    token = switched.token
    if not token:
        raise SwitchRefused("plex.tv did not hand over that profile. Try again in a moment.")
    cache.delete(_failures_key(request, person))
    forget(request)
    ref = secrets.token_urlsafe(24)
    cache.set(f"switch-token:{ref}", vault.encrypt(token), SWITCH_LIFETIME)
    request.session[SESSION_KEY] = {"person": person.pk, "name": person.display_name, "ref": ref}
    request.session.cycle_key()
    _audit(request, person, AuditEvent.OK)
    return Switched(person_id=person.pk, name=person.display_name, ref=ref)


def current(request: HttpRequest) -> Switched | None:
    data: dict[str, Any] | None = request.session.get(SESSION_KEY)
    if not data:
        return None
    return Switched(person_id=int(data["person"]), name=str(data["name"]), ref=str(data["ref"]))


def client_for(switched: Switched) -> plextv.PlexTV | None:
    """A client acting as the switched-to person, or None once the switch has lapsed."""
    ciphertext = cache.get(f"switch-token:{switched.ref}")
    if ciphertext is None:
        return None
    try:
        token = vault.decrypt(ciphertext)
    except vault.TokenUndecryptable:
        return None
    return plextv.PlexTV(client_config(), token=token)


def forget(request: HttpRequest) -> None:
    data = request.session.pop(SESSION_KEY, None)
    if data:
        cache.delete(f"switch-token:{data['ref']}")


@receiver(user_logged_out)
def _forget_on_sign_out(sender: object, request: HttpRequest | None, **_: object) -> None:
    if request is not None and hasattr(request, "session"):
        forget(request)
