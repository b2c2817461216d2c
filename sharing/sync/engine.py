"""The sync engine: read the household from plex.tv, then bring the local rows in step.

Reading happens first and entirely (a fixed number of requests whatever the number of people);
writing happens after, in one transaction, so a failure at any point leaves the previous
picture intact. Rows are compared before writing: a resync that finds no change writes nothing.

Safety rules, in the order they apply to a row:

* a tombstoned person (removed here) is never brought back or updated;
* a row with a queued or running Operation is left alone (plex.tv may be about to change);
* a row whose ``version`` moved since the sync began reading has a newer local edit and is
  left alone until the next sync;
* a person plex.tv no longer lists is flagged "not on plex.tv", and removed locally only after
  ``SYNC_PRUNE_AFTER`` consecutive syncs that did not look like a broken answer (or when an
  admin confirms);
* a share is removed locally only when plex.tv still lists its person and that server's
  answer is not empty.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.membership import end_roles
from notify import events
from plextv import PlexTV
from sharing.models import (
    AuditEvent,
    Library,
    Operation,
    PlexUser,
    Server,
    Share,
    ShareLibrary,
    SyncRun,
)
from sharing.share_state import AccessState
from sharing.sync.invites import InviteSteps
from sharing.sync.observed import AUDITED_PERSON_FIELDS, PERSON_FIELDS, ObservedShare, observe
from sharing.sync.state import BATCH, LocalVersions, Person, Row, SyncResult

PERSON_COLUMNS = (
    "id",
    "plex_id",
    *PERSON_FIELDS,
    "missing_since",
    "missing_syncs",
    "removed_locally_at",
    "version",
)
SHARE_COLUMNS = (
    "id",
    "user_id",
    "server_id",
    "shared_server_id",
    "pending",
    "all_libraries",
    *Share.SETTING_FIELDS,
    "desired",
    "version",
)


def display_name(row: Row) -> str:
    """`PlexUser.display_name` of a row."""
    return row["title"] or row["username"] or row["email"] or f"#{row['plex_id']}"


def prune_after() -> int:
    return int(getattr(settings, "SYNC_PRUNE_AFTER", 3))


def servers_to_read(client: PlexTV, discover: bool) -> tuple[list[str], bool, list[str]]:
    """Machine identifiers to read, whether plex.tv was asked for them, and any warning.

    The owner's servers change rarely, so a sync reuses the ones it knows and asks plex.tv
    (one more request) only on the first sync or when `discover` is set.
    """
    known = list(
        Server.objects.filter(owned=True, missing_since__isnull=True).values_list(
            "machine_identifier", flat=True
        )
    )
    if known and not discover:
        return known, False, []
    owned = [r for r in client.resources() if r.owned and r.is_server]
    if not owned:
        if known:
            return known, True, ["plex.tv listed no servers of yours; the known ones were read."]
        return [], True, ["plex.tv lists no Plex Media Server owned by this account."]
    now = timezone.now()
    found = {r.client_identifier for r in owned}
    Server.objects.filter(owned=True, missing_since__isnull=True).exclude(
        machine_identifier__in=found
    ).update(missing_since=now, updated_at=now)
    return [r.client_identifier for r in owned], True, []


def sync_household(
    client: PlexTV, owner_plex_id: int, run: SyncRun, *, discover: bool = False
) -> SyncResult:
    """One complete sync. plextv errors propagate; nothing is written when one is raised."""
    sent_before = client.requests_sent
    versions = LocalVersions.capture()
    machines, discovered, warnings = servers_to_read(client, discover)
    household = client.read_household(machines)
    observed = observe(household, owner_plex_id, machines)
    warnings.extend(observed.warnings)
    with transaction.atomic():
        applier = Applier(observed, versions, run)
        applier.apply()
    return SyncResult(
        counts=applier.counts,
        requests=client.requests_sent - sent_before,
        discovered_servers=discovered,
        warnings=warnings + applier.warnings,
    )


def _pairs(changes: dict[str, tuple[Any, Any]]) -> list[dict[str, Any]]:
    return [{"field": name, "before": old, "after": new} for name, (old, new) in changes.items()]


class Applier(InviteSteps):
    """Writes one observed household into the database (inside the caller's transaction)."""

    def apply(self) -> None:
        self.apply_servers()
        self.apply_people()
        self.apply_shares()
        self.apply_invites()
        self.apply_home_invites()
        if self.events:
            AuditEvent.objects.bulk_create(self.events, batch_size=BATCH)

    # --- servers and libraries ------------------------------------------------------------

    def apply_servers(self) -> None:
        existing = {s.machine_identifier: s for s in Server.objects.all()}
        for machine, name in self.observed.servers.items():
            server = existing.get(machine)
            if server is None:
                server = Server.objects.create(
                    machine_identifier=machine, name=name, created_at=self.now, updated_at=self.now
                )
                self.counts.created += 1
                self.audit("server", machine, name, "server.found", [])
            elif server.name != name or not server.owned or server.missing_since is not None:
                server.name, server.owned, server.missing_since = name, True, None
                server.updated_at = self.now
                server.save(update_fields=["name", "owned", "missing_since", "updated_at"])
                self.counts.updated += 1
            self.servers[machine] = server
        self.libraries = {lib.global_id: lib for lib in Library.objects.all()}
        new: list[Library] = []
        changed: list[Library] = []
        for machine, sections in self.observed.sections.items():
            server = self.servers[machine]
            foreign = [
                section.title
                for section in sections
                if section.global_id in self.libraries
                and self.libraries[section.global_id].server_id != server.pk
            ]
            if foreign:
                # Global section ids are plex.tv's, unique across servers: an answer listing
                # another server's libraries is about the wrong machine.
                self.warnings.append(
                    f"plex.tv listed libraries of another server ({', '.join(foreign)}) under "
                    f"{server.name}; its libraries were left as they were."
                )
                continue
            seen = set()
            for section in sections:
                seen.add(section.global_id)
                lib = self.libraries.get(section.global_id)
                if lib is None:
                    lib = Library(
                        server=server,
                        global_id=section.global_id,
                        key=section.key,
                        title=section.title,
                        type=section.type,
                    )
                    new.append(lib)
                    self.libraries[section.global_id] = lib
                    continue
                wanted = (server.pk, section.key, section.title, section.type, None)
                if (lib.server_id, lib.key, lib.title, lib.type, lib.missing_since) != wanted:
                    lib.server, lib.key, lib.title, lib.type = (
                        server,
                        section.key,
                        section.title,
                        section.type,
                    )
                    lib.missing_since = None
                    changed.append(lib)
            # An empty section list is more likely a bad answer than a server with no
            # libraries left, so it flags nothing.
            if sections:
                for lib in self.libraries.values():
                    if (
                        lib.pk
                        and lib.server_id == server.pk
                        and lib.global_id not in seen
                        and lib.missing_since is None
                    ):
                        lib.missing_since = self.now
                        changed.append(lib)
        if new:
            Library.objects.bulk_create(new, batch_size=BATCH)
            self.counts.created += len(new)
        if changed:
            Library.objects.bulk_update(
                changed, ["server", "key", "title", "type", "missing_since"], batch_size=BATCH
            )
            self.counts.updated += len(changed)

    # --- people ---------------------------------------------------------------------------

    def is_held(self, kind: str, row_id: int, version: int, snapshot: dict[int, int]) -> bool:
        """A pending operation, or a local edit (or creation) since the sync began reading."""
        return (kind, str(row_id)) in self.pending or snapshot.get(row_id) != version

    def person_held(self, row: Row) -> bool:
        return self.is_held(Operation.TARGET_USER, row["id"], row["version"], self.versions.people)

    def share_held(self, row: Row) -> bool:
        return self.is_held(Operation.TARGET_SHARE, row["id"], row["version"], self.versions.shares)

    def apply_people(self) -> None:
        # Plain rows, not model instances: a resync compares thousands of people and changes
        # few, so only the rows that change become instances (for bulk_update).
        rows = list(PlexUser.objects.select_for_update().values(*PERSON_COLUMNS))
        by_plex_id = {row["plex_id"]: row for row in rows}
        self.users = {row["plex_id"]: Person(row["id"], display_name(row)) for row in rows}
        active = [row for row in rows if row["removed_locally_at"] is None]
        observed = self.observed.people
        new: list[PlexUser] = []
        changed: list[PlexUser] = []
        updated = 0
        for plex_id, person in observed.items():
            row = by_plex_id.get(plex_id)
            if row is None:
                new.append(
                    PlexUser(
                        plex_id=plex_id, created_at=self.now, updated_at=self.now, **person.values()
                    )
                )
                continue
            if row["removed_locally_at"] is not None or self.person_held(row):
                self.held_users.add(plex_id)
                self.counts.skipped += 1
                continue
            values = person.values()
            if not values["uuid"]:
                values["uuid"] = row["uuid"]  # only the Home list tells uuids; keep what we know
            differences = {
                name: (row[name], value) for name, value in values.items() if row[name] != value
            }
            came_back = row["missing_since"] is not None
            if not differences and not came_back:
                self.counts.unchanged += 1
                continue
            user = PlexUser(**row)
            for name, (_, value) in differences.items():
                setattr(user, name, value)
            if came_back:
                self.audit("plexuser", plex_id, user.display_name, "person.back", [])
                user.missing_since, user.missing_syncs = None, 0
            audited = {k: v for k, v in differences.items() if k in AUDITED_PERSON_FIELDS}
            if audited:
                self.audit(
                    "plexuser", plex_id, user.display_name, "person.changed", _pairs(audited)
                )
            user.version += 1
            user.updated_at = self.now
            changed.append(user)
            self.users[plex_id] = Person(user.pk, user.display_name)
            updated += 1

        missing = [row for row in active if row["plex_id"] not in observed]
        suspicious = self.answer_looks_broken(active, missing)
        for row in missing:
            self.held_users.add(row["plex_id"])
            if self.person_held(row):
                self.counts.skipped += 1
                continue
            user = PlexUser(**row)
            if user.missing_since is None:
                user.missing_since = self.now
                self.audit("plexuser", user.plex_id, user.display_name, "person.missing", [])
            user.missing_syncs += 1
            if not suspicious and user.missing_syncs >= prune_after():
                user.removed_locally_at = self.now
                self.audit(
                    "plexuser",
                    user.plex_id,
                    user.display_name,
                    "person.removed",
                    [{"field": "missing_syncs", "before": None, "after": user.missing_syncs}],
                )
                self.counts.removed += 1
            else:
                self.counts.flagged += 1
            user.version += 1
            user.updated_at = self.now
            changed.append(user)

        if new:
            PlexUser.objects.bulk_create(new, batch_size=BATCH)
            self.counts.created += len(new)
            for user in new:
                self.users[user.plex_id] = Person(user.pk, user.display_name)
                self.new_people.add(user.plex_id)
                self.audit("plexuser", user.plex_id, user.display_name, "person.found", [])
        if changed:
            PlexUser.objects.bulk_update(
                changed,
                [
                    *PERSON_FIELDS,
                    "missing_since",
                    "missing_syncs",
                    "removed_locally_at",
                    "version",
                    "updated_at",
                ],
                batch_size=BATCH,
            )
            self.counts.updated += updated
        removed = [u for u in changed if u.removed_locally_at == self.now]
        if removed:
            Share.objects.filter(user_id__in=[u.pk for u in removed]).delete()
            end_roles([u.plex_id for u in removed])

    def answer_looks_broken(self, active: list[Row], missing: list[Row]) -> bool:
        """An empty list, or one that lost most people at once, is flagged but never pruned.

        Friends come from plex.tv's users list and Home members from the Home list, so each
        list is judged on its own: an empty friends list beside a full Home list is still a
        broken answer.
        """
        broken = False
        observed = list(self.observed.people.values())
        for label, is_home in (("users", False), ("Home members", True)):
            expected = sum(1 for row in active if row["home"] == is_home)
            returned = sum(1 for person in observed if person.home == is_home)
            if expected and not returned:
                self.warnings.append(f"plex.tv returned 0 {label}; {expected} expected.")
                broken = True
        if not broken and len(missing) > 2 and len(missing) * 2 > len(active):
            self.warnings.append(
                f"plex.tv's answer left out {len(missing)} of {len(active)} people; they are "
                "flagged and nobody was removed."
            )
            broken = True
        return broken

    # --- shares ---------------------------------------------------------------------------

    def apply_shares(self) -> None:
        rows = list(Share.objects.select_for_update().values(*SHARE_COLUMNS))
        library_ids = {lib.pk: lib.global_id for lib in self.libraries.values() if lib.pk}
        current: dict[int, set[int]] = {}
        for share_id, library_id in ShareLibrary.objects.values_list("share_id", "library_id"):
            current.setdefault(share_id, set()).add(library_ids.get(library_id, -library_id))
        by_key = {(row["user_id"], row["server_id"]): row for row in rows}
        seen: set[int] = set()
        new: list[tuple[Share, ObservedShare]] = []
        changed: list[Share] = []
        link_add: list[tuple[Share, int]] = []
        link_remove: list[tuple[int, int]] = []
        for observed in self.observed.shares.values():
            if observed.user_plex_id in self.held_users:
                continue
            user = self.users[observed.user_plex_id]
            server = self.servers[observed.machine_identifier]
            row = by_key.get((user.pk, server.pk))
            if row is None:
                share = Share(
                    user_id=user.pk,
                    server=server,
                    shared_server_id=observed.shared_server_id,
                    pending=observed.pending,
                    all_libraries=observed.all_libraries,
                    desired=observed.state().to_params(),
                    created_at=self.now,
                    updated_at=self.now,
                    **observed.settings,
                )
                new.append((share, observed))
                continue
            seen.add(row["id"])
            if self.share_held(row):
                self.counts.skipped += 1
                continue
            before = AccessState.from_row(row, row["all_libraries"], current.get(row["id"], ()))
            after = observed.state()
            differences = before.diff(after)
            meta_changed = (row["shared_server_id"], row["pending"]) != (
                observed.shared_server_id,
                observed.pending,
            )
            if not differences and not meta_changed:
                self.counts.unchanged += 1
                continue
            share = Share(**row)
            for name, (_, value) in differences.items():
                if name != "libraries":
                    setattr(share, name, value)
            if "libraries" in differences:
                old, wanted = set(before.libraries), set(after.libraries)
                link_add.extend((share, gid) for gid in wanted - old)
                link_remove.extend((share.pk, gid) for gid in old - wanted)
            share.shared_server_id, share.pending = observed.shared_server_id, observed.pending
            # Of what changed, what now differs from the dashboard's wish (a field it never
            # stated a wish for counts as wished unchanged).
            wished = {**before.to_params(), **(row["desired"] or {})}
            drifted = {d.field for d in after.drift(wished)}
            drift = {k: v for k, v in differences.items() if k in drifted}
            if drift:
                label = f"{user.label} on {server.name}"
                self.audit("share", share.pk, label, "share.drift", _pairs(drift))
                events.emit(
                    events.DRIFT_FOUND,
                    key=f"sync-{self.run.pk}-share-{share.pk}",
                    context={"target": label, "fields": ", ".join(drift), "path": "/drift/"},
                )
            share.version += 1
            share.updated_at = self.now
            changed.append(share)

        self.remove_vanished_shares(rows, seen)
        if new:
            Share.objects.bulk_create([s for s, _ in new], batch_size=BATCH)
            self.counts.created += len(new)
            for share, observed in new:
                link_add.extend((share, gid) for gid in observed.libraries)
                if observed.user_plex_id not in self.new_people:
                    user = self.users[observed.user_plex_id]
                    label = f"{user.label} on {share.server.name}"
                    self.audit("share", share.pk, label, "share.found", [])
        if changed:
            Share.objects.bulk_update(
                changed,
                [
                    *Share.SETTING_FIELDS,
                    "all_libraries",
                    "shared_server_id",
                    "pending",
                    "version",
                    "updated_at",
                ],
                batch_size=BATCH,
            )
            self.counts.updated += len(changed)
        self.write_links(link_add, link_remove)

    def remove_vanished_shares(self, rows: list[Row], seen: set[int]) -> None:
        observed_servers = {self.servers[m].pk for m in self.observed.servers}
        listed = {self.users[p].pk for p in self.observed.people if p not in self.held_users}
        answered = {self.servers[s.machine_identifier].pk for s in self.observed.shares.values()}
        gone: list[Row] = []
        for row in rows:
            if row["id"] in seen or row["server_id"] not in observed_servers:
                continue
            if row["user_id"] not in listed:
                continue  # the person is missing or held: flagged above, shares kept
            if row["server_id"] not in answered:
                continue  # no share at all on that server: a bad answer, not an unshare
            if self.share_held(row):
                self.counts.skipped += 1
                continue
            gone.append(row)
        if not gone:
            return
        users_by_pk = {person.pk: person for person in self.users.values()}
        servers_by_pk = {s.pk: s for s in self.servers.values()}
        for row in gone:
            user, server = users_by_pk[row["user_id"]], servers_by_pk[row["server_id"]]
            label = f"{user.label} on {server.name}"
            self.audit("share", row["id"], label, "share.removed", [])
        Share.objects.filter(pk__in=[row["id"] for row in gone]).delete()
        self.counts.removed += len(gone)

    def write_links(self, add: list[tuple[Share, int]], remove: list[tuple[int, int]]) -> None:
        if remove:
            by_share: dict[int, list[int]] = {}
            for share_id, gid in remove:
                by_share.setdefault(share_id, []).append(gid)
            for share_id, gids in by_share.items():
                ShareLibrary.objects.filter(share_id=share_id, library__global_id__in=gids).delete()
        links = [(share.pk, self.libraries[gid].pk) for share, gid in add if gid in self.libraries]
        if links:
            # Tens of thousands of two-integer rows: building model instances for them costs
            # more than the insert itself, so they go straight through the cursor.
            table = ShareLibrary._meta.db_table
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    # One statement with two arrays: PostgreSQL unpacks them server-side,
                    # several times faster than a statement per row.
                    cursor.execute(
                        f"INSERT INTO {table} (share_id, library_id) "  # noqa: S608
                        "SELECT * FROM unnest(%s::bigint[], %s::bigint[])",
                        [[share for share, _ in links], [library for _, library in links]],
                    )
                else:
                    cursor.executemany(
                        f"INSERT INTO {table} (share_id, library_id) VALUES (%s, %s)",  # noqa: S608
                        links,
                    )
