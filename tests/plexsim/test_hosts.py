"""Which host serves which path, for clients that name plex.tv's hosts in the Host header."""

from __future__ import annotations

from tests.plexsim.conftest import CABIN, PlexClient

CAPTURED_OLD_WATCHLIST = (
    '<Error error="Not Found" message="Section \'watchlist\' not found!" statusCode="404"/>'
)


def _as(owner: PlexClient, host: str, path: str, method: str = "GET", **kwargs):  # type: ignore[no-untyped-def]
    return owner.call(method, path, headers={"Host": host, **kwargs.pop("headers", {})}, **kwargs)


def test_the_old_watchlist_host_answers_the_captured_404(owner: PlexClient) -> None:
    response = _as(owner, "metadata.provider.plex.tv", "/library/sections/watchlist/all")
    assert response.status_code == 404
    assert response.text.strip().endswith(CAPTURED_OLD_WATCHLIST)
    assert _as(owner, "discover.provider.plex.tv", "/library/sections/watchlist/all").ok


def test_plex_tv_answers_provider_paths_as_unknown_endpoints(owner: PlexClient) -> None:
    for host in ("plex.tv", "clients.plex.tv"):
        response = _as(
            owner, host, "/library/sections/watchlist/all", headers={"Accept": "application/json"}
        )
        assert response.status_code == 404
        assert response.json()["errors"][0]["code"] == 1002


def test_providers_answer_plex_tv_paths_with_their_own_404(owner: PlexClient) -> None:
    for host in ("discover.provider.plex.tv", "metadata.provider.plex.tv"):
        response = _as(owner, host, "/api/v2/user")
        assert response.status_code == 404
        assert '<Error error="Not Found" message="Not Found" statusCode="404"/>' in response.text
        unknown = _as(owner, host, "/no/such/path")
        assert (unknown.status_code, "<Error " in unknown.text) == (404, True)


def test_plex_tv_and_clients_plex_tv_serve_each_others_paths(owner: PlexClient) -> None:
    assert _as(owner, "clients.plex.tv", "/api/v2/user").ok
    assert _as(owner, "plex.tv", "/api/v2/shared_servers/owned/accepted").ok
    body = {"machineIdentifier": CABIN, "invitedEmail": "both@example.org", "librarySectionIds": []}
    assert _as(owner, "plex.tv", "/api/v2/shared_servers", "POST", json=body).status_code == 201


def test_unknown_provider_combinations_stay_served(owner: PlexClient) -> None:
    rating_key = owner.xml("/library/sections/watchlist/all").find("*").get("ratingKey")
    assert _as(owner, "discover.provider.plex.tv", f"/library/metadata/{rating_key}").ok
    assert _as(owner, "metadata.provider.plex.tv", "/library/search", params={"query": "x"}).ok


def test_requests_to_the_simulators_own_address_are_served(owner: PlexClient) -> None:
    assert owner.get("/library/sections/watchlist/all").ok
    assert owner.get("/api/v2/user").ok
