from __future__ import annotations

import re

import pytest
from django.test import Client

from accounts import services
from accounts.models import Household, Member, PinLogin, PlexAccount, User
from tests import factories

pytestmark = pytest.mark.django_db


def _start(client: Client, path: str = "/accounts/sign-in/plex/") -> PinLogin:
    response = client.post(path, {"next": "/status/"})
    assert response.status_code == 302
    login = PinLogin.objects.get()
    assert response["Location"] == f"/accounts/sign-in/pin/{login.public_id}/"
    return login


def _no_sleep(seconds: float) -> None:
    return None


def test_it_creates_a_strong_pin_bound_to_this_browser(plex_settings, plexsim) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    login = _start(client)
    assert login.kind == PinLogin.Kind.OAUTH
    assert len(login.code) == 25
    assert login.status == PinLogin.Status.PENDING
    assert login.belongs_to(client.session[services.BROWSER_KEY])
    assert login.browser_key_hash != client.session[services.BROWSER_KEY]
    sent = plexsim.requests()
    assert [(r["method"], r["path"]) for r in sent] == [("POST", "/api/v2/pins")]
    assert sent[0]["client"] == plex_settings.PLEX_CLIENT_IDENTIFIER


def test_it_builds_the_forward_url_from_the_public_base_url_only(plex_settings) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    login = _start(client)
    page = client.get(
        f"/accounts/sign-in/pin/{login.public_id}/", headers={"X-Forwarded-Host": "evil.example"}
    ).content.decode()
    auth_url = re.search(r'data-auth-url="([^"]+)"', page)
    assert auth_url is not None
    assert auth_url.group(1).startswith(f"{plex_settings.PLEXTV_BASE_URL}/auth#?")
    assert "forwardUrl=http%3A%2F%2F127.0.0.1%3A8000%2Faccounts%2Fsign-in%2Fpin%2F" in page
    assert "evil.example" not in page


