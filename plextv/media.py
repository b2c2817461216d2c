"""Watchlist, Discover search, mobile sync items and view-state sync."""

from __future__ import annotations

from typing import Any, Literal

from plextv.base import ClientBase
from plextv.call import Call
from plextv.errors import BadRequest
from plextv.models import DiscoverResult, SyncItem, UserState, WatchlistItem
from plextv.parsers.common import parse_bool_answer
from plextv.parsers.media import parse_discover, parse_sync_items, parse_user_state, parse_watchlist

WatchlistFilter = Literal["all", "available", "released"]
LibType = Literal["movie", "show"]
_WATCHLIST_TYPES = {"movie": 1, "show": 2}
_SEARCH_TYPES = {"movie": "movies", "show": "tv"}


class MediaOperations(ClientBase):
    def watchlist(
        self,
        filter: WatchlistFilter = "all",
        *,
        sort: str | None = None,
        libtype: LibType | None = None,
        max_results: int | None = None,
    ) -> list[WatchlistItem]:
        """GET discover.provider.plex.tv/library/sections/watchlist/{filter}, one request per
        page of `page_size` (X-Plex-Container-Start/Size), until every page is read.

        `sort` is e.g. "watchlistedAt:desc" or "titleSort:asc".
        """
        if filter not in ("all", "available", "released"):
            raise BadRequest(f"Unknown watchlist filter {filter!r}.")
        params: dict[str, Any] = {"includeCollections": 1, "includeExternalMedia": 1}
        if sort:
            params["sort"] = sort
        if libtype:
            params["type"] = _WATCHLIST_TYPES[libtype]
        items: list[WatchlistItem] = []
        while max_results is None or len(items) < max_results:
            size = self.config.page_size
            if max_results is not None:
                size = min(size, max_results - len(items))
            payload = self._call(
                Call(
                    "GET",
                    f"/library/sections/watchlist/{filter}",
                    host="discover",
                    params=params,
                    headers={
                        "X-Plex-Container-Start": str(len(items)),
                        "X-Plex-Container-Size": str(size),
                    },
                )
            )
            page, total = parse_watchlist(payload)
            items.extend(page)
            if not page or (total is not None and len(items) >= total):
                break
        return items

    def add_to_watchlist(self, rating_key: str) -> None:
        """PUT discover.provider.plex.tv/actions/addToWatchlist?ratingKey= (1 request)."""
        self._call(
            Call(
                "PUT",
                "/actions/addToWatchlist",
                host="discover",
                params={"ratingKey": rating_key},
                missing="item",
            )
        )

    def remove_from_watchlist(self, rating_key: str) -> None:
        """PUT discover.provider.plex.tv/actions/removeFromWatchlist?ratingKey= (1 request)."""
        self._call(
            Call(
                "PUT",
                "/actions/removeFromWatchlist",
                host="discover",
                params={"ratingKey": rating_key},
                missing="item",
            )
        )

    def user_state(self, rating_key: str) -> UserState:
        """GET metadata.provider.plex.tv/library/metadata/{ratingKey}/userState (1 request)."""
        payload = self._call(
            Call(
                "GET",
                f"/library/metadata/{rating_key}/userState",
                host="metadata",
                missing="item",
            )
        )
        return parse_user_state(payload, rating_key)

    def on_watchlist(self, rating_key: str) -> bool:
        """Whether the item is on the watchlist: `user_state` (1 request)."""
        return self.user_state(rating_key).on_watchlist

    def discover(
        self, query: str, *, limit: int = 30, libtype: LibType | None = None
    ) -> list[DiscoverResult]:
        """GET discover.provider.plex.tv/library/search (1 request): movies and shows."""
        search_types = _SEARCH_TYPES[libtype] if libtype else "movies,tv"
        payload = self._call(
            Call(
                "GET",
                "/library/search",
                host="discover",
                params={
                    "query": query,
                    "limit": limit,
                    "searchTypes": search_types,
                    "searchProviders": "discover",
                    "includeMetadata": 1,
                },
                accept="json",
            )
        )
        return parse_discover(payload)[:limit]

    def sync_items(self, client_id: str | None = None) -> list[SyncItem]:
        """GET plex.tv/devices/{clientId}/sync_items (1 request); default: this client."""
        device = client_id or self.config.client_identifier
        return parse_sync_items(
            self._call(Call("GET", f"/devices/{device}/sync_items", missing="item"))
        )

    def view_state_sync(self) -> bool:
        """GET plex.tv/api/v2/user/view_state_sync (1 request): the consent flag."""
        payload = self._call(Call("GET", "/api/v2/user/view_state_sync", accept="json"))
        return parse_bool_answer(payload, "consent")

    def set_view_state_sync(self, consent: bool) -> None:
        """PUT plex.tv/api/v2/user/view_state_sync?consent=true|false (1 request)."""
        self._call(
            Call(
                "PUT",
                "/api/v2/user/view_state_sync",
                params={"consent": "true" if consent else "false"},
                accept="json",
            )
        )
