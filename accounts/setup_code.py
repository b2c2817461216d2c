"""Who may claim a fresh installation: the operator, who alone sees the one-time set-up code.

Before a household exists, the first Plex account to pick a server becomes the owner. Without a
check, that would be whoever reaches the page first. So the claim needs either

* the set-up code: 80 random bits written to `var/setup_code` (readable by the operator only)
  and printed on the console by `make run` / `make demo` (`manage.py setup_code`). It is never
  logged, never shown on a page, compared in constant time, guesses are rate-limited, and it is
  deleted once the household exists; or
* `PLEXADMIN_OWNER`, naming the one Plex account (username, e-mail or id) allowed to claim;
  then no code exists at all.
"""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path

from django.conf import settings

from accounts.models import PlexAccount
from plexadmin.devsecrets import generated_secret

# Crockford's base32: no I, L, O or U, so a code read off a screen is typed back right.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUPS, GROUP_LENGTH = 4, 4  # 16 characters x 5 bits = 80 bits
TYPOS = str.maketrans({"O": "0", "I": "1", "L": "1"})
# Guesses allowed per client address, and from everyone together, per window.
GUESSES_PER_ADDRESS = 5
GUESSES_IN_ALL = 30
GUESS_WINDOW = 15 * 60


def code_file() -> Path:
    return Path(settings.SETUP_CODE_FILE)


def new_code() -> str:
    groups = ("".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH)) for _ in range(GROUPS))
    return "-".join(groups)


def ensure_code() -> str:
    """The set-up code, made (once, shared by every process) if there is none yet."""
    return generated_secret(code_file(), new_code)


def discard_code() -> None:
    code_file().unlink(missing_ok=True)


def normalize(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum()).translate(TYPOS)


def code_matches(candidate: str) -> bool:
    """Whether `candidate` is the set-up code (spaces, dashes and case do not matter)."""
    try:
        expected = code_file().read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return False
    if not expected:
        return False
    # Both sides have the same shape once normalized; compare_digest takes the same time
    # whichever character differs.
    return hmac.compare_digest(normalize(candidate).encode(), normalize(expected).encode())


def named_owner() -> str:
    return str(getattr(settings, "PLEXADMIN_OWNER", "") or "").strip()


def is_named_owner(account: PlexAccount) -> bool:
    """Whether `account` is the one PLEXADMIN_OWNER names (by username, e-mail or plex id)."""
    wanted = named_owner().casefold()
    if not wanted:
        return False
    names = {account.username.casefold(), account.email.casefold(), str(account.plex_id)}
    return wanted in names - {""}
