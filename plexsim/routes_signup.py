"""Creating a plex.tv account, so an invitee with no account can join through a link.

POST plex.tv/api/v2/users with form fields email, username, password: the sign-up the
Plex apps and app.plex.tv use. ASSUMED: the exact field names and the answer (the same
`<user>` document as sign-in, status 201) — the public clients we read only sign in.
ASSUMED: 422 with code 1003 for an e-mail or username already taken (the code number is
ours; plex.tv's documented error shape is kept). A new account's e-mail counts as verified,
so accepting a share works at once (plex.tv refuses the accept for unverified e-mails).
"""

from __future__ import annotations

import re

from plexsim import ops
from plexsim.model import Account, SimError
from plexsim.render import Reply
from plexsim.routes_account import device_about, user_reply
from plexsim.routing import Ctx, route

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,40}$")


@route("/api/v2/users", "POST", auth=False)
def sign_up(ctx: Ctx) -> Reply:
    fields = ctx.body()
    email = str(fields.get("email") or fields.get("user[email]") or "").strip().lower()
    username = str(fields.get("username") or fields.get("user[username]") or "").strip()
    password = str(fields.get("password") or fields.get("user[password]") or "")
    if not EMAIL.match(email):
        raise SimError(422, 1003, "Email is invalid")
    if not USERNAME.match(username):
        raise SimError(422, 1003, "Username is invalid")
    if len(password) < 8:
        raise SimError(422, 1003, "Password is too short (minimum is 8 characters)")
    state = ctx.state
    if state.account_by_login(email) or state.account_by_login(username):
        raise SimError(422, 1003, "Email or username has already been taken")
    account = Account(
        id=state.new_id(),
        username=username,
        email=email,
        password=password,
        joinedAt=int(state.now()),
        emailVerified=True,
    )
    state.accounts[account.id] = account
    state.reindex()
    ops.claim_email_invites(state, account)
    token = ops.device_token(state, account, ctx.client_id, device_about(ctx))
    return user_reply(ctx, account, token, 201)
