"""Password sign-in against plex.tv, as a Django authentication backend.

Going through `django.contrib.auth.authenticate` lets django-axes count failures and enforce
its cool-off before plex.tv is ever asked. The password is passed straight to plex.tv and
never stored or logged (axes records only the username and the address).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend
from django.http import HttpRequest

from accounts import services
from accounts.models import User
from accounts.plex import anonymous_client
from plextv.errors import ApiChanged, TwoFactorRequired, Unauthorized


class CodeRequired(Exception):
    """The password was right and plex.tv wants the 6-digit code: not a failed attempt."""


class PlexPasswordBackend(BaseBackend):
    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        login: str | None = None,
        password: str | None = None,
        code: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not login or not password:
            return None
        client = anonymous_client(page=True)
        try:
            info = client.sign_in(login, password, code=code or None)
        except TwoFactorRequired:
            if code:
                return None  # a wrong code counts as a failed attempt
            raise CodeRequired from None
        except Unauthorized:
            return None
        if not info.auth_token:
            raise ApiChanged(plex_message="sign-in answer without authToken")
        account = services.upsert_account(info, info.auth_token)
        return services.user_for_account(account)

    def get_user(self, user_id: int) -> User | None:
        return User.objects.filter(pk=user_id).first()
