"""Real `celery worker` processes on SQLite under the test's folder, as the worker tests run
them (tests/processes.py), with a few helpers of the scenarios' own."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from tests.factories import DEN
from tests.processes import ROOT, manage, operation_row, stop
from tests.processes import celery_worker as start_worker
from tests.processes import wait_for_operation as wait_for
from tests.processes import wait_until as until
from tests.processes import worker_env as environment

__all__ = [
    "DEN",
    "ROOT",
    "edit_operations",
    "environment",
    "manage",
    "operation_row",
    "start_worker",
    "stop",
    "until",
    "wait_for",
]

# The owner, the household and a first sync; then one library edit per friend named, submitted
# as the console submits it. Prints "<operation id> <share id>" per friend.
EDIT_SETUP = """
from django.db import transaction
from accounts.models import Household, Member, PlexAccount, User
from sharing import operations
from sharing.models import Share
from sharing.sync.runs import run_sync

owner = PlexAccount(plex_id=1001001, username="morgan", email="morgan@example.com", title="Morgan")
owner.set_token("demo-owner-token-0001")
owner.save()
user = User.objects.create_user(username="plex-1001001", plex_account=owner)
Member.objects.create(user=user, plex_account=owner, role="owner")
Household.objects.create(owner=owner, name="h", machine_identifier="{den}", server_name="Den")
run_sync()
for username in {usernames!r}:
    share = Share.objects.get(user__username=username, server__machine_identifier="{den}")
    with transaction.atomic():
        op, _ = operations.submit(
            "share.edit", "share", share.pk,
            {{"label": username + " on Den", "changes": {changes!r}, "before": {{}}}},
            user, "scenario-edit-" + username,
        )
    print(op.pk, share.shared_server_id)
"""


def edit_operations(
    env: dict[str, str], usernames: list[str], changes: dict[str, Any] | None = None
) -> list[tuple[int, int]]:
    """Migrate, sync the demo household and submit one edit per friend, with no worker yet."""
    manage(env, "migrate", "--no-input", "-v", "0")
    code = EDIT_SETUP.format(den=DEN, usernames=usernames, changes=changes or {"allow_sync": True})
    out = manage(env, "shell", "-v", "0", "-c", code)
    rows = [line.split() for line in out.strip().splitlines()[-len(usernames) :]]
    return [(int(op), int(share)) for op, share in rows]


def database(tmp_path: Path) -> Path:
    return tmp_path / "var" / "plexadmin.sqlite3"


def lease(db: Path, op_id: int) -> tuple[Any, Any]:
    with sqlite3.connect(db, timeout=5) as conn:
        row = conn.execute(
            "SELECT lease_token, lease_expires_at FROM sharing_operation WHERE id = ?", (op_id,)
        ).fetchone()
    return row[0], row[1]
