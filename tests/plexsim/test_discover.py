"""The watchlist and the metadata provider, as plain HTTP."""

from __future__ import annotations

from tests.plexsim.conftest import PlexClient

# The attributes of a movie in plextv-samples/discover-library-sections-watchlist-all.xml
# (a 2024 capture), in their order.
CAPTURED_MOVIE_ATTRIBUTES = [
    "art",
    "banner",
    "guid",
    "key",
    "rating",
    "ratingKey",
    "studio",
    "tagline",
    "type",
    "thumb",
    "addedAt",
    "duration",
    "publicPagesURL",
    "slug",
    "expiresAt",
    "userState",
    "title",
    "contentRating",
    "originallyAvailableAt",
    "year",
    "availabilityId",
]


def test_watchlist_entries_carry_the_captured_attributes(owner: PlexClient) -> None:
    root = owner.xml("/library/sections/watchlist/all", params={"type": "1"})
    assert (root.get("librarySectionID"), root.get("totalSize")) == ("watchlist", "2")
    movie = root.find("Video")
    assert list(movie.attrib) == CAPTURED_MOVIE_ATTRIBUTES
    assert movie.get("userState") == "0"
    assert movie.get("tagline")
    assert movie.get("addedAt").isdigit()
    show = owner.xml("/library/sections/watchlist/all", params={"type": "2"}).find("Directory")
    assert "watchlistedAt" not in show.attrib
    assert show.get("type") == "show"


def test_watchlist_json_has_the_same_keys(owner: PlexClient) -> None:
    doc = owner.json("/library/sections/watchlist/all", params={"type": "1"})
    assert list(doc["MediaContainer"]["Metadata"][0]) == CAPTURED_MOVIE_ATTRIBUTES


def test_when_an_item_was_watchlisted_is_in_its_user_state(owner: PlexClient) -> None:
    rating_key = owner.xml("/library/sections/watchlist/all").find("*").get("ratingKey")
    state = owner.xml(f"/library/metadata/{rating_key}/userState").find("UserState")
    assert state.get("watchlistedAt").isdigit()
