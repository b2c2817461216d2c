"""What each pytest-xdist worker gets of its own, so that tests on two workers never meet.

The test database gets the worker's suffix from pytest-django (test_<name>_gw0, …). Redis and
the var folder (the filesystem broker, the file cache, generated secrets) come from the
environment when Django reads its settings, so the repository's conftest sets them per worker
before the worker starts (`pytest_xdist_setupnodes`). Ports come from the operating system
(`tests.processes.free_port`), folders from tmp_path. No Django here: this runs first.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
REDIS_DATABASES = 16  # redis-server's default `databases`


def redis_url_for_worker(url: str, index: int) -> str:
    """The URL's database number plus the worker's index: gw0 keeps the configured one."""
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    number = base + index
    if number >= REDIS_DATABASES:
        raise ValueError(
            f"REDIS_URL {url}: worker {index} would need Redis database {number}; "
            "use a lower database number or fewer workers"
        )
    return urlunsplit(parts._replace(path=f"/{number}"))


def worker_environment(index: int, environ: Mapping[str, str]) -> dict[str, str]:
    """The variables worker `index` gets in place of the ones this run was started with."""
    var = Path(environ.get("PLEXADMIN_VAR_DIR") or ROOT / "var")
    env = {"PLEXADMIN_VAR_DIR": str(var / "xdist" / f"gw{index}")}
    if environ.get("REDIS_URL"):
        env["REDIS_URL"] = redis_url_for_worker(environ["REDIS_URL"], index)
    return env
