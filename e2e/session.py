"""Browser sessions for the e2e tests."""

from __future__ import annotations


def sign_in_browser(page, live_server, household) -> None:  # type: ignore[no-untyped-def]
    """Give the browser the owner's session, made with the test client's force_login."""
    from django.conf import settings
    from django.test import Client

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(plex_account=household.owner))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
