"""Secrets that development generates once and keeps under ``var/``.

A fresh clone must start with no configuration, yet a secret key that changes on every start
would log everyone out and make stored Plex tokens unreadable. So development writes each one
the first time it is needed, readable only by the owner, and reads it back afterwards.
Production never comes here: a missing secret there stops start-up (see settings).
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path


def generated_secret(path: Path, make: Callable[[], str]) -> str:
    try:
        existing = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        existing = ""
    if existing:
        return existing
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    # Write aside, then link into place: link fails if another process (web and worker start
    # together) got there first, and then both must use that one value.
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(value + "\n")
        try:
            os.link(temp_name, path)
        except FileExistsError:
            return path.read_text(encoding="utf-8").strip()
    finally:
        os.unlink(temp_name)
    return value


def new_secret_key() -> str:
    return secrets.token_urlsafe(50)


def new_fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode("ascii")


def new_client_identifier() -> str:
    return f"plexadmin-{secrets.token_hex(16)}"
