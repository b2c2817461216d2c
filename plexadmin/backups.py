"""Backups of the database, and restoring them (``manage.py backup`` / ``restore``).

A backup is one tar file: ``manifest.json`` (when, which database, the migrations applied,
fingerprints of the token keys) and the database itself — a consistent copy of SQLite made with
its online backup API while plexadmin runs, or PostgreSQL's own ``pg_dump`` (custom format).

What a backup is not: the encryption keys. Plex tokens in it stay encrypted with
TOKEN_ENCRYPTION_KEYS, which live outside the database on purpose; without them a restored
installation works but must sign in with Plex again. The manifest keeps a short fingerprint of
each key (a hash, from which no key can be recovered) so a restore can say which key it needs.

Restoring refuses a backup from a newer schema (a migration this version does not know), and
one of the other database kind; an older backup is restored, then migrated forward.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
KIND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class Manifest:
    created_at: str
    vendor: str
    migrations: list[tuple[str, str]]
    key_fingerprints: list[str]

    def as_json(self) -> str:
        body = {
            "format": FORMAT,
            "created_at": self.created_at,
            "database": self.vendor,
            "migrations": [list(m) for m in self.migrations],
            "token_key_fingerprints": self.key_fingerprints,
        }
        return json.dumps(body, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: bytes) -> Manifest:
        try:
            body = json.loads(text)
            if body.get("format") != FORMAT:
                raise BackupError(
                    f"This backup's format ({body.get('format')!r}) is not one this version "
                    "reads; it was made by a newer plexadmin."
                )
            return cls(
                created_at=str(body["created_at"]),
                vendor=str(body["database"]),
                migrations=[(str(app), str(name)) for app, name in body["migrations"]],
                key_fingerprints=[str(f) for f in body["token_key_fingerprints"]],
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise BackupError(
                "This file is not a plexadmin backup (its manifest is damaged)."
            ) from exc


def key_fingerprint(key: str) -> str:
    return hashlib.sha256(key.strip().encode()).hexdigest()[:12]


def configured_fingerprints() -> list[str]:
    return [key_fingerprint(key) for key in settings.TOKEN_ENCRYPTION_KEYS]


def vendor() -> str:
    if connection.vendor not in DATABASE_MEMBER:
        raise BackupError(f"Backups of {connection.vendor} databases are not supported.")
    return connection.vendor


def applied_migrations() -> list[tuple[str, str]]:
    return sorted(MigrationRecorder(connection).applied_migrations())


# --- Backup ---------------------------------------------------------------------------------


def create(destination: Path) -> Manifest:
    """Write a backup of the default database to `destination` (replaced only when complete)."""
    kind = vendor()
    with tempfile.TemporaryDirectory(prefix="plexadmin-backup-") as work:
        database = Path(work) / DATABASE_MEMBER[kind]
        before = applied_migrations()
        if kind == "sqlite":
            _copy_sqlite(Path(settings.DATABASES["default"]["NAME"]), database)
        else:
            _run(
                ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "-f", str(database)]
            )
        if applied_migrations() != before:
            raise BackupError("The database was migrated while the backup ran; run it again.")
        manifest = Manifest(
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            vendor=kind,
            migrations=before,
            key_fingerprints=configured_fingerprints(),
        )
        (Path(work) / MANIFEST).write_text(manifest.as_json())
        partial = destination.with_name(destination.name + ".partial")
        # Tokens inside are encrypted, but session keys and e-mail addresses are not.
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out, tarfile.open(fileobj=out, mode="w") as archive:
            archive.add(Path(work) / MANIFEST, arcname=MANIFEST)
            archive.add(database, arcname=database.name)
        partial.replace(destination)
    return manifest


def _copy_sqlite(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy even while other processes write."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    finally:
        dst.close()
        src.close()


def _pg_environment() -> dict[str, str]:
    """libpq variables for pg_dump, pg_restore and psql (the password never on a command line)."""
    db: dict[str, Any] = dict(settings.DATABASES["default"])
    env = dict(os.environ)
    for variable, key in [
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ]:
        if db.get(key):
            env[variable] = str(db[key])
    if db.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = str(db["OPTIONS"]["sslmode"])
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed. Install the PostgreSQL client tools of the server's "
            "version (Debian: postgresql-client); the container image has them."
        )
    return path


def _run(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
    result = subprocess.run(  # noqa: S603 - fixed tools, arguments are ours
        [_tool(args[0]), *args[1:]], env=_pg_environment(), capture_output=True, check=False,
        **kwargs,
    )  # fmt: skip
    if result.returncode != 0:
        raise BackupError(f"{args[0]} failed: {result.stderr.decode(errors='replace').strip()}")
    return result


# --- Restore --------------------------------------------------------------------------------


def read_manifest(archive: tarfile.TarFile) -> Manifest:
    try:
        member = archive.extractfile(MANIFEST)
    except KeyError:
        member = None
    if member is None:
        raise BackupError("This file is not a plexadmin backup (it has no manifest.json).")
    return Manifest.from_json(member.read())


def unknown_migrations(manifest: Manifest) -> list[str]:
    """Migrations in the backup that this version does not have: a backup from a newer one."""
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    return [f"{app}.{name}" for app, name in manifest.migrations if (app, name) not in known]


def check_restorable(manifest: Manifest) -> None:
    here = vendor()
    if manifest.vendor != here:
        raise BackupError(
            f"This is a backup of a {KIND_NAMES.get(manifest.vendor, manifest.vendor)} database "
            f"and this installation uses {KIND_NAMES[here]}; restore it into an installation "
            "of the same kind."
        )
    newer = unknown_migrations(manifest)
    if newer:
        shown = ", ".join(newer[:5]) + (" …" if len(newer) > 5 else "")
        raise BackupError(
            "This backup was made by a newer plexadmin: its database has migrations this "
            f"version does not know ({shown}). Install the version that made it, or a newer "
            "one, then restore."
        )


def restore(source: Path) -> Manifest:
    """Replace the default database's contents with the backup in `source`."""
    with tarfile.open(source, mode="r:") as archive:
        manifest = read_manifest(archive)
        check_restorable(manifest)
        with tempfile.TemporaryDirectory(prefix="plexadmin-restore-") as work:
            name = DATABASE_MEMBER[manifest.vendor]
            member = archive.extractfile(name)
            if member is None:
                raise BackupError(f"This backup has no {name}: it is incomplete.")
            database = Path(work) / name
            with database.open("wb") as out:
                shutil.copyfileobj(member, out)
            connections.close_all()
            if manifest.vendor == "sqlite":
                _restore_sqlite(database, Path(settings.DATABASES["default"]["NAME"]))
            else:
                _restore_postgresql(database, Path(work))
    connections.close_all()
    return manifest


