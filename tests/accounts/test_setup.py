"""First run: only the operator (who sees the set-up code, or is named by PLEXADMIN_OWNER) can
claim the installation; then they pick one of their servers."""

from __future__ import annotations

import io
import logging

import pytest
from django.core.management import call_command
from django.test import Client

from accounts import setup_code
from accounts.models import Household, Member, PlexAccount
from sharing.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db

SASHA_SERVER = "521bc717385d3330c0df30700a6bda3979594e02"


def _first_person(username: str = "morgan", address: str = "127.0.0.1") -> Client:
    account = factories.plex_account(username, keep_token=True, title=username.title())
    client = Client(REMOTE_ADDR=address)
    client.force_login(factories.user_for(account))
    return client


def _claimed(username: str = "morgan") -> Client:
    client = _first_person(username)
    response = client.post("/accounts/setup/code/", {"code": setup_code.ensure_code()})
    assert response["Location"] == "/accounts/setup/"
    return client


def test_a_fresh_install_asks_for_the_set_up_code_first(plex_settings, plexsim) -> None:  # type: ignore[no-untyped-def]
    response = _first_person("sasha").get("/accounts/setup/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Enter the set-up code" in body
    assert SASHA_SERVER not in body
    assert "manage this server" not in body.lower()
    code = setup_code.code_file().read_text().strip()
    assert code not in body
    assert plexsim.requests() == []  # nothing is asked of plex.tv for someone who may not claim


def test_without_the_code_nobody_becomes_the_owner(plex_settings, plexsim) -> None:  # type: ignore[no-untyped-def]
    client = _first_person("sasha")
    picked = client.post("/accounts/setup/pick/", {"machine_identifier": SASHA_SERVER})
    assert picked.status_code == 403
    assert client.get("/accounts/setup/claim-token/").status_code == 200
    assert b"claim-token" not in client.get("/accounts/setup/claim-token/").content
    assert Household.current() is None
    assert not Member.objects.exists()
    assert plexsim.requests() == []


def test_the_right_code_lets_the_person_pick_their_server(plex_settings) -> None:  # type: ignore[no-untyped-def]
    client = _first_person()
    code = setup_code.ensure_code()
    # Read off a screen and typed back: case, spaces and look-alike letters do not matter.
    typed = code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    response = client.post("/accounts/setup/code/", {"code": typed})
    assert response["Location"] == "/accounts/setup/"
    body = client.get("/accounts/setup/").content.decode()
    assert factories.DEN in body
    assert factories.CABIN in body


def test_a_wrong_code_is_refused_and_changes_nothing(plex_settings, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    client = _first_person("sasha")
    code = setup_code.ensure_code()
    response = client.post("/accounts/setup/code/", {"code": "AAAA-BBBB-CCCC-DDDD"})
    assert response.status_code == 200
    assert "That is not the set-up code" in response.content.decode()
    assert "AAAA-BBBB" not in response.content.decode()
    empty = client.post("/accounts/setup/code/", {"code": ""})
    assert "That is not the set-up code" in empty.content.decode()
    assert "setup_claim" not in client.session
    assert (
        client.post("/accounts/setup/pick/", {"machine_identifier": SASHA_SERVER}).status_code
        == 403
    )
    right = client.post("/accounts/setup/code/", {"code": code})
    assert right.status_code == 302
    assert code not in caplog.text
    assert setup_code.normalize(code) not in caplog.text


def test_guesses_are_limited_per_address_and_in_all(plex_settings) -> None:  # type: ignore[no-untyped-def]
    code = setup_code.ensure_code()
    guesser = _first_person("sasha", address="198.51.100.7")
    answers = [
        guesser.post("/accounts/setup/code/", {"code": f"WRONG{n}"}).status_code for n in range(6)
    ]
    assert answers == [200] * 5 + [429]
    # Once the limit is reached even the right code is not checked from there.
    assert guesser.post("/accounts/setup/code/", {"code": code}).status_code == 429
    assert "setup_claim" not in guesser.session
    # Another address still may, until guesses from everyone together reach their limit.
    operator = _first_person("morgan", address="192.0.2.1")
    assert operator.post("/accounts/setup/code/", {"code": code}).status_code == 302
    spread = [
        _as("sasha", f"203.0.113.{n}").post("/accounts/setup/code/", {"code": "nope"}).status_code
        for n in range(setup_code.GUESSES_IN_ALL)
    ]
    assert spread[-1] == 429
    late = _as("morgan", "192.0.2.99").post("/accounts/setup/code/", {"code": code})
    assert late.status_code == 429


def _user(username: str):  # type: ignore[no-untyped-def]
    return PlexAccount.objects.get(username=username).user


def _as(username: str, address: str) -> Client:
    client = Client(REMOTE_ADDR=address)
    client.force_login(_user(username))
    return client


def test_it_makes_the_picker_the_owner_forgets_other_tokens_and_the_code(plex_settings) -> None:  # type: ignore[no-untyped-def]
    bystander = factories.plex_account("jamie", keep_token=True)
    client = _claimed()
    response = client.post("/accounts/setup/pick/", {"machine_identifier": factories.CABIN})
    assert response["Location"] == "/accounts/account/"
    household = Household.current()
    assert household is not None
    assert household.server_name == "Cabin NAS"
    assert household.owner.username == "morgan"
    assert Member.objects.get(plex_account=household.owner).role == Member.Role.OWNER
    assert PlexAccount.objects.get(pk=bystander.pk).token_ciphertext == ""
    assert client.get("/accounts/setup/")["Location"] == "/"
    assert not setup_code.code_file().exists()  # it worked once
    event = AuditEvent.objects.get(action="role.owner")
    assert event.target_label == "Morgan"


def test_it_refuses_a_server_the_person_does_not_own(plex_settings) -> None:  # type: ignore[no-untyped-def]
    client = _claimed("sasha")
    response = client.post("/accounts/setup/pick/", {"machine_identifier": factories.DEN})
    assert response.status_code == 302
    assert Household.current() is None


def test_only_the_first_household_wins(household: Household) -> None:
    client = _first_person("sasha")
    response = client.post("/accounts/setup/pick/", {"machine_identifier": SASHA_SERVER})
    assert response.status_code == 403
    assert Household.objects.count() == 1
    assert client.post("/accounts/setup/code/", {"code": "anything"}).status_code == 403


def test_the_claimed_person_gets_a_claim_token(plex_settings) -> None:  # type: ignore[no-untyped-def]
    body = _claimed().get("/accounts/setup/claim-token/").content.decode()
    assert 'class="claim-token">claim-' in body
    assert "four minutes" in body


def test_plexadmin_owner_names_the_only_account_that_may_claim(plex_settings) -> None:  # type: ignore[no-untyped-def]
    plex_settings.PLEXADMIN_OWNER = "morgan@example.com"
    sasha = _first_person("sasha")
    refused = sasha.get("/accounts/setup/")
    assert refused.status_code == 403
    assert "reserved for another Plex account" in refused.content.decode()
    assert sasha.post("/accounts/setup/code/", {"code": "x"}).status_code == 403
    assert (
        sasha.post("/accounts/setup/pick/", {"machine_identifier": SASHA_SERVER}).status_code == 403
    )
    assert not setup_code.code_file().exists()  # no code exists at all then

    morgan = _first_person("morgan")
    assert factories.DEN in morgan.get("/accounts/setup/").content.decode()
    morgan.post("/accounts/setup/pick/", {"machine_identifier": factories.DEN})
    assert Household.current().owner.username == "morgan"  # type: ignore[union-attr]


def test_the_console_command_prints_the_code_until_a_household_exists(plex_settings) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    call_command("setup_code", stdout=out)
    code = setup_code.code_file().read_text().strip()
    assert f"Set-up code: {code}" in out.getvalue()
    again = io.StringIO()
    call_command("setup_code", stdout=again)
    assert code in again.getvalue()  # the same code until it is used
    assert setup_code.code_file().stat().st_mode & 0o077 == 0  # readable by the operator only

    plex_settings.PLEXADMIN_OWNER = "morgan"
    named = io.StringIO()
    call_command("setup_code", stdout=named)
    assert "sign in with Plex as morgan" in named.getvalue()

    morgan = factories.plex_account("morgan", keep_token=True)
    factories.household(morgan)
    after = io.StringIO()
    call_command("setup_code", stdout=after)
    assert after.getvalue() == ""
    assert not setup_code.code_file().exists()


def test_the_code_has_80_random_bits_and_compares_without_shortcuts() -> None:
    codes = {setup_code.new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(setup_code.normalize(code)) == 16 for code in codes)
    assert set("".join(codes).replace("-", "")) <= set(setup_code.ALPHABET)
