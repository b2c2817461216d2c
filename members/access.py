"""A member's own picture, read from the synced tables in a fixed number of queries.

The member page must never wait on plex.tv and must not grow with the household: one query
for the member (with their account and when the sync last read plex.tv), one for their
shares, one for the libraries on those servers (each marked shared or not), one for their
requests. Everything else is worked out here in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Exists, OuterRef, StringAgg, Subquery, Value
from django.utils import timezone

from accounts.directory import MEDIA_WORDS, PROFILE_WORDS, describe_filter
from accounts.models import Member, User
from members.models import AccessRequest, Allowance
from sharing.models import Invite, Library, PlexUser, Share, ShareLibrary, SyncRun


@dataclass
class ServerView:
    share: Share
    libraries: list[Library] = field(default_factory=list)
    others: list[Library] = field(default_factory=list)  # on the server, not shared with them

    @property
    def filters(self) -> list[str]:
        """The content filters in words, one sentence per media type that has any."""
        sentences = []
        for media, label in MEDIA_WORDS:
            words = describe_filter(getattr(self.share, f"filter_{media}"))
            if words:
                sentences.append(f"{label}: {words}.")
        return sentences

    @property
    def until(self) -> str:
        """ "15 January", or "15 January 2028" when not this year."""
        end = self.share.expires_at
        if end is None:
            return ""
        local = timezone.localtime(end)
        if local.year == timezone.localtime().year:
            return f"{local.day} {local:%B}"
        return f"{local.day} {local:%B %Y}"


@dataclass
class MemberView:
    member: Member
    read_at: datetime | None
    servers: list[ServerView]
    requests: list[AccessRequest]
    restriction_profile: str = ""
    invited_to: list[str] = field(default_factory=list)  # servers in the owner's pending invites
    may_invite: bool = False  # an admin gave them an invite allowance

    @property
    def pending(self) -> list[str]:
        """The servers shared with them that they have not accepted yet."""
        names = [view.share.server.name for view in self.servers if view.share.pending]
        return names + sorted(name for name in self.invited_to if name not in names)

    @property
    def restriction_words(self) -> str:
        return PROFILE_WORDS.get(self.restriction_profile, self.restriction_profile)


def member_with_read_at(user: User) -> Member | None:
    """The signed-in user's Member row with their Plex account, the last good sync time and
    the servers of the owner's invites still waiting for them (one query). Cached on the user
    so the top bar's `user.member` asks nothing more."""
    last = (
        SyncRun.objects.filter(outcome__in=[SyncRun.SUCCEEDED, SyncRun.WARNING])
        .order_by("-finished_at")
        .values("finished_at")[:1]
    )
    invited = (
        Invite.objects.filter(invited_plex_id=OuterRef("plex_account__plex_id"))
        .values("invited_plex_id")
        .annotate(names=StringAgg("server__name", delimiter=Value("\n")))
        .values("names")
    )
    member = (
        Member.objects.select_related("plex_account", "user")
        .annotate(
            read_at=Subquery(last),
            invited_to=Subquery(invited),
            may_invite=Exists(
                Allowance.objects.filter(member=OuterRef("pk"), revoked_at__isnull=True)
            ),
        )
        .filter(user_id=user.pk)
        .first()
    )
    if member is not None:
        user._state.fields_cache["member"] = member
    return member


def member_view(member: Member) -> MemberView:
    read_at: datetime | None = getattr(member, "read_at", None)
    plex_id = member.plex_account.plex_id
    shares = list(
        Share.objects.filter(
            user__plex_id=plex_id,
            user__removed_locally_at__isnull=True,
            server__missing_since__isnull=True,
        )
        .select_related("server", "user")
        .order_by("server__name")
    )
    servers = [ServerView(share) for share in shares]
    if shares:
        _fill_libraries(servers, plex_id)
    requests = list(
        AccessRequest.objects.filter(requester_id=member.user_id)
        .select_related("library", "share__server")
        .order_by("-created_at")[:20]
    )
    person: PlexUser | None = shares[0].user if shares else None
    return MemberView(
        member=member,
        read_at=read_at,
        servers=servers,
        requests=requests,
        restriction_profile=person.restriction_profile if person else "",
        invited_to=[n for n in (getattr(member, "invited_to", None) or "").split("\n") if n],
        may_invite=bool(getattr(member, "may_invite", False)),
    )


def _fill_libraries(servers: list[ServerView], plex_id: int) -> None:
    by_server = {view.share.server_id: view for view in servers}
    shared = ShareLibrary.objects.filter(library=OuterRef("pk"), share__user__plex_id=plex_id)
    libraries = (
        Library.objects.filter(server_id__in=by_server, missing_since__isnull=True)
        .annotate(is_shared=Exists(shared))
        .order_by("server_id", "title")
    )
    for library in libraries:
        view = by_server[library.server_id]
        if view.share.all_libraries or library.is_shared:  # type: ignore[attr-defined]
            view.libraries.append(library)
        else:
            view.others.append(library)
