"""The production path, run the way the container image and compose run it.

No container engine runs here, so the image cannot be built; this test runs the same commands
instead (deploy/entrypoint.sh is the image's ENTRYPOINT and every compose command):
make-secrets → collectstatic with no secrets (as at image build) → migrate (check --deploy
first) → web, worker and beat on PostgreSQL and Redis, reading their secrets from files →
Caddy with the repository's Caddyfile for TLS in front → pages, headers, static files,
/healthz and /metrics through HTTPS → SIGTERM to each, which must exit cleanly.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
import redis
import requests
from django.conf import settings

from tests.processes import ONE_STACK_AT_A_TIME, ROOT, free_port, wait_until
from tests.services import require, require_postgres, require_redis

pytestmark = ONE_STACK_AT_A_TIME

ENTRYPOINT = str(ROOT / "deploy" / "entrypoint.sh")
OWN_VARIABLES = ("PLEXADMIN_", "DATABASE_", "REDIS_", "SECRET_", "TOKEN_", "METRICS_", "LOG_")


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, timeout: float) -> int:
        """SIGTERM, as docker stop and systemd send it; the exit code, or -9 if it hung."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()
            return -9


@dataclass
class Site:
    tmp: Path
    env: dict[str, str]
    https: str
    web: str
    http_port: int
    root_ca: Path | None = None
    processes: list[Process] = field(default_factory=list)

    def start(self, name: str, *args: str, env: dict[str, str] | None = None) -> Process:
        log = self.tmp / f"{name}.log"
        popen = subprocess.Popen(
            [*args], cwd=ROOT, env=env or self.env, stdout=log.open("wb"),
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        process = Process(name, popen, log)
        self.processes.append(process)
        return process

    def run(self, *args: str, env: dict[str, str] | None = None) -> str:
        result = subprocess.run(
            [ENTRYPOINT, *args], cwd=ROOT, env=env or self.env, capture_output=True, text=True,
            timeout=300, check=False,
        )  # fmt: skip
        assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
        return result.stdout + result.stderr

    def get(self, path: str, **kwargs: object) -> requests.Response:
        return requests.get(
            self.https + path, verify=str(self.root_ca), timeout=20, allow_redirects=False,
            **kwargs,  # type: ignore[arg-type]
        )  # fmt: skip


def postgres_url(name: str) -> str:
    """A DATABASE_URL for database `name` on the tests' PostgreSQL server."""
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgresql://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{name}"


def base_environment(tmp: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(OWN_VARIABLES)
        # The browser tests allow sync database calls in their event loop; a deployment must
        # not (check --deploy refuses it).
        and k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '')}"
    env.update(
        PLEXADMIN_ENV="production",
        PLEXADMIN_VAR_DIR=str(tmp / "var"),
        PLEXADMIN_STATIC_ROOT=str(tmp / "static-root"),
        HOME=str(tmp),
        XDG_DATA_HOME=str(tmp / "xdg-data"),
        XDG_CONFIG_HOME=str(tmp / "xdg-config"),
    )
    return env


@pytest.fixture
def smoke_database() -> Iterator[str]:
    require_postgres()
    db = settings.DATABASES["default"]
    name = f"{db['NAME']}_smoke"
    admin = {
        "host": db["HOST"], "port": db["PORT"] or 5432, "user": db["USER"],
        "password": db.get("PASSWORD") or None, "dbname": "postgres", "autocommit": True,
    }  # fmt: skip
    with psycopg.connect(**admin) as conn:  # type: ignore[arg-type]
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield postgres_url(name)
    with psycopg.connect(**admin) as conn:  # type: ignore[arg-type]
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def site(tmp_path: Path, smoke_database: str) -> Iterator[Site]:
    redis_url = require_redis()
    caddy = shutil.which("caddy")
    require("Caddy", caddy is not None, "caddy is not installed (apt-get install caddy)")
    https_port, http_port, web_port = free_port(), free_port(), free_port()
    secrets = tmp_path / "secrets"
    subprocess.run(["sh", str(ROOT / "deploy" / "make-secrets.sh"), str(secrets)], check=True,
                   capture_output=True)  # fmt: skip
    env = base_environment(tmp_path)
    env.update(
        PUBLIC_BASE_URL=f"https://localhost:{https_port}",
        SECRET_KEY_FILE=str(secrets / "secret_key"),
        TOKEN_ENCRYPTION_KEYS_FILE=str(secrets / "token_encryption_keys"),
        PLEX_CLIENT_IDENTIFIER_FILE=str(secrets / "plex_client_identifier"),
        METRICS_TOKEN_FILE=str(secrets / "metrics_token"),
        DATABASE_URL=smoke_database,
        REDIS_URL=redis_url,
        PLEXADMIN_BIND=f"127.0.0.1:{web_port}",
        WEB_CONCURRENCY="2",
        WORKER_CONCURRENCY="1",
        LOG_FORMAT="json",
    )
    made = Site(tmp_path, env, f"https://localhost:{https_port}", f"http://127.0.0.1:{web_port}",
                http_port)  # fmt: skip
    try:
        yield made
    finally:
        for process in reversed(made.processes):
            if process.popen.poll() is None:
                os.killpg(process.popen.pid, signal.SIGKILL)
                process.popen.wait()
        client = redis.Redis.from_url(redis_url)
        stale = list(client.scan_iter("plexadmin:redbeat*"))
        if stale:
            client.delete(*stale)


