"""manage.py backup / restore, run as an operator would: a backup restores into a fresh install
and the dashboard works; a backup from a newer schema, of the other database kind, or without
its keys is refused or reported."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from cryptography.fernet import Fernet
from django.conf import settings

from plexadmin.backups import key_fingerprint
from tests.processes import production_env
from tests.production.test_smoke import postgres_url
from tests.services import require_postgres

ROOT = Path(__file__).resolve().parents[2]

# One xdist worker runs the whole module, so the installation each kind restores from (the
# module-scoped `sources`) is made once, not once per worker.
pytestmark = pytest.mark.xdist_group("backup-restore")

SEED = """
from accounts.models import Member
from sharing.models import AuditEvent, Library, PlexUser, Server, Share
from tests import factories
morgan = factories.plex_account("morgan", keep_token=True, title="Morgan")
factories.user_for(morgan, Member.Role.OWNER)
factories.household(morgan)
den = Server.objects.create(machine_identifier=factories.DEN, name="Morgan's Den")
movies = Library.objects.create(server=den, global_id=501, key=1, title="Movies", type="movie")
priya = PlexUser.objects.create(plex_id=3007, username="priya", title="Priya Restored")
share = Share.objects.create(user=priya, server=den, shared_server_id=30007, allow_sync=True)
share.libraries.add(movies)
AuditEvent.objects.create(source="dashboard", target_type="share", action="share.update")
"""

DASHBOARD = """
from django.test import Client
from accounts.models import Household, User
owner = Household.current().owner
client = Client()
client.force_login(User.objects.get(plex_account=owner))
page = client.get("/people/", secure=True, HTTP_HOST="plex-admin.example.org")
print(page.status_code, "Priya Restored" in page.content.decode(), owner.get_token())
"""

COUNT = "from accounts.models import Household; print(Household.objects.count())"


@dataclass
class Install:
    """One installation's environment: its database and its token key."""

    env: dict[str, str]

    def manage(self, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT, env=self.env, input=stdin.decode("latin-1") if stdin else None,
            capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip
        return result

    def shell(self, code: str) -> str:
        result = self.manage("shell", "-v", "0", "-c", code)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()


class Databases:
    """Makes empty databases of one kind, each a DATABASE_URL."""

    def __init__(self, kind: str, tmp_path: Path) -> None:
        self.kind = kind
        self.tmp_path = tmp_path
        self.made: list[str] = []

    def new(self) -> str:
        name = f"bk{uuid.uuid4().hex[:8]}"
        if self.kind == "sqlite":
            return f"sqlite:///{self.tmp_path / f'{name}.sqlite3'}"
        db = settings.DATABASES["default"]
        full = f"{db['NAME']}_{name}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{full}"')
        self.made.append(full)
        return postgres_url(full)

    def _admin(self) -> psycopg.Connection:
        db = settings.DATABASES["default"]
        return psycopg.connect(
            host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"],
            password=db.get("PASSWORD") or None, dbname="postgres", autocommit=True,
        )  # fmt: skip

    def drop_all(self) -> None:
        if not self.made:
            return
        with self._admin() as conn:
            for name in self.made:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def install(tmp_path: Path, database_url: str, key: str, *, migrate: bool = True) -> Install:
    """An installation as `docker compose up` leaves it: migrated, static files collected."""
    env = production_env(tmp_path, DATABASE_URL=database_url, TOKEN_ENCRYPTION_KEYS=key)
    made = Install(env)
    if migrate:
        migrated = made.manage("migrate", "--no-input")
        assert migrated.returncode == 0, migrated.stderr
    if not (tmp_path / "var" / "static" / "staticfiles.json").exists():
        collected = made.manage("collectstatic", "--no-input", "-v", "0")
        assert collected.returncode == 0, collected.stderr
    return made


@dataclass
class Source:
    """An installation with a household in it, and a backup of it made with `key`."""

    kind: str
    install: Install
    key: str
    backup: Path


class Sources(dict[str, Source]):
    """Each kind's source installation and its backup, made once per module on first use
    (migrating PostgreSQL takes a while)."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        super().__init__()
        self.factory = factory
        self.databases: list[Databases] = []

    def __missing__(self, kind: str) -> Source:
        tmp_path = self.factory.mktemp(f"source-{kind}")
        databases = Databases(kind, tmp_path)
        self.databases.append(databases)
        key = Fernet.generate_key().decode()
        source = install(tmp_path, databases.new(), key)
        source.shell(SEED)
        path = tmp_path / "plexadmin.tar"
        made = source.manage("backup", str(path))
        assert made.returncode == 0, made.stderr
        assert f"key fingerprints {key_fingerprint(key)}" in made.stdout
        self[kind] = Source(kind, source, key, path)
        return self[kind]


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sources]:
    made = Sources(tmp_path_factory)
    yield made
    for databases in made.databases:
        databases.drop_all()


@pytest.fixture(params=["sqlite", "postgresql"])
def kind(request) -> str:  # type: ignore[no-untyped-def]
    if request.param == "postgresql":
        require_postgres()
    return str(request.param)


@pytest.fixture
def databases(kind: str, tmp_path: Path) -> Iterator[Databases]:
    made = Databases(kind, tmp_path)
    yield made
    made.drop_all()


def newer_schema(backup: Path, tmp_path: Path) -> Path:
    """The same backup, as a later release would make it (one migration this one lacks)."""
    newer = tmp_path / "newer.tar"
    with tarfile.open(backup) as old, tarfile.open(newer, "w") as new:
        for member in old.getmembers():
            data = old.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "manifest.json":
                body = json.loads(data)
                body["migrations"].append(["sharing", "9999_from_a_later_release"])
                data = json.dumps(body).encode()
                member.size = len(data)
            new.addfile(member, io.BytesIO(data))
    return newer


def test_a_backup_restores_into_a_fresh_install_and_the_dashboard_works(
    kind: str, sources: Sources, databases: Databases, tmp_path: Path
) -> None:
    source = sources[kind]
    with tarfile.open(source.backup) as archive:
        names = archive.getnames()
        manifest = json.loads(archive.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert names[0] == "manifest.json"
    assert manifest["database"] == kind
    assert ["sharing", "0001_initial"] in manifest["migrations"]
    assert oct(source.backup.stat().st_mode & 0o777) == "0o600"

    fresh = install(tmp_path, databases.new(), source.key)

    # Refused, and nothing changed: a backup from a newer schema, a file that is not a
    # backup, a missing file, and a restore without a terminal to confirm on.
    newer = fresh.manage("restore", str(newer_schema(source.backup, tmp_path)), "--no-input")
    assert newer.returncode != 0
    assert "This backup was made by a newer plexadmin" in newer.stderr
    assert "sharing.9999_from_a_later_release" in newer.stderr
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"not a tar file at all")
    assert (
        "could not be read as a backup" in fresh.manage("restore", str(junk), "--no-input").stderr
    )
    missing = fresh.manage("restore", str(tmp_path / "nowhere.tar"), "--no-input")
    assert "is not a file" in missing.stderr
    unconfirmed = fresh.manage("restore", str(source.backup))
    assert unconfirmed.returncode != 0
    assert "Add --no-input" in unconfirmed.stderr
    assert fresh.shell(COUNT) == "0"

    restored = fresh.manage("restore", str(source.backup), "--no-input")
    assert restored.returncode == 0, restored.stderr
    assert "Every stored Plex token opens with the configured keys." in restored.stdout
    assert fresh.shell(DASHBOARD).split() == ["200", "True", "demo-owner-token-0001"]

    # The same restore with only a different key: it works, and says which key it needs.
    other_key = Install({**fresh.env, "TOKEN_ENCRYPTION_KEYS": Fernet.generate_key().decode()})
    keyless = other_key.manage("restore", str(source.backup), "--no-input")
    assert keyless.returncode == 0, keyless.stderr
    assert "1 stored Plex token(s) (Morgan) cannot be decrypted" in keyless.stderr
    assert f"made with key(s) {key_fingerprint(source.key)}" in keyless.stderr


def test_backup_to_stdout_restores_from_stdin(sources: Sources, tmp_path: Path) -> None:
    source = sources["sqlite"]
    dumped = subprocess.run(
        [sys.executable, "manage.py", "backup", "-"],
        cwd=ROOT, env=source.install.env, capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    with tarfile.open(fileobj=io.BytesIO(dumped.stdout)) as archive:
        assert archive.getnames() == ["manifest.json", "database.sqlite3"]
    assert b"Backed up the SQLite database" in dumped.stderr
    target = install(tmp_path, Databases("sqlite", tmp_path).new(), source.key, migrate=False)
    loaded = subprocess.run(
        [sys.executable, "manage.py", "restore", "-", "--no-input"],
        cwd=ROOT, env=target.env, input=dumped.stdout, capture_output=True, timeout=120,
        check=False,
    )  # fmt: skip
    assert loaded.returncode == 0, loaded.stderr
    assert target.shell(COUNT) == "1"


def test_it_refuses_a_backup_of_the_other_database_kind(sources: Sources, tmp_path: Path) -> None:
    require_postgres()
    source = sources["sqlite"]
    postgres = Databases("postgresql", tmp_path)
    try:
        target = install(tmp_path, postgres.new(), source.key, migrate=False)
        refused = target.manage("restore", str(source.backup), "--no-input")
        assert refused.returncode != 0
        assert "backup of a SQLite database and this installation uses PostgreSQL" in (
            refused.stderr
        )
    finally:
        postgres.drop_all()