def test_it_signs_in_after_approval_and_sends_the_first_person_to_set_up(
    plexsim, plex_settings
) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    login = _start(client)
    first = client.get(
        f"/accounts/sign-in/pin/{login.public_id}/status/", headers={"HX-Request": "true"}
    )
    assert "Waiting for approval" in first.content.decode()
    approvals = []

    def approve_then_wait(seconds: float) -> None:
        if not approvals:
            approvals.append(plexsim.approve_pin(login.code, "morgan"))

    result = services.poll_pin_login(login.pk, sleep=approve_then_wait)
    assert result.login.status == PinLogin.Status.LINKED
    assert result.login.polls == 2
    account = PlexAccount.objects.get(plex_id=1001001)
    # The token plex.tv issued to this dashboard's device for the approved PIN.
    assert account.get_token() == approvals[0]
    assert account.has_plex_pass

    session_before = client.session.session_key
    response = client.get(
        f"/accounts/sign-in/pin/{login.public_id}/status/", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/setup/"
    assert approvals[0] not in response.content.decode()
    assert client.session.session_key != session_before
    assert User.objects.get(plex_account=account).pk == int(client.session["_auth_user_id"])
    assert PinLogin.objects.get(pk=login.pk).status == PinLogin.Status.COMPLETED


def test_it_tells_a_second_session_nothing_about_the_pin(plexsim, plex_settings) -> None:  # type: ignore[no-untyped-def]
    mine, other = Client(), Client()
    login = _start(mine)
    plexsim.approve_pin(login.code, "morgan")
    services.poll_pin_login(login.pk, sleep=_no_sleep)
    other.get("/accounts/sign-in/")
    base = f"/accounts/sign-in/pin/{login.public_id}/"
    assert other.get(base).status_code == 404
    assert other.get(base + "status/", headers={"HX-Request": "true"}).status_code == 404
    assert other.post(base + "check/").status_code == 404
    assert other.post(base + "cancel/").status_code == 404
    assert "_auth_user_id" not in other.session
    assert mine.get(base + "status/", headers={"HX-Request": "true"})["HX-Redirect"]


def test_it_marks_an_expired_pin_and_stops_polling(plexsim, plex_settings) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    login = _start(client)
    plexsim.advance_clock(1801)
    result = services.poll_pin_login(login.pk, sleep=_no_sleep)
    assert result.login.status == PinLogin.Status.EXPIRED
    assert result.next_delay == 0.0
    response = client.get(
        f"/accounts/sign-in/pin/{login.public_id}/status/", headers={"HX-Request": "true"}
    )
    assert response.status_code == 286
    assert "expired" in response.content.decode()


def test_it_stops_polling_once_cancelled(plexsim, plex_settings) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    login = _start(client)
    response = client.post(f"/accounts/sign-in/pin/{login.public_id}/cancel/")
    assert response.status_code == 302
    seq = plexsim.requests()[-1]["seq"]
    result = services.poll_pin_login(login.pk, sleep=_no_sleep)
    assert result.login.status == PinLogin.Status.CANCELLED
    assert plexsim.requests(since=seq) == []


def test_it_widens_the_interval_on_429_and_keeps_polling(plexsim, plex_settings) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    login = _start(client)
    plexsim.add_fault(
        action="status",
        method="GET",
        path="/api/v2/pins/*",
        status=429,
        headers={"Retry-After": "2"},
        body='{"errors":[{"code":1003,"message":"API rate limit exceeded","status":429}]}',
        times=2,
    )
    waits: list[float] = []

    def record(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 3:
            plexsim.approve_pin(login.code, "morgan")

    result = services.poll_pin_login(login.pk, sleep=record)
    assert waits == [2.0, 4.0, 4.0]
    assert result.login.status == PinLogin.Status.LINKED
    assert result.login.polls == 4


def test_it_bounds_the_number_of_polls(plexsim, plex_settings) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    login = _start(client)
    result = services.poll_pin_login(login.pk, sleep=_no_sleep, max_polls=3)
    assert result.login.status == PinLogin.Status.EXPIRED
    polls = [r for r in plexsim.requests() if r["method"] == "GET" and "/pins/" in r["path"]]
    assert len(polls) == 3


def test_it_hands_over_to_a_new_run_when_the_budget_is_spent(plexsim, plex_settings) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    login = _start(client)
    result = services.poll_pin_login(login.pk, sleep=_no_sleep, budget=0.0)
    assert result.login.status == PinLogin.Status.PENDING
    assert result.next_delay == 1.0
    assert PinLogin.objects.get(pk=login.pk).polls == 1


def test_it_signs_in_with_a_code_without_javascript(plexsim, plex_settings) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    login = _start(client, "/accounts/sign-in/link/")
    assert login.kind == PinLogin.Kind.LINK
    page = client.get(f"/accounts/sign-in/pin/{login.public_id}/").content.decode()
    assert f'aria-label="code">{login.code}</p>' in page
    assert len(login.code) == 4
    assert "plex.tv/link" in page
    plexsim.approve_pin(login.code, "morgan")
    response = client.post(f"/accounts/sign-in/pin/{login.public_id}/check/")
    assert response["Location"] == f"/accounts/sign-in/pin/{login.public_id}/"
    final = client.get(response["Location"])
    assert final.status_code == 302
    assert final["Location"] == "/accounts/setup/"


def test_it_makes_a_friend_of_the_owner_a_member(household: Household, plexsim) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    login = _start(client)
    plexsim.approve_pin(login.code, "alex.rivera")
    services.poll_pin_login(login.pk, sleep=_no_sleep)
    response = client.get(
        f"/accounts/sign-in/pin/{login.public_id}/status/", headers={"HX-Request": "true"}
    )
    assert response["HX-Redirect"] == "/status/"
    account = PlexAccount.objects.get(plex_id=1001010)
    assert account.member.role == Member.Role.MEMBER
    assert account.token_ciphertext == ""


def test_it_leaves_an_outsider_without_a_role(household: Household, plexsim) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    login = _start(client)
    plexsim.approve_pin(login.code, "sasha")
    services.poll_pin_login(login.pk, sleep=_no_sleep)
    response = client.get(
        f"/accounts/sign-in/pin/{login.public_id}/status/", headers={"HX-Request": "true"}
    )
    assert response["HX-Redirect"] == "/"
    assert not Member.objects.filter(plex_account__plex_id=1001020).exists()
    page = client.get("/accounts/me/")
    assert page.status_code == 403
    assert "belongs to Morgan's household" in page.content.decode()


def test_it_renews_the_owner_token_when_the_owner_signs_in_again(
    household: Household, plexsim
) -> None:  # type: ignore[no-untyped-def]
    household.owner.mark_token(PlexAccount.TokenStatus.NEEDS_RELINK, "401")
    client = Client()
    login = _start(client)
    token = plexsim.approve_pin(login.code, "morgan")
    services.poll_pin_login(login.pk, sleep=_no_sleep)
    owner = PlexAccount.objects.get(pk=household.owner.pk)
    assert owner.token_status == PlexAccount.TokenStatus.OK
    assert owner.get_token() == token != "demo-owner-token-0001"


def test_it_stores_no_token_for_anyone_but_the_owner_once_set_up(
    household: Household, plexsim
) -> None:  # type: ignore[no-untyped-def]
    factories.plex_account("jamie")
    client = Client()
    login = _start(client)
    plexsim.approve_pin(login.code, "jamie")
    services.poll_pin_login(login.pk, sleep=_no_sleep)
    assert PlexAccount.objects.get(plex_id=1001002).token_ciphertext == ""


def test_the_popup_landing_page_reveals_nothing(plex_settings) -> None:  # type: ignore[no-untyped-def]
    login = _start(Client())
    page = Client().get(f"/accounts/sign-in/pin/{login.public_id}/done/")
    assert page.status_code == 200
    assert login.code not in page.content.decode()
    assert "You can close this window" in page.content.decode()


@pytest.mark.parametrize(
    "path", ["/accounts/sign-in/plex/", "/accounts/sign-in/link/", "/accounts/sign-out/"]
)
def test_it_rejects_get_on_actions(path: str, plex_settings) -> None:  # type: ignore[no-untyped-def]
    assert Client().get(path).status_code == 405