def start_caddy(site: Site) -> None:
    storage = site.tmp / "caddy"
    wrapper = site.tmp / "Caddyfile"
    https_port = site.https.rsplit(":", 1)[1]
    # Test-only global options (ports, no admin API, keep the machine's trust store alone);
    # the site itself is the repository's Caddyfile, imported unchanged.
    wrapper.write_text(
        "{\n\tadmin off\n\tskip_install_trust\n"
        f"\thttp_port {site.http_port}\n\thttps_port {https_port}\n"
        f"\tstorage file_system {storage}\n}}\n"
        f"import {ROOT / 'deploy' / 'Caddyfile'}\n"
    )
    env = {**site.env, "PLEXADMIN_UPSTREAM": site.web.removeprefix("http://")}
    site.start("caddy", str(shutil.which("caddy")), "run", "--config", str(wrapper),
               "--adapter", "caddyfile", env=env)  # fmt: skip
    site.root_ca = storage / "pki" / "authorities" / "local" / "root.crt"
    wait_for(lambda: site.root_ca.exists() and site.get("/healthz").status_code == 200, 60)  # type: ignore[union-attr]


def wait_for(condition, seconds: float) -> None:  # type: ignore[no-untyped-def]
    """Until `condition` holds; a server that does not answer yet is "not yet". A quarter of a
    second apart: some conditions start a process, which competes with the stack starting."""
    not_yet = (requests.RequestException, OSError)
    wait_until(condition, seconds, "ready", interval=0.25, ignore=not_yet)


def test_the_production_path_from_secrets_to_https(site: Site) -> None:
    # As the image is built: static files collected with no secret and no database.
    build_env = base_environment(site.tmp)
    site.run("collectstatic", "--verbosity", "0", env=build_env)
    manifest = json.loads((site.tmp / "static-root" / "staticfiles.json").read_text())
    hashed_css = manifest["paths"]["css/app.css"]
    assert re.fullmatch(r"css/app\.[0-9a-f]{12}\.css", hashed_css)
    assert (site.tmp / "static-root" / f"{hashed_css}.gz").exists()

    # As compose's migrate service: check --deploy, then migrations.
    migrated = site.run("migrate")
    assert "Applying sharing.0001_initial... OK" in migrated

    web = site.start("web", ENTRYPOINT, "web")
    worker = site.start("worker", ENTRYPOINT, "worker")
    beat = site.start("beat", ENTRYPOINT, "beat")
    # The image's HEALTHCHECK command.
    wait_for(lambda: subprocess.run([ENTRYPOINT, "healthcheck"], env=site.env, cwd=ROOT,
                                    capture_output=True).returncode == 0, 60)  # fmt: skip
    # compose's worker health check: the worker answers a ping through Redis.
    wait_for(lambda: subprocess.run([ENTRYPOINT, "worker-healthcheck"], env=site.env, cwd=ROOT,
                                    capture_output=True).returncode == 0, 60)  # fmt: skip
    start_caddy(site)

    page = site.get("/")
    assert page.status_code == 200
    headers = page.headers
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    # Caddy's request id, passed through to the log lines and answered back.
    assert re.fullmatch(r"[0-9a-f-]{36}", headers["X-Request-ID"])

    # Static files: hashed names in the page, served compressed and cached for good.
    assert f"/static/{hashed_css}" in page.text
    css = site.get(f"/static/{hashed_css}", headers={"Accept-Encoding": "gzip"})
    assert css.status_code == 200
    assert css.headers["Content-Encoding"] == "gzip"
    assert "immutable" in css.headers["Cache-Control"]
    # …compressed by WhiteNoise itself (asked directly, through the X-Forwarded-Proto hop).
    direct = requests.get(
        f"{site.web}/static/{hashed_css}", timeout=10, allow_redirects=False,
        headers={"Host": site.https.removeprefix("https://"), "X-Forwarded-Proto": "https",
                 "Accept-Encoding": "gzip"},
    )  # fmt: skip
    assert direct.status_code == 200
    assert direct.headers["Content-Encoding"] == "gzip"

    health = site.get("/healthz")
    assert health.status_code == 200
    assert health.json()["status"] == "ok"

    # Plain HTTP: Caddy and Django both send it to HTTPS.
    plain = requests.get(f"http://localhost:{site.http_port}/", timeout=10, allow_redirects=False)
    assert plain.status_code in (301, 308)
    assert plain.headers["Location"].startswith("https://localhost")
    no_proxy = requests.get(site.web + "/", timeout=10, allow_redirects=False,
                            headers={"Host": site.https.removeprefix("https://")})  # fmt: skip
    assert no_proxy.status_code == 301
    assert no_proxy.headers["Location"] == site.https + "/"

    # Prometheus through HTTPS with the token from the secrets; beat → broker → worker →
    # database shows as the beat heartbeat.
    assert site.get("/metrics").status_code == 401
    token = (site.tmp / "secrets" / "metrics_token").read_text().strip()

    def beat_seen() -> bool:
        scraped = site.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        assert scraped.status_code == 200
        return 'plexadmin_heartbeat_timestamp_seconds{name="beat"}' in scraped.text

    wait_for(beat_seen, 90)
    scraped = site.get("/metrics", headers={"Authorization": f"Bearer {token}"}).text
    assert 'plexadmin_http_requests_total{method="GET",status="200",view="home"}' in scraped

    # SIGTERM everywhere: each stops cleanly; beat hands its lock back first.
    assert beat.stop(30) == 0, beat.text()
    assert "Releasing lock" in beat.text()
    assert '"level": "WARNING"' not in beat.text()
    assert worker.stop(60) == 0, worker.text()
    assert web.stop(40) == 0, web.text()

    # LOG_FORMAT=json: every line web wrote is one JSON object.
    lines = [line for line in web.text().splitlines() if line.strip()]
    assert lines
    for line in lines:
        json.loads(line)
