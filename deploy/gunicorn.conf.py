"""gunicorn settings for plexadmin (``deploy/entrypoint.sh web``).

PLEXADMIN_BIND is where it listens (the image sets 0.0.0.0:8000; on a host, keep the default
127.0.0.1:8000 behind the reverse proxy). WEB_CONCURRENCY is gunicorn's own variable for the
number of worker processes. With LOG_FORMAT=json gunicorn's own lines are JSON too.
"""

from __future__ import annotations

import os

bind = [os.environ.get("PLEXADMIN_BIND") or "127.0.0.1:8000"]
workers = int(os.environ.get("WEB_CONCURRENCY") or "2")
# Pages answer from stored data within a few seconds; a request still running after this is
# stuck, and its worker is replaced.
timeout = 30
# SIGTERM lets requests in flight finish for up to this long; stop timeouts allow for it.
graceful_timeout = 25
# The workers' heartbeat files: memory, not the container's (possibly slow) overlay disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
# Request logs come from the reverse proxy; the request id ties them to plexadmin's log lines.
accesslog = None

if os.environ.get("LOG_FORMAT") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "plexadmin.logs.JsonFormatter"}},
        "filters": {"plex_tokens": {"()": "plextv.logging.TokenMaskingFilter"}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "filters": ["plex_tokens"],
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }
