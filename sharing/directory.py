"""Answers accounts' questions about the household (`accounts.directory`) from the synced
tables: whether a Plex account is in the household, and what is shared with it. No plex.tv
request is made here."""

from __future__ import annotations

from datetime import datetime

from accounts.directory import MemberAccess, ServerAccess, Standing
from accounts.models import PlexAccount, User
from sharing.models import Invite, PlexUser, Share, SyncRun


def invited(plex_id: int) -> bool:
    """An invite from the owner waits for this account (on a server still there)."""
    return Invite.objects.filter(
        invited_plex_id=plex_id, server__missing_since__isnull=True
    ).exists()


def end_roles_of_uninvited(plex_ids: list[int | None], actor: User | None = None) -> None:
    """Invites to these accounts are gone without becoming shares (withdrawn, or plex.tv no
    longer lists them): whoever of them is no longer in the household loses the role the invite
    gave them."""
    from accounts.membership import end_roles

    directory = SyncedDirectory()
    leaving = [i for i in plex_ids if i is not None and directory.standing(i) != Standing.IN]
    if leaving:
        end_roles(leaving, actor=actor)


class SyncedDirectory:
    def standing(self, plex_id: int) -> Standing:
        person = (
            PlexUser.objects.filter(plex_id=plex_id)
            .values("removed_locally_at", "missing_since")
            .first()
        )
        if person is not None and not person["removed_locally_at"] and not person["missing_since"]:
            return Standing.IN
        # Invited and not yet accepted: they may sign in, see the invite and accept it.
        if invited(plex_id):
            return Standing.IN
        if person is None:
            return Standing.UNKNOWN
        if person["removed_locally_at"] is not None:
            return Standing.GONE
        return Standing.UNKNOWN

    def access(self, plex_id: int) -> MemberAccess:
        read_at = last_read()
        person = PlexUser.objects.filter(plex_id=plex_id).first()
        standing = self.standing(plex_id)
        if person is None or standing == Standing.GONE:
            return MemberAccess(standing, read_at=read_at)
        shares = (
            Share.objects.filter(user=person, server__missing_since__isnull=True)
            .select_related("server")
            .prefetch_related("libraries")
            .order_by("server__name")
        )
        return MemberAccess(
            standing,
            servers=tuple(_server_access(share) for share in shares),
            restriction_profile=person.restriction_profile,
            read_at=read_at,
        )

    def email(self, person_id: int) -> str:
        """From the share list, or else from the person's own sign-in."""
        person = PlexUser.objects.filter(pk=person_id).values("email", "plex_id").first()
        if person is None:
            return ""
        if person["email"]:
            return str(person["email"])
        account = PlexAccount.objects.filter(plex_id=person["plex_id"]).values("email").first()
        return str(account["email"]) if account else ""

    def failed_syncs_in_a_row(self, at_most: int) -> int:
        outcomes = (
            SyncRun.objects.filter(finished_at__isnull=False)
            .exclude(outcome=SyncRun.SKIPPED)
            .order_by("-finished_at", "-pk")
            .values_list("outcome", flat=True)[:at_most]
        )
        count = 0
        for outcome in outcomes:
            if outcome != SyncRun.FAILED:
                break
            count += 1
        return count


def _server_access(share: Share) -> ServerAccess:
    libraries = sorted(
        (lib for lib in share.libraries.all() if lib.missing_since is None),
        key=lambda lib: (lib.key is None, lib.key or 0, lib.title),
    )
    return ServerAccess(
        server_name=share.server.name,
        pending=share.pending,
        all_libraries=share.all_libraries,
        libraries=tuple(lib.title for lib in libraries),
        allow_sync=share.allow_sync,
        allow_camera_upload=share.allow_camera_upload,
        allow_tuners=share.allow_tuners,
        filters={
            "movies": share.filter_movies,
            "television": share.filter_television,
            "music": share.filter_music,
            "photos": share.filter_photos,
            "all": share.filter_all,
        },
        expires_at=share.expires_at,
    )


def last_read() -> datetime | None:
    """When a sync last read the household successfully."""
    return (
        SyncRun.objects.filter(outcome__in=[SyncRun.SUCCEEDED, SyncRun.WARNING])
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
