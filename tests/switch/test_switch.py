from __future__ import annotations

import logging

import pytest
import requests
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection

from sharing import switching
from sharing.models import AuditEvent, PlexUser

ELLIE_TOKEN = "demo-ellie-token-0003"  # protected, PIN 1111 (plexsim/README.md)
SAM_TOKEN = "demo-sam-token-0004"  # no PIN


@pytest.fixture
def home(household):  # type: ignore[no-untyped-def]
    return {
        "ellie": PlexUser.objects.create(
            plex_id=1001003,
            kind=PlexUser.MANAGED,
            title="Ellie",
            restriction_profile="little_kid",
            protected=True,
            home=True,
        ),
        "sam": PlexUser.objects.create(
            plex_id=1001004, kind=PlexUser.MANAGED, title="Sam", restriction_profile="teen"
        ),
        "alex": PlexUser.objects.create(plex_id=1001010, kind=PlexUser.FRIEND, title="Alex"),
    }


def switch_calls(plexsim) -> list[dict]:  # type: ignore[no-untyped-def]
    return [r for r in plexsim.requests() if r["path"].endswith("/switch")]


def database_text() -> str:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        chunks = []
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from the schema
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def test_it_lists_home_members_but_not_friends(owner, home) -> None:
    content = owner.client.get("/switch/").content.decode()
    assert "Switch to Ellie" in content
    assert "Switch to Sam" in content
    assert "Alex" not in content
    assert 'title="Switching asks for this profile\'s PIN">PIN' in content


def test_switching_to_an_unprotected_profile_shows_what_plex_tv_shows_them(
    owner, home, plexsim
) -> None:
    rating_key = plexsim.state()["catalog"][0]["ratingKey"]
    added = requests.put(
        f"{plexsim.url}/actions/addToWatchlist",
        params={"ratingKey": rating_key},
        headers={"X-Plex-Token": SAM_TOKEN, "X-Plex-Client-Identifier": "test"},
        timeout=5,
    )
    assert added.status_code == 200
    response = owner.client.post(f"/switch/{home['sam'].pk}/", {"pin": ""})
    assert response.status_code == 302
    assert response["Location"] == "/switch/viewing/"
    page = owner.client.get("/switch/viewing/")
    content = page.content.decode()
    assert "Viewing as <strong>Sam</strong>" in content
    assert plexsim.state()["catalog"][0]["title"] in content
    assert "Managed profile" in content
    assert "no-store" in page["Cache-Control"]
    assert SAM_TOKEN not in content
    event = AuditEvent.objects.get(action="home.switch")
    assert (event.result, event.target_label, event.actor) == ("ok", "Sam", owner.user)


