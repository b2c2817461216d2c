"""Channel URLs hold secrets: encrypted at rest, masked on pages, scrubbed from errors."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from notify import channels, events
from notify.models import Channel
from tests.notify.conftest import apprise_channel

pytestmark = pytest.mark.django_db

DISCORD = "discord://112233445566778899/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        (DISCORD, "discord://…99/…89"),
        ("tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/987654321", "tgram://…aw/…21"),
        ("ntfys://ntfy.sh/my-private-topic", "ntfys://ntfy.sh/…ic"),
        ("json://127.0.0.1:8139/hooks/secret-path", "json://127.0.0.1:8139/…/…th"),
        (
            "matrixs://bot:hunter22pass@matrix.example.org/#room",
            "matrixs://…:****@matrix.example.org/#…",
        ),
        ("pover://userkey0123456789@apptoken0123456789", "pover://…89@…89"),
        ("json://127.0.0.1:9/x?token=abcdefghij", "json://127.0.0.1:9/…?token=…ij"),
    ],
)
def test_it_masks_everything_that_may_be_a_secret(url: str, masked: str) -> None:
    shown = channels.mask_url(url)
    assert shown == masked
    for secret in channels.secrets_of(url):
        if len(secret) >= 8 and secret not in ("ntfy.sh", "127.0.0.1", "matrix.example.org"):
            assert secret not in shown, (secret, shown)


def test_scrubbing_removes_the_url_and_its_parts_from_a_message() -> None:
    text = f"Failed to post {DISCORD} (webhook AbCdEfGhIjKlMnOpQrStUvWxYz0123456789 refused)"
    scrubbed = channels.scrub(text, channels.secrets_of(DISCORD))
    assert "AbCdEfGh" not in scrubbed
    assert "112233445566778899" not in scrubbed


def test_it_refuses_urls_apprise_does_not_know() -> None:
    for url in ("https://example.com/hook", "not a url", "nosuchservice://abc"):
        with pytest.raises(channels.SendFailed, match="Apprise does not recognise"):
            channels.check_url(url)


def test_the_url_is_stored_encrypted(owner) -> None:
    channel = apprise_channel(owner.user, DISCORD, [events.DRIFT_FOUND])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT url_ciphertext, masked FROM notify_channel WHERE id = %s", [channel.pk]
        )
        ciphertext, masked = cursor.fetchone()
    assert ciphertext.startswith("gAAAA")
    assert "AbCdEfGh" not in ciphertext + masked
    assert Channel.objects.get(pk=channel.pk).get_url() == DISCORD
    assert channel.service == "Discord"


def test_dumpdata_shows_no_channel_secret(owner, capsys) -> None:
    apprise_channel(owner.user, DISCORD, [events.DRIFT_FOUND])
    call_command("dumpdata", "notify", stdout=None)
    assert "AbCdEfGhIjKl" not in capsys.readouterr().out


def test_rotating_keys_re_encrypts_channel_urls(owner, settings) -> None:
    from cryptography.fernet import Fernet

    channel = apprise_channel(owner.user, DISCORD, [events.DRIFT_FOUND])
    old = channel.url_ciphertext
    settings.TOKEN_ENCRYPTION_KEYS = [
        Fernet.generate_key().decode(),
        *settings.TOKEN_ENCRYPTION_KEYS,
    ]
    call_command("rotate_channel_keys")
    settings.TOKEN_ENCRYPTION_KEYS = settings.TOKEN_ENCRYPTION_KEYS[:1]
    channel.refresh_from_db()
    assert channel.url_ciphertext != old
    assert channel.get_url() == DISCORD
