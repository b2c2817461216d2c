"""The token vault: Plex tokens encrypted at rest with a dedicated, rotatable key list.

The keys come from ``settings.TOKEN_ENCRYPTION_KEYS`` (newest first). Encryption always uses the
newest key; decryption tries each key in turn, so a rotation is: prepend a new key, run
``manage.py rotate_token_keys``, then drop the old key. A ciphertext that none of the keys can
open raises `TokenUndecryptable`: it never falls back to returning the stored text, which would
send ciphertext to plex.tv as if it were a token.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class TokenUndecryptable(Exception):
    """None of the configured keys opens this token (wrong or rotated-away key, or damage)."""

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message
            or "The stored Plex token cannot be decrypted with the configured "
            "TOKEN_ENCRYPTION_KEYS (wrong key, or the key that encrypted it was removed)."
        )


def _keys() -> MultiFernet:
    configured = list(settings.TOKEN_ENCRYPTION_KEYS)
    if not configured:
        raise ImproperlyConfigured("TOKEN_ENCRYPTION_KEYS is empty: set at least one Fernet key.")
    fernets: list[Fernet] = []
    for position, key in enumerate(configured, start=1):
        try:
            fernets.append(Fernet(key))
        except (ValueError, TypeError) as exc:
            # The key itself is never echoed: it is a secret too.
            raise ImproperlyConfigured(
                f"TOKEN_ENCRYPTION_KEYS entry {position} is not a Fernet key "
                "(32 url-safe base64-encoded bytes)."
            ) from exc
    return MultiFernet(fernets)


def encrypt(plaintext: str) -> str:
    """Ciphertext (``gAAAA…``) of `plaintext` under the newest key."""
    return _keys().encrypt(plaintext.encode()).decode("ascii")


def decrypt(ciphertext: str) -> str:
    """The plaintext, or `TokenUndecryptable` when no configured key opens it."""
    try:
        return _keys().decrypt(ciphertext.encode("ascii")).decode()
    except (InvalidToken, UnicodeError) as exc:
        raise TokenUndecryptable from exc


def rotate(ciphertext: str) -> str:
    """The same plaintext re-encrypted under the newest key (`TokenUndecryptable` as above)."""
    try:
        return _keys().rotate(ciphertext.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeError) as exc:
        raise TokenUndecryptable from exc


def newest_key_opens(ciphertext: str) -> bool:
    """Whether the newest key alone decrypts `ciphertext` (rotation already done for it)."""
    newest = Fernet(settings.TOKEN_ENCRYPTION_KEYS[0])
    try:
        newest.decrypt(ciphertext.encode("ascii"))
    except (InvalidToken, UnicodeError):
        return False
    return True
