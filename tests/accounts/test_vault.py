from __future__ import annotations

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from accounts import vault
from accounts.models import PlexAccount
from tests import factories

pytestmark = pytest.mark.django_db

CANARY = "canary-token-7f3a9c21e8b4d605"


def _raw_column(account: PlexAccount) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT token_ciphertext FROM accounts_plexaccount WHERE id = %s", [account.pk]
        )
        return str(cursor.fetchone()[0])


def test_it_stores_only_fernet_ciphertext_in_the_column() -> None:
    account = factories.plex_account("morgan")
    account.set_token(CANARY)
    account.save()
    raw = _raw_column(account)
    assert raw.startswith("gAAAA")
    assert CANARY not in raw
    assert CANARY[:8] not in raw
    assert PlexAccount.objects.get(pk=account.pk).get_token() == CANARY


def test_it_keeps_the_token_out_of_dumpdata() -> None:
    account = factories.plex_account("morgan")
    account.set_token(CANARY)
    account.save()
    out = io.StringIO()
    call_command("dumpdata", "accounts", stdout=out)
    dump = out.getvalue()
    assert '"token_ciphertext": "gAAAA' in dump
    assert all(CANARY[i : i + 8] not in dump for i in range(len(CANARY) - 7))


def test_it_raises_token_undecryptable_on_a_wrong_key(settings) -> None:  # type: ignore[no-untyped-def]
    account = factories.plex_account("morgan")
    account.set_token(CANARY)
    account.save()
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(vault.TokenUndecryptable, match="cannot be decrypted"):
        PlexAccount.objects.get(pk=account.pk).get_token()


def test_it_refuses_a_malformed_key_without_echoing_it(settings) -> None:  # type: ignore[no-untyped-def]
    from django.core.exceptions import ImproperlyConfigured

    settings.TOKEN_ENCRYPTION_KEYS = ["not-a-key-but-secret-looking"]
    with pytest.raises(ImproperlyConfigured) as caught:
        vault.encrypt("x")
    assert "not-a-key-but-secret-looking" not in str(caught.value)
    assert "entry 1" in str(caught.value)


def test_it_returns_none_when_no_token_is_kept() -> None:
    assert factories.plex_account("jamie").get_token() is None


def test_it_rotates_every_token_to_the_newest_key_and_is_safe_to_rerun(settings) -> None:  # type: ignore[no-untyped-def]
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.TOKEN_ENCRYPTION_KEYS = [old]
    first = factories.plex_account("morgan")
    first.set_token(CANARY)
    first.save()
    second = factories.plex_account("jamie")
    second.set_token("second-canary-token")
    second.save()
    before = _raw_column(first)

    settings.TOKEN_ENCRYPTION_KEYS = [new, old]
    out = io.StringIO()
    call_command("rotate_token_keys", stdout=out)
    assert "Re-encrypted 2 token(s); 0 already used the newest key." in out.getvalue()
    assert _raw_column(first) != before

    out = io.StringIO()
    call_command("rotate_token_keys", stdout=out)
    assert "Re-encrypted 0 token(s); 2 already used the newest key." in out.getvalue()

    settings.TOKEN_ENCRYPTION_KEYS = [new]
    assert PlexAccount.objects.get(pk=first.pk).get_token() == CANARY
    assert PlexAccount.objects.get(pk=second.pk).get_token() == "second-canary-token"
    assert Fernet(new.encode()).decrypt(_raw_column(first).encode()).decode() == CANARY


def test_it_reports_tokens_no_key_can_open_and_leaves_them_untouched(settings) -> None:  # type: ignore[no-untyped-def]
    lost = Fernet.generate_key().decode()
    settings.TOKEN_ENCRYPTION_KEYS = [lost]
    account = factories.plex_account("morgan", title="Morgan")
    account.set_token(CANARY)
    account.save()
    before = _raw_column(account)
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(CommandError, match=r"1 token\(s\) could not be decrypted.*Morgan"):
        call_command("rotate_token_keys", stdout=io.StringIO())
    assert _raw_column(account) == before
