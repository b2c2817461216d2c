"""discover.provider.plex.tv and metadata.provider.plex.tv: watchlist, search, user state."""

from __future__ import annotations

import calendar
import time
from typing import Any

from plexsim.model import CatalogItem, SimError, stable_hex
from plexsim.render import Reply, container, element, json_reply, xml_reply
from plexsim.routes_sharing import page_bounds
from plexsim.routing import Ctx, route

DISCOVER = "discover.provider.plex.tv"
METADATA = "metadata.provider.plex.tv"
SORT_FIELDS = {"watchlistedAt", "titleSort", "originallyAvailableAt", "rating"}


def item_values(item: CatalogItem, watchlisted_at: int | None = None) -> dict[str, Any]:
    values: dict[str, Any] = {
        "art": f"https://metadata-static.plex.tv/sim/{item.ratingKey}/art.jpg",
        "guid": item.guid,
        "key": f"/library/metadata/{item.ratingKey}",
        "rating": item.rating,
        "ratingKey": item.ratingKey,
        "studio": item.studio,
        "type": item.type,
        "thumb": f"https://metadata-static.plex.tv/sim/{item.ratingKey}/thumb.jpg",
        "duration": item.duration,
        "publicPagesURL": f"https://watch.plex.tv/{item.type}/{item.slug}",
        "slug": item.slug,
        "title": item.title,
        "contentRating": item.contentRating,
        "originallyAvailableAt": item.originallyAvailableAt,
        "year": item.year,
        "summary": item.summary,
    }
    if item.type == "show":
        # Clients read the season count while building a show; without it they try a reload.
        values["childCount"] = 2
        values["leafCount"] = 16
    if watchlisted_at is not None:
        values["watchlistedAt"] = watchlisted_at
    return values


def watchlist_values(item: CatalogItem, now: float) -> dict[str, Any]:
    """A watchlist entry, with the attributes (and in the order) of the 2024 capture.

    The list carries no `watchlistedAt` (userState does) and no summary. The meaning of
    `expiresAt` is not known; it is ASSUMED to lie about seven weeks ahead, as in the capture.
    """
    released = calendar.timegm(time.strptime(item.originallyAvailableAt, "%Y-%m-%d"))
    values: dict[str, Any] = {
        "art": f"https://metadata-static.plex.tv/sim/{item.ratingKey}/art.jpg",
        "banner": f"https://metadata-static.plex.tv/sim/{item.ratingKey}/banner.jpg",
        "guid": item.guid,
        "key": f"/library/metadata/{item.ratingKey}",
        "rating": item.rating,
        "ratingKey": item.ratingKey,
        "studio": item.studio,
        "tagline": item.tagline,
        "type": item.type,
        "thumb": f"https://metadata-static.plex.tv/sim/{item.ratingKey}/thumb.jpg",
        "addedAt": released,
        "duration": item.duration,
        "publicPagesURL": f"https://watch.plex.tv/{item.type}/{item.slug}",
        "slug": item.slug,
        "expiresAt": int(now) + 49 * 86_400,
        "userState": 0,
        "title": item.title,
        "contentRating": item.contentRating,
        "originallyAvailableAt": item.originallyAvailableAt,
        "year": item.year,
        "availabilityId": stable_hex("availability", item.ratingKey, length=24),
    }
    if item.type == "show":
        values["childCount"] = 2
        values["leafCount"] = 16
    return values


def item_xml(item: CatalogItem, watchlisted_at: int | None = None) -> str:
    return element(_tag(item), item_values(item, watchlisted_at))


def _tag(item: CatalogItem) -> str:
    return "Video" if item.type == "movie" else "Directory"


def _catalog_item(ctx: Ctx, rating_key: str) -> CatalogItem:
    item = ctx.state.catalog.get(rating_key)
    if item is None:
        raise SimError(404, 1002, f"Metadata item '{rating_key}' not found!", style="provider")
    return item


