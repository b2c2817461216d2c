"""Re-encrypt every stored chat or push channel URL with the newest TOKEN_ENCRYPTION_KEYS key."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts import vault
from notify.models import Channel


class Command(BaseCommand):
    help = (
        "Re-encrypt every notification channel URL with the newest TOKEN_ENCRYPTION_KEYS entry. "
        "Safe to run again; run it with rotate_token_keys, before removing an old key."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        rotated = current = 0
        unreadable: list[str] = []
        for channel_id in (
            Channel.objects.exclude(url_ciphertext="").order_by("pk").values_list("pk", flat=True)
        ):
            with transaction.atomic():
                channel = Channel.objects.select_for_update().get(pk=channel_id)
                if vault.newest_key_opens(channel.url_ciphertext):
                    current += 1
                    continue
                try:
                    channel.url_ciphertext = vault.rotate(channel.url_ciphertext)
                except vault.TokenUndecryptable:
                    unreadable.append(channel.name)
                    continue
                channel.save(update_fields=["url_ciphertext"])
                rotated += 1
        self.stdout.write(
            f"Re-encrypted {rotated} channel URL(s); {current} already used the newest key."
        )
        if unreadable:
            raise CommandError(
                f"{len(unreadable)} channel URL(s) could not be decrypted with any configured key "
                f"({', '.join(unreadable)}); remove those channels and add them again."
            )
