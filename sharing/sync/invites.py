"""The sync's steps for pending invites: invites to a server, and invitations into the Home.

An invite plex.tv no longer lists is removed only when the server was read, no change to it is
in progress, and (when plex.tv lists none at all) it has turned into a share: an empty list
is more often a bad answer than every invite withdrawn at once.
"""

from __future__ import annotations

from django.db import transaction

from sharing.directory import end_roles_of_uninvited
from sharing.models import Invite, Operation
from sharing.sync.home_invites import apply_home_invites
from sharing.sync.observed import ObservedInvite
from sharing.sync.state import BATCH, Recorder


class InviteSteps(Recorder):
    def apply_invites(self) -> None:
        rows = {i.shared_server_id: i for i in Invite.objects.select_for_update()}
        links: dict[int, set[int]] = {}
        through = Invite.libraries.through
        for invite_id, gid in through.objects.values_list("invite_id", "library__global_id"):
            links.setdefault(invite_id, set()).add(gid)
        observed = self.observed.invites
        new: list[tuple[Invite, ObservedInvite]] = []
        changed: list[tuple[Invite, ObservedInvite]] = []
        for ssid, seen in observed.items():
            invite = rows.get(ssid)
            fields = {
                "server": self.servers[seen.machine_identifier],
                "email": seen.email,
                "username": seen.username,
                "invited_plex_id": seen.invited_plex_id,
                "all_libraries": seen.all_libraries,
            }
            if invite is None:
                invite = Invite(
                    shared_server_id=ssid,
                    created_at=seen.invited_at or self.now,
                    updated_at=self.now,
                    **fields,
                )
                new.append((invite, seen))
                continue
            if (Operation.TARGET_INVITE, str(invite.pk)) in self.pending:
                self.counts.skipped += 1
                continue
            if seen.invited_at is not None:
                # Sent is when plex.tv says it was sent, not when plexadmin first saw it.
                fields["created_at"] = seen.invited_at
            same = all(getattr(invite, k) == v for k, v in fields.items())
            if same and links.get(invite.pk, set()) == set(seen.libraries):
                self.counts.unchanged += 1
                continue
            for name, value in fields.items():
                setattr(invite, name, value)
            invite.updated_at = self.now
            changed.append((invite, seen))
        if new:
            Invite.objects.bulk_create([i for i, _ in new], batch_size=BATCH)
            self.counts.created += len(new)
            for invite, _ in new:
                self.audit("invite", invite.shared_server_id, invite.address, "invite.found", [])
        if changed:
            Invite.objects.bulk_update(
                [i for i, _ in changed],
                [
                    "server",
                    "email",
                    "username",
                    "invited_plex_id",
                    "all_libraries",
                    "created_at",
                    "updated_at",
                ],
            )
            through.objects.filter(invite_id__in=[i.pk for i, _ in changed]).delete()
            self.counts.updated += len(changed)
        fresh = new + changed
        if fresh:
            through.objects.bulk_create(
                [
                    through(invite_id=invite.pk, library_id=self.libraries[gid].pk)
                    for invite, seen in fresh
                    for gid in seen.libraries
                    if gid in self.libraries
                ],
                batch_size=BATCH,
            )
        self.remove_vanished_invites(rows, observed)

    def apply_home_invites(self) -> None:
        changes = apply_home_invites(self.observed, self.pending, self.now)
        for row in changes.created:
            self.audit("homeinvite", row.plex_id, row.address, "home_invite.found", [])
        for row in changes.removed:
            self.audit("homeinvite", row.plex_id, row.address, "home_invite.gone", [])
        self.counts.created += len(changes.created)
        self.counts.updated += changes.updated
        self.counts.unchanged += changes.unchanged
        self.counts.skipped += changes.skipped
        self.counts.removed += len(changes.removed)
        self.warnings.extend(changes.warnings)

    def remove_vanished_invites(
        self, rows: dict[int, Invite], observed: dict[int, ObservedInvite]
    ) -> None:
        share_ids = {s.shared_server_id for s in self.observed.shares.values()}
        read = {self.servers[m].pk for m in self.observed.servers}
        gone = [
            invite
            for ssid, invite in rows.items()
            if ssid not in observed
            and invite.server_id in read
            and (Operation.TARGET_INVITE, str(invite.pk)) not in self.pending
        ]
        # An empty invite list is trusted only for invites that turned into shares.
        if gone and not observed:
            accepted = [i for i in gone if i.shared_server_id in share_ids]
            if len(accepted) < len(gone):
                self.warnings.append(
                    f"plex.tv returned no pending invites; {len(gone)} expected. "
                    "They are kept until plex.tv confirms."
                )
            gone = accepted
        if not gone:
            return
        for invite in gone:
            self.audit("invite", invite.shared_server_id, invite.address, "invite.gone", [])
        Invite.objects.filter(pk__in=[i.pk for i in gone]).delete()
        self.counts.removed += len(gone)
        # An accepted invite became a share (its person arrives with the users' list).
        withdrawn = [i.invited_plex_id for i in gone if i.shared_server_id not in share_ids]
        transaction.on_commit(lambda: end_roles_of_uninvited(withdrawn))
