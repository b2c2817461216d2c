"""Upgrading: a database at the previous release's schema, with a household in it, migrates to
this version's schema and everything in it still works.

PREVIOUS_RELEASE names the last migration of each of our apps in the previous release (the
first release, 0.1.0). When a release is cut, move it to that release's migrations: the test
then checks every migration added since, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from accounts import vault
from accounts.models import Household, User
from sharing.models import Operation, Share

pytestmark = pytest.mark.django_db(transaction=True)

PREVIOUS_RELEASE = {
    "plexadmin": "0001_initial",
    "accounts": "0002_plex_accounts_roles_pins",
    "sharing": "0002_operation_batches",
}
# Apps that came after the previous release and build on sharing's newer tables: not installed
# then (migrated to zero), so that they cannot pull sharing's schema forward.
ADDED_SINCE = ("lifecycle", "joins", "members")
TOKEN = "upgrade-owner-token-0001"


def targets(executor: MigrationExecutor, ours: dict[str, str]) -> list[tuple[str, str]]:
    """Every app at its newest migration, except ours at the ones given (and the apps added
    since left out)."""
    skip = set(ours) | set(ADDED_SINCE)
    leaves = [node for node in executor.loader.graph.leaf_nodes() if node[0] not in skip]
    return leaves + list(ours.items())


def before_upgrade(executor: MigrationExecutor) -> list[tuple[str, str | None]]:
    """The migration targets of the previous release: `targets`, and the apps added since at
    zero."""
    return [*targets(executor, PREVIOUS_RELEASE), *((app, None) for app in ADDED_SINCE)]


@pytest.fixture
def at_previous_release() -> Iterator[MigrationExecutor]:
    executor = MigrationExecutor(connection)
    executor.migrate(before_upgrade(executor))
    try:
        yield executor
    finally:
        # Whatever happened, the next test finds the current schema.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def seed_previous_release(executor: MigrationExecutor) -> None:
    """A household as the previous release stored it, through that release's models."""
    apps = executor.loader.project_state(targets(executor, PREVIOUS_RELEASE)).apps
    account = apps.get_model("accounts", "PlexAccount").objects.create(
        plex_id=1001001, username="morgan", email="morgan@example.com", title="Morgan",
        token_ciphertext=vault.encrypt(TOKEN),
    )  # fmt: skip
    user = apps.get_model("accounts", "User").objects.create(
        username="plex-1001001", plex_account=account
    )
    apps.get_model("accounts", "Member").objects.create(user=user, plex_account=account,
                                                        role="owner")  # fmt: skip
    apps.get_model("accounts", "Household").objects.create(
        owner=account, name="Morgan's household",
        machine_identifier="07b33a43085dc2635f0bb026696069991fae76dc", server_name="Morgan's Den",
    )  # fmt: skip
    server = apps.get_model("sharing", "Server").objects.create(
        machine_identifier="07b33a43085dc2635f0bb026696069991fae76dc", name="Morgan's Den"
    )
    movies = apps.get_model("sharing", "Library").objects.create(
        server=server, global_id=118181361, key=1, title="Movies", type="movie"
    )
    priya = apps.get_model("sharing", "PlexUser").objects.create(
        plex_id=3007, username="priya", title="Priya Upgraded"
    )
    share = apps.get_model("sharing", "Share").objects.create(
        user=priya, server=server, shared_server_id=30007, allow_sync=True,
        filter_movies="label!=Horror",
    )  # fmt: skip
    share.libraries.add(movies)
    apps.get_model("sharing", "Operation").objects.create(
        kind="share.edit", target_type="share", target_id=str(share.pk),
        params={"label": "before the upgrade"}, idempotency_key="upgrade-0001", state="succeeded",
        attempts=1,
    )  # fmt: skip
    apps.get_model("sharing", "SyncRun").objects.create(outcome="succeeded", duration=2.5)


def test_a_database_from_the_previous_release_migrates_and_keeps_working(
    at_previous_release: MigrationExecutor,
) -> None:
    seed_previous_release(at_previous_release)

    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) is not None
    executor.migrate(executor.loader.graph.leaf_nodes())

    household = Household.current()
    assert household is not None
    assert household.owner.get_token() == TOKEN
    share = Share.objects.get(shared_server_id=30007)
    assert list(share.libraries.values_list("title", flat=True)) == ["Movies"]
    assert share.filter_movies == "label!=Horror"
    assert Operation.objects.get(idempotency_key="upgrade-0001").state == Operation.SUCCEEDED

    client = Client()
    client.force_login(User.objects.get(username="plex-1001001"))
    people = client.get("/people/")
    assert people.status_code == 200
    assert "Priya Upgraded" in people.content.decode()
    assert client.get("/audit/").status_code == 200
    assert client.get("/sharing/sync/").status_code == 200


def test_the_previous_release_is_a_state_this_version_knows() -> None:
    """If a migration of the previous release were squashed or renamed, upgrading from it
    would break: every one of them must still be in this version's graph."""
    executor = MigrationExecutor(connection)
    for app, name in PREVIOUS_RELEASE.items():
        assert (app, name) in executor.loader.graph.nodes