def test_the_switched_token_never_reaches_the_database_the_html_or_the_logs(
    owner, home, plexsim, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    owner.client.post(f"/switch/{home['ellie'].pk}/", {"pin": "1111"})
    content = owner.client.get("/switch/viewing/").content.decode()
    assert "Viewing as <strong>Ellie</strong>" in content
    call_command("clearsessions")
    everything = database_text() + content + caplog.text
    assert ELLIE_TOKEN not in everything
    for start in range(len(ELLIE_TOKEN) - 8):
        assert ELLIE_TOKEN[start : start + 8] not in everything
    ref = owner.client.session[switching.SESSION_KEY]["ref"]
    stored = cache.get(f"switch-token:{ref}")
    assert stored.startswith("gAAAA")


def test_a_wrong_pin_says_so_and_counts_down(owner, home, plexsim) -> None:
    response = owner.client.post(f"/switch/{home['ellie'].pk}/", {"pin": "9999"})
    content = response.content.decode()
    assert response.status_code == 400
    assert "That PIN is not right for Ellie. 4 more tries" in content
    assert switching.SESSION_KEY not in owner.client.session
    assert AuditEvent.objects.get(action="home.switch").result == "failed"


def test_wrong_pins_are_rate_limited_without_asking_plex_tv_again(owner, home, plexsim) -> None:
    for _ in range(5):
        owner.client.post(f"/switch/{home['ellie'].pk}/", {"pin": "9999"})
    assert len(switch_calls(plexsim)) == 5
    response = owner.client.post(f"/switch/{home['ellie'].pk}/", {"pin": "1111"})
    assert "Too many wrong PINs for Ellie" in response.content.decode()
    assert len(switch_calls(plexsim)) == 5
    assert 'name="pin"' in response.content.decode()
    assert "disabled" in response.content.decode()


def test_a_malformed_pin_is_refused_before_plex_tv(owner, home, plexsim) -> None:
    for pin in ("", "12", "abcd", "12345"):
        response = owner.client.post(f"/switch/{home['ellie'].pk}/", {"pin": pin})
        assert response.status_code == 400
        assert "enter its 4-digit PIN" in response.content.decode()
    # A NUL never reaches the view: the request is refused with a 400 first.
    assert owner.client.post(f"/switch/{home['ellie'].pk}/", {"pin": "1\x0012"}).status_code == 400
    assert switch_calls(plexsim) == []


def test_htmx_gets_the_form_back_on_error_and_a_redirect_on_success(owner, home) -> None:
    url = f"/switch/{home['ellie'].pk}/"
    wrong = owner.client.post(url, {"pin": "0000"}, headers={"HX-Request": "true"})
    assert wrong.content.decode().lstrip().startswith('<form id="pin-form"')
    right = owner.client.post(url, {"pin": "1111"}, headers={"HX-Request": "true"})
    assert right["HX-Redirect"] == "/switch/viewing/"


def test_exit_forgets_the_switch_and_its_token(owner, home) -> None:
    owner.client.post(f"/switch/{home['sam'].pk}/")
    ref = owner.client.session[switching.SESSION_KEY]["ref"]
    response = owner.client.post("/switch/exit/")
    assert response.status_code == 302
    assert switching.SESSION_KEY not in owner.client.session
    assert cache.get(f"switch-token:{ref}") is None
    assert owner.client.get("/switch/viewing/")["Location"] == "/switch/"


def test_a_lapsed_switch_asks_to_switch_again(owner, home) -> None:
    owner.client.post(f"/switch/{home['sam'].pk}/")
    cache.delete(f"switch-token:{owner.client.session[switching.SESSION_KEY]['ref']}")
    response = owner.client.get("/switch/viewing/", follow=True)
    assert "The view as Sam has ended" in response.content.decode()


def test_signing_out_forgets_the_switched_token(owner, home) -> None:
    owner.client.post(f"/switch/{home['sam'].pk}/")
    ref = owner.client.session[switching.SESSION_KEY]["ref"]
    owner.client.post("/accounts/sign-out/")
    assert cache.get(f"switch-token:{ref}") is None


def test_friends_and_unknown_people_are_404(owner, home, plexsim) -> None:
    assert owner.client.get(f"/switch/{home['alex'].pk}/").status_code == 404
    assert owner.client.post(f"/switch/{home['alex'].pk}/", {"pin": "1111"}).status_code == 404
    assert owner.client.post("/switch/999999/").status_code == 404
    assert switch_calls(plexsim) == []


def test_only_admins_may_switch(member, outsider, anonymous, home, plexsim) -> None:
    url = f"/switch/{home['sam'].pk}/"
    assert member.client.post(url).status_code == 403
    assert outsider.client.post(url).status_code == 403
    assert anonymous.client.post(url).status_code == 302
    assert member.client.get("/switch/").status_code == 403
    assert switch_calls(plexsim) == []


def test_exit_is_post_only(owner) -> None:
    assert owner.client.get("/switch/exit/").status_code == 405


def test_home_members_pages_link_to_switching_and_friends_do_not(owner, home) -> None:
    sam = owner.client.get(f"/people/{home['sam'].pk}/").content.decode()
    assert f'href="/switch/{home["sam"].pk}/">Switch to Sam</a>' in sam
    alex = owner.client.get(f"/people/{home['alex'].pk}/").content.decode()
    assert "Switch to" not in alex
