"""manage.py restore FILE: replace the database with a backup, then migrate it forward."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from plexadmin import backups


class Command(BaseCommand):
    help = (
        "Replace everything in the database with a backup made by `manage.py backup` ('-' "
        "reads it from standard input), then apply newer migrations. Stop the worker and beat "
        "first. A backup from a newer plexadmin is refused."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the backup file, or - for standard input")
        parser.add_argument(
            "--no-input",
            action="store_false",
            dest="interactive",
            help="do not ask for confirmation",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with tempfile.TemporaryDirectory(prefix="plexadmin-restore-") as work:
            source = Path(options["file"])
            if options["file"] == "-":
                source = Path(work) / "backup.tar"
                with source.open("wb") as spool:
                    shutil.copyfileobj(sys.stdin.buffer, spool)
            elif not source.is_file():
                raise CommandError(f"{source} is not a file.")
            self._confirm(options["interactive"], from_stdin=options["file"] == "-")
            try:
                manifest = backups.restore(source)
            except backups.BackupError as exc:
                raise CommandError(str(exc)) from exc
            except Exception as exc:  # tarfile errors and the like: not a backup at all
                if isinstance(exc, CommandError):
                    raise
                raise CommandError(f"{source} could not be read as a backup: {exc}") from exc
        self.stdout.write(f"Restored the backup made {manifest.created_at}.")
        call_command("migrate", interactive=False, verbosity=options["verbosity"])
        self._report_tokens(manifest)

    def _confirm(self, interactive: bool, *, from_stdin: bool) -> None:
        if not interactive:
            return
        if from_stdin or not sys.stdin.isatty():
            raise CommandError("Add --no-input to restore without a confirmation prompt.")
        name = connection.settings_dict["NAME"]
        answer = input(f"This replaces everything in the database {name}. Type 'yes' to go on: ")
        if answer.strip().lower() != "yes":
            raise CommandError("Nothing was restored.")

    def _report_tokens(self, manifest: backups.Manifest) -> None:
        unreadable = backups.unreadable_tokens()
        if not unreadable:
            self.stdout.write("Every stored Plex token opens with the configured keys.")
            return
        known = set(backups.configured_fingerprints())
        missing = [f for f in manifest.key_fingerprints if f not in known]
        made_with = f"; the backup was made with key(s) {', '.join(missing)}" if missing else ""
        self.stderr.write(
            f"{len(unreadable)} stored Plex token(s) ({', '.join(unreadable)}) cannot be "
            f"decrypted with TOKEN_ENCRYPTION_KEYS{made_with}. Add that key to "
            "TOKEN_ENCRYPTION_KEYS, or sign in with Plex again as the owner."
        )
