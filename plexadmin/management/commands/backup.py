"""manage.py backup [FILE]: a consistent copy of the database in one file (plexadmin/backups.py)."""

from __future__ import annotations

import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from plexadmin import backups


class Command(BaseCommand):
    help = (
        "Back up the database to one file (default: var/backups/plexadmin-<time>.tar; '-' "
        "writes it to standard output). The token encryption keys are not in it: keep them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="where to write the backup, or - for stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        target = options["file"]
        # With the backup on standard output, everything said goes to standard error.
        say = self.stderr if target == "-" else self.stdout
        try:
            if target == "-":
                with tempfile.TemporaryDirectory(prefix="plexadmin-backup-") as work:
                    path = Path(work) / "backup.tar"
                    manifest = backups.create(path)
                    with path.open("rb") as backup:
                        shutil.copyfileobj(backup, sys.stdout.buffer)
                    sys.stdout.buffer.flush()
                where = "standard output"
            else:
                path = Path(target) if target else self._default_path()
                path.parent.mkdir(parents=True, exist_ok=True)
                manifest = backups.create(path)
                where = str(path)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from exc
        say.write(
            f"Backed up the {backups.KIND_NAMES[manifest.vendor]} database "
            f"({len(manifest.migrations)} migrations applied) to {where}."
        )
        say.write(
            "The Plex tokens in it are encrypted: keep TOKEN_ENCRYPTION_KEYS (key fingerprints "
            f"{', '.join(manifest.key_fingerprints)}) apart from the backup, and safe — a "
            "restore without them works, but the owner must sign in with Plex again."
        )

    @staticmethod
    def _default_path() -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        return Path(settings.VAR_DIR) / "backups" / f"plexadmin-{stamp}.tar"
