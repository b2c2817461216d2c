"""Set up the load run's household and admins, and write what the simulated users need.

Run by run.py in the harness's environment (`python bench/load/setup_data.py OUT.json USERS
ADMINS MEMBERS LINKS USES`), after migrate and with plexsim up and not yet faulty: the owner
signs in (their token stored as sign-in stores it), one sync reads plexsim's generated
household, the first ADMINS friends become co-admins and the next MEMBERS friends members, each
with a signed-in session, the owner makes LINKS invite links of USES uses each, and OUT.json
lists the sessions, the people, each share's edit form, the friends the run may remove (none of
them an admin or a member) and the links' codes.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plexadmin.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.middleware.csrf import _get_new_csrf_string  # noqa: E402

from accounts.models import Household, Member, PlexAccount, User  # noqa: E402
from joins import services as joins  # noqa: E402
from plexsim.seeds import OWNER_ID, generated_state  # noqa: E402
from sharing.forms import ShareEditForm  # noqa: E402
from sharing.models import Library, PlexUser, Server, Share  # noqa: E402
from sharing.sync.runs import run_sync  # noqa: E402

OWNER_TOKEN = "gen-owner-token-0001"  # noqa: S105 - plexsim's generated owner; the run searches for it
BACKEND = "django.contrib.auth.backends.ModelBackend"


def signed_in(user: User) -> dict[str, str]:
    """A session as a sign-in leaves it, and a CSRF secret for the browser's cookie."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = BACKEND
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return {
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "session": session.session_key or "",
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "csrf": _get_new_csrf_string(),
        "username": user.username,
    }


def account_user(plex_id: int, username: str, role: str, token: str | None = None) -> User:
    account = PlexAccount(
        plex_id=plex_id, username=username, email=f"{username}@example.com", title=username
    )
    if token:
        account.set_token(token)
    account.save()
    user = User.objects.create_user(username=f"plex-{plex_id}", plex_account=account)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    Member.objects.create(user=user, plex_account=account, role=role)
    return user


def edit_body(share: Share) -> dict[str, object]:
    ids = sorted(share.libraries.values_list("global_id", flat=True))
    body: dict[str, object] = {}
    for name, value in ShareEditForm.initial_for(share, ids).items():
        if value is None or value is False or name == "key":
            continue
        body[name] = "on" if value is True else value
    return body


def invite_links(
    owner: User, machine: str, libraries: list[int], count: int, uses: int
) -> list[dict[str, object]]:
    """Links as the owner makes them on the links screen: two libraries of the first server."""
    grants = {"servers": [{"machine": machine, "libraries": libraries[:2], "access": {}}]}
    made = []
    for n in range(count):
        data = {"label": f"load link {n + 1}", "grants": grants, "max_uses": uses}
        link, code = joins.create_link(data, owner)
        made.append({"id": link.pk, "label": link.label, "code": code, "max_uses": uses})
    return made


def main(out: Path, users: int, admins: int, members: int, links: int, uses: int) -> None:
    state = generated_state(users)
    first_server = sorted(state.servers.values(), key=lambda s: s.serverId)[0]
    owner = account_user(OWNER_ID, "owner", Member.Role.OWNER, token=OWNER_TOKEN)
    Household.objects.create(
        owner=owner.plex_account,
        name="Owner's household",
        machine_identifier=first_server.machineIdentifier,
        server_name=first_server.name,
    )
    run = run_sync()
    if run is None or run.outcome == run.FAILED:
        raise SystemExit(f"the first sync failed: {run and run.error_message}")
    friends = list(
        PlexUser.objects.filter(kind=PlexUser.FRIEND, removed_locally_at=None).order_by("plex_id")
    )
    assert len(friends) > admins + members + 20, f"only {len(friends)} friends"
    sessions = [signed_in(owner)]
    for friend in friends[: admins - 1]:
        user = account_user(friend.plex_id, friend.username or f"f{friend.plex_id}", "co_admin")
        sessions.append(signed_in(user))
    member_sessions = []
    for friend in friends[admins - 1 : admins - 1 + members]:
        user = account_user(
            friend.plex_id, friend.username or f"f{friend.plex_id}", Member.Role.MEMBER
        )
        member_sessions.append(signed_in(user))
    shares = [
        {"id": s.pk, "shared_server_id": s.shared_server_id, "body": edit_body(s)}
        for s in Share.objects.filter(user__in=friends[admins:]).select_related("user")
    ]
    libraries = list(
        Library.objects.filter(server__machine_identifier=first_server.machineIdentifier)
        .order_by("global_id")
        .values_list("global_id", flat=True)[:3]
    )
    doc = {
        "owner_token": OWNER_TOKEN,
        "sessions": sessions,
        "member_sessions": member_sessions,
        "people": list(PlexUser.objects.values_list("pk", flat=True)),
        "shares": shares,
        # Removals take friends from the end (never an admin or a member, whose role would end
        # with it), edits any share: the two may meet, as in life.
        "removable": [f.pk for f in friends[admins - 1 + members :]][::-1],
        "libraries": libraries,
        "servers": list(Server.objects.values_list("pk", flat=True)),
        "links": invite_links(owner, first_server.machineIdentifier, libraries, links, uses),
    }
    out.write_text(json.dumps(doc, indent=1))
    print(
        f"set up: {len(sessions)} admins, {len(member_sessions)} members, "
        f"{len(doc['people'])} people, {len(shares)} shares, {links} links of {uses} uses"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), *(int(a) for a in sys.argv[2:7]))
