"""Re-encrypt every stored Plex token with the newest key in TOKEN_ENCRYPTION_KEYS."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts import vault
from accounts.models import PlexAccount


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored Plex token with the newest TOKEN_ENCRYPTION_KEYS entry. "
        "Safe to run again; run it after prepending a new key and before removing an old one."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        rotated = current = 0
        unreadable: list[str] = []
        for account_id in (
            PlexAccount.objects.exclude(token_ciphertext="")
            .order_by("pk")
            .values_list("pk", flat=True)
        ):
            # One row per transaction, locked while it is rewritten, so a sign-in that stores a
            # new token at the same moment is never overwritten with the old one.
            with transaction.atomic():
                account = PlexAccount.objects.select_for_update().get(pk=account_id)
                if not account.token_ciphertext:
                    continue
                if vault.newest_key_opens(account.token_ciphertext):
                    current += 1
                    continue
                try:
                    account.token_ciphertext = vault.rotate(account.token_ciphertext)
                except vault.TokenUndecryptable:
                    unreadable.append(account.display_name)
                    continue
                account.save(update_fields=["token_ciphertext"])
                rotated += 1
        self.stdout.write(
            f"Re-encrypted {rotated} token(s); {current} already used the newest key."
        )
        if unreadable:
            raise CommandError(
                f"{len(unreadable)} token(s) could not be decrypted with any configured key "
                f"({', '.join(unreadable)}); those accounts must sign in with Plex again."
            )
