"""The owner's devices and what each has downloaded (plex.tv sync items); linking a device by
the 4-character code it shows.

Downloads are read by the worker (`refresh`) and kept in `DeviceDownloads`, so the page never
waits on plex.tv: one read is `1 + n` requests (devices.xml, then the sync list of each of at
most `MAX_SYNC_TARGETS` devices that can download). Removing a download is an Operation (see
`activity.operations`).

Linking is one request. `link_device(token, code)` is for a request someone is waiting on
(the invite "You're in" page, the member page, with that person's own sign-in token): a short
deadline, one attempt, behind the shared circuit breaker, and any failure comes back as
`LinkRefused` with the reason in words. The owner's own link goes through the worker as an
Operation that calls `link`.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

import plextv
from accounts.models import Household
from accounts.plex import PlexLinkProblem, new_client, owner_client
from activity.models import DeviceDownloads
from plextv.downloads import Download, device_downloads
from plextv.errors import BadRequest, CircuitOpen, NotFound, PlexTVError, Unauthorized

# Each device that can download costs one request per read; a household has a handful.
MAX_SYNC_TARGETS = 25
SYNC_TARGET = "sync-target"
LINK_CODE_RE = re.compile(r"[A-Z0-9]{4}")
# plex.tv's link codes live 15 minutes (a non-strong PIN's lifetime, see the protocol notes).
CODE_LIFETIME_MINUTES = 15

BAD_CODE = "A link code has 4 letters or digits, exactly as the device shows it."


class DownloadsUnavailable(Exception):
    """The downloads cannot be read now; `message` says why, in words for the page."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class LinkRefused(Exception):
    """The device was not linked; `message` says why, in words for the page.

    `permanent` is False when trying the same code again later may work (plex.tv away).
    """

    def __init__(self, message: str, *, permanent: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


@dataclass(frozen=True)
class DownloadRow:
    id: int
    title: str
    root_title: str = ""
    metadata_type: str = ""
    state: str = ""
    items_count: int = 0
    items_complete_count: int = 0
    total_size: int = 0
    failure: str = ""

    @classmethod
    def of(cls, item: Download) -> DownloadRow:
        return cls(
            id=item.id,
            title=item.title[:300],
            root_title=item.root_title[:300],
            metadata_type=item.metadata_type[:32],
            state="failed" if item.failed else ("complete" if item.complete else "pending"),
            items_count=item.items_count,
            items_complete_count=item.items_complete_count,
            total_size=item.total_size,
            failure=item.failure[:300],
        )

    @property
    def name(self) -> str:
        """ "Harbour Street", or "Harbour Street · Season 1" when the item is part of a whole."""
        if self.root_title and self.root_title != self.title:
            return f"{self.root_title} · {self.title}"
        return self.title or self.root_title or f"item {self.id}"


@dataclass(frozen=True)
class DeviceEntry:
    """A player device of the account, and its downloads when it is a sync target."""

    id: str
    name: str
    client_identifier: str
    product: str = ""
    platform: str = ""
    last_seen_at: datetime | None = None
    sync_target: bool = False
    downloads: tuple[DownloadRow, ...] = ()
    # Why this device's downloads are not shown (read failed, or too many devices).
    note: str = ""
    read: bool = False

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["last_seen_at"] = self.last_seen_at.isoformat() if self.last_seen_at else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DeviceEntry:
        seen = data.get("last_seen_at")
        return cls(
            **{
                **data,
                "last_seen_at": parse_datetime(seen) if seen else None,
                "downloads": tuple(DownloadRow(**d) for d in data.get("downloads", [])),
            }
        )

    def without(self, item_id: int) -> DeviceEntry:
        kept = tuple(d for d in self.downloads if d.id != item_id)
        return DeviceEntry(**{**self.__dict__, "downloads": kept})


# --- the stored picture ----------------------------------------------------------------------


def owner_downloads() -> DeviceDownloads | None:
    household = Household.current()
    if household is None:
        return None
    row, _ = DeviceDownloads.objects.get_or_create(account_id=household.owner.plex_id)
    return row


def entries(row: DeviceDownloads) -> list[DeviceEntry]:
    return [DeviceEntry.from_json(d) for d in row.devices]


def find(row: DeviceDownloads, client_id: str, item_id: int) -> tuple[DeviceEntry, DownloadRow]:
    """The stored device and download; `LookupError` when our copy has no such download."""
    for device in entries(row):
        if device.client_identifier == client_id:
            for item in device.downloads:
                if item.id == item_id:
                    return device, item
    raise LookupError(item_id)


def request_refresh(row: DeviceDownloads) -> bool:
    """Queue a read unless one is queued or running already (two clicks enqueue once)."""
    from activity.tasks import refresh_downloads

    now = timezone.now()
    claimed = (
        DeviceDownloads.objects.filter(pk=row.pk)
        .exclude(state__in=DeviceDownloads.BUSY)
        .update(state=DeviceDownloads.QUEUED, requested_at=now, message="")
    )
    if claimed:
        refresh_downloads.delay_on_commit(row.pk)  # type: ignore[attr-defined]
    row.refresh_from_db()
    return bool(claimed)


def refresh(row: DeviceDownloads) -> int:
    """Read the owner's devices and downloads from plex.tv and replace our copy; the number
    of devices. A failure is recorded on the row (the copy stays) and raised."""
    DeviceDownloads.objects.filter(pk=row.pk).update(state=DeviceDownloads.RUNNING)
    try:
        devices = read(owner_client())
    except PlexLinkProblem as problem:
        _failed(row, problem.message)
        raise DownloadsUnavailable(problem.message) from None
    except PlexTVError as exc:
        _failed(row, exc.human_message)
        raise
    store(row, devices)
    return len(devices)


def _failed(row: DeviceDownloads, message: str) -> None:
    DeviceDownloads.objects.filter(pk=row.pk).update(
        state=DeviceDownloads.FAILED, message=message[:500]
    )


def read(client: plextv.PlexTV) -> list[DeviceEntry]:
    """The account's player devices, each sync target with its downloads (1 + n requests).

    A device that vanished between the two reads (404) is shown without downloads and a
    note; any other failure fails the whole read, so a half-read list never replaces ours.
    """
    result: list[DeviceEntry] = []
    targets = 0
    for device in client.devices():
        if "server" in device.provides:
            continue
        base: dict[str, Any] = {
            "id": device.id,
            "name": device.name[:200],
            "client_identifier": device.client_identifier,
            "product": device.product[:100],
            "platform": device.platform[:100],
            "last_seen_at": device.last_seen_at,
            "sync_target": SYNC_TARGET in device.provides,
        }
        if not base["sync_target"]:
            result.append(DeviceEntry(**base))
            continue
        targets += 1
        if targets > MAX_SYNC_TARGETS:
            note = f"Downloads are read for the first {MAX_SYNC_TARGETS} devices only."
            result.append(DeviceEntry(**base, note=note))
            continue
        try:
            items = device_downloads(client, device.client_identifier)
        except NotFound:
            result.append(DeviceEntry(**base, note="plex.tv no longer lists this device."))
            continue
        rows = tuple(DownloadRow.of(i) for i in items)
        result.append(DeviceEntry(**base, downloads=rows, read=True))
    return result


def store(row: DeviceDownloads, devices: list[DeviceEntry]) -> None:
    DeviceDownloads.objects.filter(pk=row.pk).update(
        devices=[d.to_json() for d in devices],
        state=DeviceDownloads.IDLE,
        message="",
        refreshed_at=timezone.now(),
    )


def remove_locally(account_id: int, client_id: str, item_id: int) -> None:
    """After plex.tv removed a download: gone from our copy too, until the next read."""
    with transaction.atomic():
        row = DeviceDownloads.objects.select_for_update().filter(account_id=account_id).first()
        if row is None:
            return
        row.devices = [
            (e.without(item_id) if e.client_identifier == client_id else e).to_json()
            for e in entries(row)
        ]
        row.save(update_fields=["devices"])


# --- linking a device by its code ------------------------------------------------------------


def normalize_code(raw: object) -> str:
    """The code as plex.tv expects it: 4 letters or digits, upper case (people type it in any
    case, sometimes with a space); `LinkRefused` for anything else."""
    code = "".join(str(raw or "").split()).upper()
    if not LINK_CODE_RE.fullmatch(code):
        raise LinkRefused(BAD_CODE)
    return code


def not_waiting(code: str) -> str:
    return (
        f"No device is waiting for the code {code}. Check the code on the device's screen: "
        f"a code lasts {CODE_LIFETIME_MINUTES} minutes, after which the device shows a new one."
    )


def link(client: plextv.PlexTV, code: str) -> None:
    """PUT plex.tv/api/v2/pins/link (1 request): the device showing `code` signs in to the
    account `client` acts as. `LinkRefused` when plex.tv knows no such live code."""
    code = normalize_code(code)
    try:
        client.link_pin(code)
    except NotFound:
        raise LinkRefused(not_waiting(code)) from None


def link_device(token: str, code: str) -> None:
    """Link the device showing `code` to the account of `token`, within a page's time budget.

    For a page someone waits on, with that person's own sign-in token (kept by the caller,
    never stored here): one attempt, `PLEXTV_PAGE_BUDGET` seconds, through the shared circuit
    breaker. Every failure is a `LinkRefused` whose message the page can show as it is.
    """
    code = normalize_code(code)
    client = new_client(token, page=True)
    try:
        link(client, code)
    except Unauthorized:
        raise LinkRefused(
            "Your Plex sign-in has expired: sign in with Plex again, then enter the code."
        ) from None
    except CircuitOpen as exc:
        raise LinkRefused(exc.human_message, permanent=False) from None
    except BadRequest as exc:
        raise LinkRefused(exc.human_message) from None
    except PlexTVError as exc:
        raise LinkRefused(
            f"{exc.human_message} The device was probably not linked; try the code again in "
            "a moment.",
            permanent=False,
        ) from None
