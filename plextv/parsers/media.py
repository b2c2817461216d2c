"""Parsers for the watchlist, user state, Discover search and sync items (`MediaOperations`)."""

from __future__ import annotations

from xml.etree.ElementTree import Element

from plextv.answers import Payload
from plextv.models import DiscoverResult, SyncItem, UserState, WatchlistItem
from plextv.parsers.common import element, json_object, media_container, none_if_empty, required_id
from plextv.values import (
    Source,
    child_object,
    child_objects,
    integer,
    opt_float,
    opt_int,
    opt_str,
    opt_time,
    text,
)


def parse_watchlist(payload: Payload) -> tuple[list[WatchlistItem], int | None]:
    """One watchlist page and the list's `totalSize`."""
    container, items = media_container(payload, "watchlist")
    result = []
    for src in items:
        rating_key = opt_str(src, "ratingKey") or text(src, "guid").rsplit("/", 1)[-1]
        result.append(
            WatchlistItem(
                rating_key=rating_key,
                guid=text(src, "guid"),
                title=text(src, "title"),
                type=text(src, "type"),
                year=opt_int(src, "year"),
                thumb=none_if_empty(opt_str(src, "thumb")),
                content_rating=none_if_empty(opt_str(src, "contentRating")),
                originally_available_at=none_if_empty(opt_str(src, "originallyAvailableAt")),
                added_at=opt_time(src, "addedAt"),
                rating=opt_float(src, "rating"),
            )
        )
    return result, opt_int(container, "totalSize")


def parse_user_state(payload: Payload, rating_key: str) -> UserState:
    """`GET /library/metadata/{ratingKey}/userState` on the metadata host."""
    src: Source | None
    if isinstance(payload, Element):
        src = payload if payload.tag == "UserState" else payload.find("UserState")
    elif payload is None:
        src = None
    else:
        container = child_object(json_object(payload, "user state"), "MediaContainer") or {}
        state = container.get("UserState")
        if isinstance(state, list):
            state = state[0] if state else None
        src = state if isinstance(state, dict) else None
    if src is None:
        return UserState(rating_key=rating_key)
    return UserState(
        rating_key=opt_str(src, "ratingKey") or rating_key,
        type=opt_str(src, "type"),
        view_count=integer(src, "viewCount"),
        view_offset=opt_int(src, "viewOffset"),
        view_state=opt_str(src, "viewState"),
        last_viewed_at=opt_time(src, "lastViewedAt"),
        watchlisted_at=opt_time(src, "watchlistedAt"),
    )


def parse_discover(payload: Payload) -> list[DiscoverResult]:
    """`GET /library/search` on the discover host (JSON)."""
    container = child_object(json_object(payload, "search"), "MediaContainer") or {}
    results: list[DiscoverResult] = []
    seen: set[str] = set()
    for group in child_objects(container, "SearchResults"):
        for hit in child_objects(group, "SearchResult"):
            meta = child_object(hit, "Metadata")
            if meta is None or text(meta, "type") not in ("movie", "show"):
                continue
            guid = text(meta, "guid")
            if guid in seen:
                continue
            seen.add(guid)
            results.append(
                DiscoverResult(
                    rating_key=opt_str(meta, "ratingKey") or guid.rsplit("/", 1)[-1],
                    guid=guid,
                    title=text(meta, "title"),
                    type=text(meta, "type"),
                    year=opt_int(meta, "year"),
                    thumb=none_if_empty(opt_str(meta, "thumb")),
                    summary=none_if_empty(opt_str(meta, "summary")),
                )
            )
    return results


def parse_sync_items(payload: Payload) -> list[SyncItem]:
    """`GET /devices/{clientId}/sync_items`: `<SyncList><SyncItems><SyncItem>`."""
    root = element(payload, "sync items")
    items = []
    for el in root.iter("SyncItem"):
        server = el.find("Server")
        status = el.find("Status")
        location = el.find("Location")
        item_id = required_id(el, "sync item")
        items.append(
            SyncItem(
                id=item_id,
                title=text(el, "title"),
                root_title=opt_str(el, "rootTitle"),
                metadata_type=opt_str(el, "metadataType"),
                content_type=opt_str(el, "contentType"),
                version=opt_int(el, "version"),
                machine_identifier=opt_str(server, "machineIdentifier")
                if server is not None
                else None,
                state=opt_str(status, "state") if status is not None else None,
                items_count=opt_int(status, "itemsCount") if status is not None else None,
                items_complete_count=(
                    opt_int(status, "itemsCompleteCount") if status is not None else None
                ),
                location_uri=opt_str(location, "uri") if location is not None else None,
            )
        )
    return items
