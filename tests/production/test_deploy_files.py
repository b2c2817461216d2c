"""The deployment files agree with the code: compose.yaml with the settings and the entrypoint,
stop timeouts with the task time limits, the Dockerfile with what CI runs, the examples with
the metrics that exist. No container engine runs here, so these checks (and the smoke test)
stand in for building and starting the image."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import redis
import yaml
from cryptography.fernet import Fernet
from django.conf import settings

from plexadmin.celery import app as celery_app
from tests.foundation.test_configuration_docs import variables_read_by_settings
from tests.processes import free_port
from tests.services import require

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
APP_SERVICES = ("migrate", "web", "worker", "beat")

# Settings that compose deliberately does not pass to the containers, and why.
NOT_FOR_CONTAINERS = {
    "PLEXADMIN_VAR_DIR": "the image sets it",
    "PLEXADMIN_STATIC_ROOT": "the image sets it (static files live in the image)",
    "DEBUG": "never on in production (check --deploy would stop the start)",
    "PLEXTV_BASE_URL": "the simulator only",
    "PLEX_AUTH_URL": "the simulator only",
    "DEMO_MAILBOX_DIR": "the demo's mail sink only (refused in production)",
    "PLEXADMIN_PORT": "only the development default of PUBLIC_BASE_URL (compose publishes on it)",
}
# Read by the entrypoint or gunicorn.conf.py rather than by the settings.
PROCESS_VARIABLES = {"WEB_CONCURRENCY", "WORKER_CONCURRENCY"}


def compose() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def entrypoint_commands() -> set[str]:
    text = (DEPLOY / "entrypoint.sh").read_text()
    return set(re.findall(r"^  ([a-z-]+)\)$", text, flags=re.MULTILINE))


def seconds(duration: str) -> float:
    total = 0.0
    for number, unit in re.findall(r"(\d+)(ms|h|m|s)", duration):
        total += float(number) * {"h": 3600, "m": 60, "s": 1, "ms": 0.001}[unit]
    return total


def longest_task_time_limit() -> float:
    celery_app.loader.import_default_modules()
    limits = [settings.CELERY_TASK_TIME_LIMIT]
    limits += [t.time_limit for t in celery_app.tasks.values() if getattr(t, "time_limit", None)]
    return float(max(limits))


def test_compose_has_every_service_with_its_entrypoint_command() -> None:
    services = compose()["services"]
    assert set(services) == {*APP_SERVICES, "db", "redis", "caddy"}
    commands = entrypoint_commands()
    for name in APP_SERVICES:
        assert services[name]["command"] == [name]
        assert name in commands
        assert services[name]["image"] == "${PLEXADMIN_IMAGE:-plexadmin:local}"
        assert services[name]["init"] is True
    assert services["caddy"]["profiles"] == ["tls"]


def test_compose_starts_the_app_only_after_healthy_services_and_migrations() -> None:
    services = compose()["services"]
    healthy = {"condition": "service_healthy"}
    assert services["migrate"]["depends_on"] == {"db": healthy, "redis": healthy}
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"] == {
            "db": healthy,
            "redis": healthy,
            "migrate": {"condition": "service_completed_successfully"},
        }
    assert services["caddy"]["depends_on"] == {"web": healthy}
    for name in ("web", "worker", "db", "redis"):
        assert services[name]["healthcheck"]["test"], name
    assert services["web"]["healthcheck"]["test"][1:] == [
        "/app/deploy/entrypoint.sh",
        "healthcheck",
    ]


def test_compose_passes_every_setting_and_only_known_ones() -> None:
    environment = compose()["x-app"]["environment"]
    read = variables_read_by_settings()
    passed = {name.removesuffix("_FILE") for name in environment}
    assert read - passed == set(NOT_FOR_CONTAINERS)
    assert passed - read <= PROCESS_VARIABLES
    assert environment["PLEXADMIN_ENV"] == "production"
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", readme, flags=re.MULTILINE))
    assert passed <= documented
    # Every secret comes from a file, never from .env.
    for name in ("SECRET_KEY", "TOKEN_ENCRYPTION_KEYS", "DATABASE_URL", "REDIS_URL"):
        assert environment[f"{name}_FILE"] == f"/run/secrets/{name.lower()}"
        assert name not in environment


def test_every_variable_compose_reads_from_env_is_in_env_example() -> None:
    text = (ROOT / "compose.yaml").read_text()
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", text))
    listed = {
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert used <= listed


def test_make_secrets_makes_every_secret_compose_reads(tmp_path: Path) -> None:
    folder = tmp_path / "secrets"
    first = subprocess.run(
        ["sh", str(DEPLOY / "make-secrets.sh"), str(folder)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "TOKEN_ENCRYPTION_KEYS" not in first.stdout  # it names the file, never a value
    files = {spec["file"].removeprefix("./secrets/") for spec in compose()["secrets"].values()}
    assert {p.name for p in folder.iterdir()} == files
    values = {p.name: p.read_text().strip() for p in folder.iterdir()}
    Fernet(values["token_encryption_keys"])  # a valid key, or this raises
    assert len(values["secret_key"]) >= 50
    assert len(values["metrics_token"]) >= 32
    assert values["database_url"] == (
        f"postgresql://plexadmin:{values['postgres_password']}@db:5432/plexadmin"
    )
    assert values["redis_url"] == f"redis://:{values['redis_password']}@redis:6379/0"
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    # Run again, it keeps every value: a new key would make the stored tokens unreadable.
    again = subprocess.run(
        ["sh", str(DEPLOY / "make-secrets.sh"), str(folder)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "created" not in again.stdout
    assert {p.name: p.read_text().strip() for p in folder.iterdir()} == values


@pytest.mark.django_db
def test_stopping_never_cuts_a_task_short() -> None:
    """SIGTERM is a warm shutdown; the grace before SIGKILL outlasts the longest task."""
    longest = longest_task_time_limit()
    worker = compose()["services"]["worker"]
    assert worker["stop_signal"] == "SIGTERM"
    assert seconds(worker["stop_grace_period"]) > longest
    unit = (DEPLOY / "systemd" / "plexadmin-worker.service").read_text()
    assert "KillSignal=SIGTERM" in unit
    assert "KillMode=mixed" in unit
    stop = re.search(r"^TimeoutStopSec=(\d+)$", unit, flags=re.MULTILINE)
    assert stop is not None
    assert float(stop.group(1)) > longest
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    gunicorn_grace = re.search(
        r"^graceful_timeout = (\d+)", (DEPLOY / "gunicorn.conf.py").read_text(), re.MULTILINE
    )
    assert gunicorn_grace is not None
    assert seconds(compose()["services"]["web"]["stop_grace_period"]) > int(gunicorn_grace[1])


def test_the_dockerfile_builds_what_ci_runs() -> None:
    text = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+) AS (\w+)$", text, flags=re.MULTILINE)
    assert [stage for _, stage in stages] == ["build", "runtime"]
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.13-slim", text, flags=re.MULTILINE)
    assert re.search(r"^USER 10001:10001$", text, flags=re.MULTILINE)
    assert "deploy/entrypoint.sh collectstatic" in text
    assert 'CMD ["/app/deploy/entrypoint.sh", "healthcheck"]' in text
    assert 'ENTRYPOINT ["/app/deploy/entrypoint.sh"]' in text
    assert "requirements.txt" in text
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "var", "secrets", ".env"} <= set(ignored)


def test_the_dockerfile_and_scripts_pass_their_linters() -> None:
    hadolint = shutil.which("hadolint") or str(ROOT / ".venv" / "bin" / "hadolint")
    shellcheck = shutil.which("shellcheck") or str(ROOT / ".venv" / "bin" / "shellcheck")
    lint = subprocess.run([hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    scripts = [str(DEPLOY / "entrypoint.sh"), str(DEPLOY / "make-secrets.sh")]
    check = subprocess.run([shellcheck, *scripts], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout


def test_the_systemd_units_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    require("systemd-analyze", analyze is not None, "systemd is not installed")
    units = []
    for unit in sorted((DEPLOY / "systemd").iterdir()):
        copy = tmp_path / unit.name
        copy.write_text(unit.read_text().replace("/opt/plexadmin", str(ROOT)))
        units.append(str(copy))
        text = unit.read_text()
        if unit.suffix == ".service":
            command = re.search(r"^ExecStart=/opt/plexadmin/deploy/entrypoint.sh (\S+)",
                                text, flags=re.MULTILINE)  # fmt: skip
            assert command is not None
            assert command.group(1) in entrypoint_commands()
    result = subprocess.run(
        [str(analyze), "verify", "--man=no", *units], capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_the_compose_redis_command_sets_a_password_aof_and_noeviction(tmp_path: Path) -> None:
    """compose.yaml's own Redis command line, run here against this machine's redis-server."""
    binary = shutil.which("redis-server")
    require("redis-server", binary is not None, "redis-server is not installed")
    command = compose()["services"]["redis"]["command"]
    assert command[:2] == ["sh", "-c"]
    (tmp_path / "redis_password").write_text("compose-redis-test-password\n")
    script = (
        command[2]
        .replace("$$", "$")
        .replace("/run/secrets/", f"{tmp_path}/")
        .replace("/tmp/redis-auth.conf", str(tmp_path / "auth.conf"))  # noqa: S108
    )
    port = free_port()
    server = subprocess.Popen(
        ["sh", "-c", f"{script} --port {port} --bind 127.0.0.1 --dir {tmp_path}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        client = redis.Redis(port=port, password="compose-redis-test-password")
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.1)
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(port=port).ping()
        assert client.config_get("appendonly") == {"appendonly": "yes"}
        assert client.config_get("appendfsync") == {"appendfsync": "everysec"}
        assert client.config_get("maxmemory-policy") == {"maxmemory-policy": "noeviction"}
        # exec: redis-server is the process compose stops, and SIGTERM stops it cleanly.
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=20) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_the_caddyfile_is_valid(tmp_path: Path) -> None:
    caddy = shutil.which("caddy")
    require("Caddy", caddy is not None, "caddy is not installed (apt-get install caddy)")
    env = {
        **os.environ,
        "PUBLIC_BASE_URL": "https://plex-admin.example.org",
        "PLEXADMIN_UPSTREAM": "web:8000",
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path),
    }
    result = subprocess.run(
        [str(caddy), "adapt", "--config", str(DEPLOY / "Caddyfile"), "--adapter", "caddyfile",
         "--validate"],
        capture_output=True, text=True, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert '"upstreams":[{"dial":"web:8000"}]' in result.stdout
    assert '"host":["plex-admin.example.org"]' in result.stdout


def metric_names_in(text: str) -> set[str]:
    names = set(re.findall(r"\b(plexadmin_[a-z_]+)", text))
    return {re.sub(r"_(bucket|sum|count|total)$", "", name) for name in names}


@pytest.mark.django_db
def test_the_dashboard_and_alerts_use_metrics_that_exist(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from plexadmin.metrics import registry

    settings.METRICS_SQLITE_PATH = tmp_path / "metrics.sqlite3"
    exported = {family.name for family in registry.collect()}
    dashboard = (DEPLOY / "grafana" / "plexadmin-dashboard.json").read_text()
    alerts = (DEPLOY / "prometheus" / "plexadmin-alerts.yml").read_text()
    yaml.safe_load(alerts)
    assert metric_names_in(dashboard) <= exported
    assert metric_names_in(alerts) <= exported
    scrape = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    job = scrape["scrape_configs"][0]
    assert job["metrics_path"] == "/metrics"
    assert job["authorization"]["type"] == "Bearer"
