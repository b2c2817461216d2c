"""Helpers for talking to the simulator the way a plex.tv client does."""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element

import pytest
import requests
from defusedxml import ElementTree

from plexsim.pytest_plugin import SimHandle

OWNER_TOKEN = "demo-owner-token-0001"
PARTNER_TOKEN = "demo-partner-token-0002"
DEN = "07b33a43085dc2635f0bb026696069991fae76dc"
CABIN = "15757bbee2bb63fc0da1142e5b3f54a9ad225744"


class PlexClient:
    """A minimal plex.tv caller with the standard X-Plex headers."""

    def __init__(self, url: str, token: str | None = OWNER_TOKEN) -> None:
        self.url = url
        self.session = requests.Session()
        self.session.headers["X-Plex-Client-Identifier"] = "plexsim-tests"
        self.session.headers["X-Plex-Product"] = "plexsim tests"
        if token:
            self.session.headers["X-Plex-Token"] = token

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 10)
        return self.session.request(method, self.url + path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("GET", path, **kwargs)

    def xml(self, path: str, method: str = "GET", **kwargs: Any) -> Element:
        response = self.call(method, path, **kwargs)
        assert response.status_code in {200, 201}, response.text
        assert response.headers["Content-Type"].startswith("application/xml")
        return ElementTree.fromstring(response.content)

    def json(self, path: str, method: str = "GET", **kwargs: Any) -> Any:
        headers = {"Accept": "application/json", **kwargs.pop("headers", {})}
        response = self.call(method, path, headers=headers, **kwargs)
        assert response.status_code in {200, 201}, response.text
        assert response.headers["Content-Type"].startswith("application/json")
        return response.json()


@pytest.fixture
def owner(plexsim: SimHandle) -> PlexClient:
    return PlexClient(plexsim.url, OWNER_TOKEN)


def client_for(plexsim: SimHandle, token: str | None) -> PlexClient:
    return PlexClient(plexsim.url, token)
