"""The browser sign-in page that stands in for app.plex.tv/auth.

The page is static HTML plus a script file (no inline code, no external assets) so it works
under a strict Content-Security-Policy. Its script signs in through the real sign-in route
and approves the PIN through the control API.
"""

from __future__ import annotations

from importlib.resources import files

from plexsim.render import Reply
from plexsim.routing import Ctx, route

APP = "app.plex.tv"
_STATIC = files("plexsim") / "static"
_TYPES = {
    "auth.html": "text/html; charset=utf-8",
    "auth.js": "text/javascript; charset=utf-8",
    "auth.css": "text/css; charset=utf-8",
}
_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'"


def _asset(name: str) -> Reply:
    body = (_STATIC / name).read_bytes()
    headers = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    if name.endswith(".html"):
        headers["Content-Security-Policy"] = _CSP
    return Reply(body=body, content_type=_TYPES[name], headers=headers)


@route("/auth", host=APP, auth=False)
def page(ctx: Ctx) -> Reply:
    return _asset("auth.html")


@route("/auth/auth.js", host=APP, auth=False)
def script(ctx: Ctx) -> Reply:
    return _asset("auth.js")


@route("/auth/auth.css", host=APP, auth=False)
def style(ctx: Ctx) -> Reply:
    return _asset("auth.css")


@route("/favicon.ico", host=APP, auth=False)
def favicon(ctx: Ctx) -> Reply:
    """Browsers ask for it on every page; nothing to show, and no 404 in their console."""
    return Reply(status=204, content_type=None, headers={"Cache-Control": "max-age=86400"})
