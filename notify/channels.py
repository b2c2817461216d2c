"""Sending one message: e-mail through Django's mailers, chat and push through Apprise.

Apprise URLs carry the service's secret (a webhook token, a bot key, a topic name), so they
are read from the vault only here, shown masked, and scrubbed from every error text before it
is stored or logged. Apprise's own log lines may quote the URL; its logger is kept off the
console (see `NotifyConfig.ready`) and only read, masked, through `LogCapture` here.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

import apprise
from django.conf import settings
from django.core import mail

from notify.models import Channel

MASK = "****"


class SendFailed(Exception):
    """The message certainly did not go out (refused before or during the exchange)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Checked:
    url: str
    masked: str
    service: str


def email_available() -> bool:
    return bool(settings.NOTIFY_EMAIL) and "default" in mail.mailers


def _split_netloc(netloc: str) -> tuple[str, str, str]:
    """(userinfo, host, port) without trusting urlsplit, which rejects Telegram's bot tokens."""
    userinfo, _, hostport = netloc.rpartition("@")
    host, sep, port = hostport.rpartition(":")
    if not sep or not (port.isascii() and port.isdigit()):
        host, port = hostport, ""
    return userinfo, host, port


def _plain_host(host: str) -> bool:
    """A real host name or address (kept in the mask); anything else may be a secret."""
    return host == "localhost" or "." in host or host.startswith("[")


def _tail(token: str) -> str:
    return f"…{token[-2:]}" if len(token) >= 8 else "…"


def _parts(url: str) -> tuple[str, str, str, str, str]:
    scheme, _, rest = url.partition("://")
    netloc, slash, tail = rest.partition("/")
    return scheme, netloc, slash, tail, rest


def mask_url(url: str) -> str:
    """The URL with every part that may be a secret cut to its last two characters.

    The scheme, a dotted host or an address, the port and query names stay readable: enough
    to tell two channels apart, never enough to use one.
    """
    scheme, netloc, slash, tail, _ = _parts(url)
    userinfo, host, port = _split_netloc(netloc)
    shown = ""
    if userinfo:
        user, _, password = userinfo.partition(":")
        shown = _tail(user) + (f":{MASK}" if password else "") + "@"
    shown += host if _plain_host(host) else _tail(host)
    if port:
        shown += f":{port}"
    path, _, query = tail.partition("?")
    path, hash_, fragment = path.partition("#")
    segments = [_tail(segment) if segment else "" for segment in path.split("/")]
    out = f"{scheme}://{shown}{slash}{'/'.join(segments)}"
    if hash_:
        out += "#" + _tail(fragment)
    if query:
        pairs = [pair.partition("=") for pair in query.split("&")]
        out += "?" + "&".join(f"{k}{eq}{_tail(v) if v else ''}" for k, eq, v in pairs)
    return out


def secrets_of(url: str) -> list[str]:
    """Every piece of `url` that may be a secret, longest first (for scrubbing text)."""
    _, netloc, _, tail, rest = _parts(url)
    userinfo, host, _ = _split_netloc(netloc)
    tokens = [url, rest]
    tokens += re.split(r"[:@]", userinfo) if userinfo else []
    if not _plain_host(host):
        tokens += re.split(r"[:]", host)
    tokens += re.split(r"[/?&=#]", tail)
    found = {t for t in tokens if len(t) >= 4}
    found |= {quote(t, safe="") for t in found} | {unquote(t) for t in found}
    return sorted((t for t in found if len(t) >= 4), key=len, reverse=True)


def scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, MASK)
    return text


def check_url(url: str) -> Checked:
    """A URL Apprise can send to, with its mask and service name, or `SendFailed`."""
    url = url.strip()
    with apprise.LogCapture(level=logging.WARNING):
        plugin = apprise.Apprise.instantiate(url) if "://" in url else None
    if plugin is None:
        raise SendFailed(
            "Apprise does not recognise this URL. It starts with the service, for example "
            "discord://…, tgram://…, ntfys://ntfy.sh/topic, slack://…, pover://…, "
            "matrixs://… or json://host/path for any webhook."
        )
    return Checked(url=url, masked=mask_url(url), service=str(plugin.service_name))


def defuse(text: str) -> str:
    """Chat services turn "@everyone" or "@here" in a friend's name into a ping; break them."""
    return text.replace("@", "@\u200b")


def send_apprise(url: str, title: str, body: str) -> None:
    secrets = secrets_of(url)
    client = apprise.Apprise(asset=apprise.AppriseAsset(storage_mode="memory"))
    with apprise.LogCapture(level=logging.WARNING) as captured:
        added = client.add(url)
        sent = added and client.notify(
            title=defuse(title), body=defuse(body), body_format=apprise.NotifyFormat.TEXT
        )
    if not added:
        raise SendFailed("Apprise no longer recognises this channel's URL; add it again.")
    if not sent:
        lines = [line.split(" - ", 2)[-1] for line in captured.getvalue().splitlines() if line]
        reason = scrub(" ".join(lines[-2:]), secrets) or "the service refused the message"
        raise SendFailed(reason[:280])


def send_email(address: str, subject: str, body: str, message_id: str) -> None:
    message = mail.EmailMessage(
        subject=f"{settings.EMAIL_SUBJECT_PREFIX}{subject}",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        headers={"Message-ID": message_id, "Auto-Submitted": "auto-generated"},
    )
    mailer = mail.mailers.default
    try:
        mailer.send_messages([message])
    except OSError as exc:  # smtplib's errors and socket failures are all OSErrors
        mailers: dict[str, Any] = dict(getattr(settings, "MAILERS", {}))
        password = str(mailers.get("default", {}).get("OPTIONS", {}).get("password", ""))
        reason = f"{type(exc).__name__}: {exc}"
        raise SendFailed(scrub(reason, [password] if len(password) >= 4 else [])[:280]) from exc


def send(channel: Channel | None, address: str, subject: str, body: str, message_id: str) -> None:
    """Send to a channel, or to a member's `address` when there is no channel."""
    if channel is not None and channel.kind == Channel.APPRISE:
        send_apprise(channel.get_url(), subject, body)
        return
    if not email_available():
        raise SendFailed("E-mail is not set up on this server (EMAIL_HOST).")
    send_email(channel.address if channel is not None else address, subject, body, message_id)
