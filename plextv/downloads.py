"""Mobile sync ("downloads") of the account's devices: each item with its full status, and
removing one.

`PlexTV.sync_items` reads the items themselves; a page that shows downloads also needs how
far each has got (`Status`: counts, size, failure), and a way to remove one. These are
functions over a client rather than `PlexTV` methods so that they stand beside the client's
own modules without changing them.

Facts (python-plexapi 4.18.1, `plexapi/sync.py` and `MyPlexAccount.syncItems`):
`GET plex.tv/devices/{clientId}/sync_items` answers `<SyncList><SyncItems><SyncItem id version
rootTitle title metadataType contentType>` with `<Server machineIdentifier>`, `<Status
itemsCount itemsCompleteCount state totalSize itemsDownloadedCount itemsReadyCount
itemsSuccessfulCount failureCode failure>`, `<MediaSettings>`, `<Policy>` and `<Location>`;
`state` is "completed", "pending", empty "and probably something else" (plexapi's own
words). `SyncItem.delete()` is `DELETE plex.tv/devices/{clientId}/sync_items/{id}`, its answer
ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote
from xml.etree.ElementTree import Element

from plextv.base import ClientBase
from plextv.call import Call
from plextv.errors import BadRequest
from plextv.transport import Payload
from plextv.values import changed, opt_int, text

# plex.tv's client identifiers are short tokens; anything else is refused before sending.
MAX_CLIENT_ID = 200


@dataclass(frozen=True)
class Download:
    """One sync item of a device and how far it has got."""

    id: int
    title: str
    root_title: str = ""
    metadata_type: str = ""
    machine_identifier: str = ""
    state: str = ""
    items_count: int = 0
    items_complete_count: int = 0
    items_downloaded_count: int = 0
    total_size: int = 0
    failure: str = ""

    @property
    def failed(self) -> bool:
        return bool(self.failure) or self.state.lower() in ("failed", "error")

    @property
    def complete(self) -> bool:
        if self.failed:
            return False
        if self.state.lower() in ("complete", "completed"):
            return True
        return self.items_count > 0 and self.items_complete_count >= self.items_count


def _device_path(client_id: str) -> str:
    if not client_id or len(client_id) > MAX_CLIENT_ID or not client_id.isprintable():
        raise BadRequest("That is not a device plex.tv knows.")
    return f"/devices/{quote(client_id, safe='')}/sync_items"


def parse_downloads(payload: Payload) -> list[Download]:
    """`<SyncList><SyncItems><SyncItem>` with each item's `<Status>` and `<Server>`."""
    if not isinstance(payload, Element):
        raise changed("sync items: expected XML")
    downloads = []
    for el in payload.iter("SyncItem"):
        item_id = opt_int(el, "id")
        if item_id is None:
            raise changed("sync item without id")
        server = el.find("Server")
        status = el.find("Status")
        status_src = status.attrib if status is not None else {}
        failure = text(status_src, "failure") or text(status_src, "failureCode")
        downloads.append(
            Download(
                id=item_id,
                title=text(el, "title"),
                root_title=text(el, "rootTitle"),
                metadata_type=text(el, "metadataType"),
                machine_identifier=text(server.attrib, "machineIdentifier")
                if server is not None
                else "",
                state=text(status_src, "state"),
                items_count=opt_int(status_src, "itemsCount") or 0,
                items_complete_count=opt_int(status_src, "itemsCompleteCount") or 0,
                items_downloaded_count=opt_int(status_src, "itemsDownloadedCount") or 0,
                total_size=opt_int(status_src, "totalSize") or 0,
                failure=failure,
            )
        )
    return downloads


def device_downloads(client: ClientBase, client_id: str) -> list[Download]:
    """GET plex.tv/devices/{clientId}/sync_items (1 request). `NotFound` when the account has
    no such device."""
    return parse_downloads(client._call(Call("GET", _device_path(client_id), missing="item")))


def remove_download(client: ClientBase, client_id: str, item_id: int) -> None:
    """DELETE plex.tv/devices/{clientId}/sync_items/{id} (1 request). `NotFound` when the
    item (or the device) is not there."""
    if isinstance(item_id, bool) or not isinstance(item_id, int) or item_id <= 0:
        raise BadRequest("That is not a download plex.tv knows.")
    client._call(Call("DELETE", f"{_device_path(client_id)}/{item_id}", missing="item"))
