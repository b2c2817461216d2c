"""Print the one-time set-up code (making it if needed) while nobody owns this installation.

`make run` and `make demo` run this before starting, so the code shows on the operator's
console; it goes to this command's standard output only, never to a log.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from accounts import setup_code
from accounts.models import Household


class Command(BaseCommand):
    help = (
        "While no household owns this installation, print the one-time set-up code that lets "
        "a Plex account claim it (or who PLEXADMIN_OWNER lets claim it). Prints nothing once "
        "a household exists."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if Household.current() is not None:
            setup_code.discard_code()
            return
        owner = setup_code.named_owner()
        if owner:
            self.stdout.write(
                f"  Set-up: sign in with Plex as {owner} (PLEXADMIN_OWNER) to claim this "
                "installation."
            )
            return
        code = setup_code.ensure_code()
        self.stdout.write(
            f"  Set-up code: {code}   (after signing in with Plex, enter it to become the "
            "owner; it works once)"
        )
