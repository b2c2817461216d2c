"""Reading the owner's Plex Media Servers: play history (paged, from a date) and players.

These calls go to a server's own address (found through plex.tv's resources and a connection
probe), with the server's access token from the resource, never the account's.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from plextv.base import ClientBase
from plextv.call import Call
from plextv.models import Connection, HistoryEntry, HistoryPage, Resource, ServerDevice
from plextv.parsers.servers import parse_history, parse_server_devices


class ServerOperations(ClientBase):
    def owned_servers(self) -> list[Resource]:
        """The account's own Plex Media Servers: `resources()` (1 request), filtered."""
        return [r for r in self.resources() if r.owned and r.is_server]  # type: ignore[attr-defined]

    def server_history_page(
        self,
        resource: Resource,
        connection: Connection,
        *,
        start: int = 0,
        size: int | None = None,
        since: datetime | None = None,
        oldest_first: bool = False,
        account_id: int | None = None,
    ) -> HistoryPage:
        """GET {server}/status/sessions/history/all (1 request): one page of plays.

        `since` keeps plays viewed at or after that moment (`viewedAt>=`); `oldest_first`
        sorts `viewedAt:asc`, which is what an incremental reader wants: new plays land at the
        end, so the pages already read do not shift. `account_id` is the server's id of the
        person (the owner is 1 on their own server).
        """
        params: dict[str, Any] = {"sort": "viewedAt:asc" if oldest_first else "viewedAt:desc"}
        if since is not None:
            params["viewedAt>"] = int(since.timestamp())
        if account_id is not None:
            params["accountID"] = account_id
        page = {
            "X-Plex-Container-Start": str(start),
            "X-Plex-Container-Size": str(size or self.config.page_size),
        }
        payload = self._call(
            _on_server(
                resource, connection, "/status/sessions/history/all", "history", params, page
            )
        )
        entries, total = parse_history(payload, resource.client_identifier)
        return HistoryPage(entries=tuple(entries), total=total)

    def server_devices(self, resource: Resource, connection: Connection) -> list[ServerDevice]:
        """GET {server}/devices (1 request): the players that have used the server, by id."""
        payload = self._call(_on_server(resource, connection, "/devices", "devices"))
        return parse_server_devices(payload)

    def history(
        self, *, max_results: int | None = None, min_date: datetime | None = None
    ) -> list[HistoryEntry]:
        """Playback history of every owned server, newest first.

        GET plex.tv/api/v2/resources (1 request), then per owned server a connection probe
        and GET {server}/status/sessions/history/all, one request per page.
        """
        entries: list[HistoryEntry] = []
        for resource in self.owned_servers():
            connection = self.connect(resource)  # type: ignore[attr-defined]
            start = 0
            size = self.config.page_size
            while max_results is None or start < max_results:
                page = self.server_history_page(
                    resource, connection, start=start, size=size, since=min_date
                )
                entries.extend(page.entries)
                start += len(page.entries)
                done = page.total is not None and start >= page.total
                if not page.entries or done or len(page.entries) < size:
                    break
        entries.sort(key=lambda e: e.viewed_at.timestamp() if e.viewed_at else 0, reverse=True)
        return entries[:max_results] if max_results is not None else entries


def _on_server(
    resource: Resource,
    connection: Connection,
    path: str,
    what: str,
    params: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Call:
    """A GET to one of the owner's servers, with that server's own access token."""
    return Call(
        "GET",
        path,
        server=connection.uri,
        token=resource.access_token,
        label=f"GET {resource.name} {what}",
        params=params,
        headers=headers,
    )
