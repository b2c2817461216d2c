"""The plex.tv/link page: enter the 4-character code a device shows, sign in, approve.

A device without a browser (or a browser without JavaScript) creates a PIN and shows its code;
the person opens plex.tv/link anywhere, signs in and enters it. This stand-in is one plain
HTML form, served under a Content-Security-Policy that allows no script at all, so it works
with JavaScript off. Submitting it signs in (the sign-in route's rules, 2FA included, and the
browser becomes a "Plex Web" device of the account, as a sign-in on plex.tv does) and links
the PIN exactly as `PUT /api/v2/pins/link` does.
"""

from __future__ import annotations

from html import escape

from plexsim import ops
from plexsim.model import SimError
from plexsim.render import Reply
from plexsim.routes_account import check_credentials, link_pin, linkable_pin
from plexsim.routing import Ctx, route

WEB = "plex.tv (web)"
BROWSER = {"product": "Plex Web", "name": "Plex Web (plexsim link page)", "platform": "Chrome"}
BROWSER_CLIENT = "plexsim-link-page"
_CSP = "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'"
_MESSAGES = {
    1001: "That username or password is not right.",
    1020: "That code is not valid or has expired. Check the code on your device.",
    1029: "Enter the two-factor code from your authenticator app.",
}


@route("/link", "GET", "POST", host=WEB, auth=False)
def link_page(ctx: Ctx) -> Reply:
    if ctx.request.method == "GET":
        return _page(_form())
    form = ctx.request.form
    fields = {name: form.get(name, "").strip() for name in ("code", "login", "verificationCode")}
    state = ctx.state
    try:
        pin = linkable_pin(state, fields["code"])
        account = check_credentials(
            state, fields["login"], form.get("password", ""), fields["verificationCode"]
        )
    except SimError as error:
        message = _MESSAGES.get(error.code, error.message)
        return _page(_form(fields, message, two_factor=error.code == 1029), status=400)
    ops.device_token(state, account, BROWSER_CLIENT, BROWSER)
    link_pin(state, pin, account)
    ctx.sim.save()
    done = (
        "<h1>Device linked</h1>\n"
        f"<p><strong>{escape(pin.product or 'Your device')}</strong> is now signed in to Plex as "
        f"<strong>{escape(account.title)}</strong>. You can close this page.</p>\n"
    )
    return _page(done)


def _form(
    fields: dict[str, str] | None = None, message: str = "", *, two_factor: bool = False
) -> str:
    values = {name: escape(value, quote=True) for name, value in (fields or {}).items()}
    alert = f'<p class="message" role="alert">{escape(message)}</p>\n' if message else ""
    code_hint = " (required for this account)" if two_factor else " (if your account uses one)"
    return (
        "<h1>Link a device</h1>\n"
        '<p class="note">Simulated plex.tv: enter the code your device shows, then sign in to '
        "approve it.</p>\n"
        f"{alert}"
        '<form method="post" action="/link">\n'
        '<label for="code">Code</label>\n'
        f'<input id="code" name="code" value="{values.get("code", "")}" maxlength="4" '
        'autocomplete="off" autocapitalize="characters" spellcheck="false" required>\n'
        '<label for="login">Username or e-mail</label>\n'
        f'<input id="login" name="login" value="{values.get("login", "")}" '
        'autocomplete="username" required>\n'
        '<label for="password">Password</label>\n'
        '<input id="password" name="password" type="password" '
        'autocomplete="current-password" required>\n'
        f'<label for="verificationCode">Two-factor code{code_hint}</label>\n'
        '<input id="verificationCode" name="verificationCode" inputmode="numeric" '
        'autocomplete="one-time-code">\n'
        '<button type="submit">Link</button>\n'
        "</form>\n"
    )


def _page(content: str, status: int = 200) -> Reply:
    body = (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>Link a device (plexsim)</title>\n"
        '<link rel="stylesheet" href="/auth/auth.css">\n</head>\n'
        f"<body>\n<main>\n{content}</main>\n</body>\n</html>\n"
    )
    headers = {
        "Content-Security-Policy": _CSP,
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return Reply(
        status=status,
        body=body.encode(),
        content_type="text/html; charset=utf-8",
        headers=headers,
    )