@route("/library/sections/watchlist/<any(all, available, released):which>", host=DISCOVER)
def watchlist(ctx: Ctx, which: str) -> Reply:
    account = ctx.account()
    state = ctx.state
    entries = [(state.catalog[k], at) for k, at in account.watchlist.items() if k in state.catalog]
    kind = ctx.request.args.get("type")
    if kind in {"1", "2"}:
        wanted = "movie" if kind == "1" else "show"
        entries = [e for e in entries if e[0].type == wanted]
    field_name, _, direction = ctx.request.args.get("sort", "watchlistedAt:desc").partition(":")
    if field_name not in SORT_FIELDS:
        raise SimError(400, 1000, f"Unknown sort field {field_name!r}", style="provider")

    def sort_key(entry: tuple[CatalogItem, int]) -> Any:
        item, at = entry
        return {
            "watchlistedAt": at,
            "titleSort": item.title.lower(),
            "originallyAvailableAt": item.originallyAvailableAt,
            "rating": item.rating,
        }[field_name]

    entries.sort(key=sort_key, reverse=direction != "asc")
    start, stop = page_bounds(ctx, len(entries))
    page = entries[start:stop]
    head = {
        "librarySectionID": "watchlist",
        "librarySectionTitle": "Watchlist",
        "offset": start,
        "totalSize": len(entries),
        "identifier": "tv.plex.provider.discover",
        "size": len(page),
    }
    meta = [(item, watchlist_values(item, ctx.now)) for item, _at in page]
    if ctx.wants_json:
        docs = [values for _item, values in meta]
        return json_reply({"MediaContainer": {**head, **({"Metadata": docs} if docs else {})}})
    children = [element(_tag(item), values) for item, values in meta]
    return xml_reply(container("MediaContainer", head, children))


@route("/actions/addToWatchlist", "PUT", host=DISCOVER)
@route("/actions/removeFromWatchlist", "PUT", host=DISCOVER)
def change_watchlist(ctx: Ctx) -> Reply:
    account = ctx.account()
    item = _catalog_item(ctx, ctx.param("ratingKey"))
    if ctx.request.path.endswith("addToWatchlist"):
        account.watchlist.setdefault(item.ratingKey, int(ctx.now))
    else:
        account.watchlist.pop(item.ratingKey, None)
    return Reply(status=200, body=b"")


@route("/library/search", host=DISCOVER)
def search(ctx: Ctx) -> Reply:
    ctx.account()
    query = ctx.request.args.get("query", "").strip().lower()
    limit = int(ctx.request.args.get("limit", "30") or 30)
    types = set(ctx.request.args.get("searchTypes", "movies,tv").split(","))
    wanted = (
        {"movie"} if types == {"movies"} else {"show"} if types == {"tv"} else {"movie", "show"}
    )
    hits = [
        i
        for i in ctx.state.catalog.values()
        if query and query in i.title.lower() and i.type in wanted
    ][:limit]
    results = [{"score": 0.9, "Metadata": item_values(i)} for i in hits]
    doc = {
        "MediaContainer": {
            "size": len(results),
            "identifier": "tv.plex.provider.discover",
            "SearchResults": [
                {
                    "id": "external",
                    "title": "More Ways To Watch",
                    "size": len(results),
                    "SearchResult": results,
                },
            ],
        }
    }
    return json_reply(doc)


@route("/", host=METADATA, auth=False)
def metadata_root(ctx: Ctx) -> Reply:
    head = {
        "size": 0,
        "friendlyName": "Plex Metadata",
        "identifier": "tv.plex.provider.metadata",
        "machineIdentifier": "tv.plex.provider.metadata",
        "version": "1.0",
        "myPlex": True,
        "allowSync": False,
    }
    return xml_reply(container("MediaContainer", head, []))


@route("/library/metadata/<rating_key>", host=METADATA)
def metadata_item(ctx: Ctx, rating_key: str) -> Reply:
    account = ctx.account()
    item = _catalog_item(ctx, rating_key)
    head = {"size": 1, "identifier": "tv.plex.provider.metadata"}
    return xml_reply(
        container("MediaContainer", head, [item_xml(item, account.watchlist.get(rating_key))])
    )


@route("/library/metadata/<rating_key>/userState", host=METADATA)
def user_state(ctx: Ctx, rating_key: str) -> Reply:
    account = ctx.account()
    item = _catalog_item(ctx, rating_key)
    views = account.viewCounts.get(rating_key, 0)
    values: dict[str, Any] = {
        "ratingKey": item.ratingKey,
        "type": item.type,
        "viewCount": views,
        "viewedLeafCount": views if item.type == "show" else 0,
        "viewOffset": 0,
        "viewState": "complete" if views else "",
    }
    if views:
        values["lastViewedAt"] = int(ctx.now)
    if rating_key in account.watchlist:
        values["watchlistedAt"] = account.watchlist[rating_key]
    if ctx.wants_json:
        return json_reply({"MediaContainer": {"size": 1, "UserState": [values]}})
    return xml_reply(container("MediaContainer", {"size": 1}, [element("UserState", values)]))


@route("/actions/scrobble", host=METADATA)
@route("/actions/unscrobble", host=METADATA)
def scrobble(ctx: Ctx) -> Reply:
    account = ctx.account()
    item = _catalog_item(ctx, ctx.param("key"))
    if ctx.request.path.endswith("/unscrobble"):
        account.viewCounts.pop(item.ratingKey, None)
    else:
        account.viewCounts[item.ratingKey] = account.viewCounts.get(item.ratingKey, 0) + 1
    return Reply(status=200, body=b"")