def _restore_sqlite(backup: Path, target: Path) -> None:
    """The backup API in reverse: the live file is replaced page by page under SQLite's lock,
    so a process that still has it open sees either the old database or the restored one."""
    src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _restore_postgresql(dump: Path, work: Path) -> None:
    """Drop every table of this database, then load the dump, in one transaction: if
    anything fails, the database is left as it was."""
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    drops = work / "drop.sql"
    drops.write_text(
        "".join(f"DROP TABLE IF EXISTS {connection.ops.quote_name(t)} CASCADE;\n" for t in tables)
    )
    env = _pg_environment()
    unpack = subprocess.Popen(  # noqa: S603 - fixed tools, arguments are ours
        [_tool("pg_restore"), "--no-owner", "--no-privileges", "--file=-", str(dump)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    load = subprocess.run(  # noqa: S603
        [_tool("psql"), "--quiet", "--no-psqlrc", "--single-transaction",
         "--set=ON_ERROR_STOP=1", "--file", str(drops), "--file", "-"],
        env=env, stdin=unpack.stdout, capture_output=True, check=False,
    )  # fmt: skip
    if unpack.stdout is not None:
        unpack.stdout.close()
    unpack_error = unpack.stderr.read() if unpack.stderr is not None else b""
    if unpack.wait() != 0:
        raise BackupError(f"pg_restore failed: {unpack_error.decode(errors='replace').strip()}")
    if load.returncode != 0:
        raise BackupError(
            f"Loading the backup failed and nothing was changed: "
            f"{load.stderr.decode(errors='replace').strip()}"
        )


def unreadable_tokens() -> list[str]:
    """Accounts whose stored token none of the configured keys opens."""
    from accounts.models import PlexAccount
    from accounts.vault import TokenUndecryptable

    unreadable = []
    for account in PlexAccount.objects.exclude(token_ciphertext="").order_by("pk"):
        try:
            account.get_token()
        except TokenUndecryptable:
            unreadable.append(account.display_name)
    return unreadable
