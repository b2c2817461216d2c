from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    ["/activity/", "/activity/mine/", "/activity/watchlist/", "/activity/discover/"],
)
def test_it_renders(owner, collected, url) -> None:
    response = owner.client.get(url)
    assert response.status_code == 200, response.content[:2000]
