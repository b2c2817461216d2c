from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from accounts.models import Household, PlexAccount
from accounts.plex import PlexLinkProblem, client_config, owner_client, report_failure
from plextv.errors import ApiChanged, RateLimited, Unauthorized, Unavailable
from tests import factories

pytestmark = pytest.mark.django_db

Status = PlexAccount.TokenStatus


def test_it_builds_the_config_from_settings(plex_settings) -> None:  # type: ignore[no-untyped-def]
    plex_settings.PLEX_CLIENT_IDENTIFIER = "install-abc"
    plex_settings.PLEXTV_CONNECT_TIMEOUT = 3
    plex_settings.PLEXTV_READ_TIMEOUT = 7
    config = client_config()
    assert config.client_identifier == "install-abc"
    assert config.product == "plexadmin"
    assert config.plex_tv == plex_settings.PLEXTV_BASE_URL
    assert config.clients == plex_settings.PLEXTV_BASE_URL
    assert config.app == plex_settings.PLEXTV_BASE_URL
    assert config.timeout == (3.0, 7.0)


def test_it_uses_the_real_hosts_when_no_base_url_is_set(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PLEXTV_BASE_URL = ""
    settings.PLEX_AUTH_URL = "https://app.plex.tv/auth"
    config = client_config()
    assert config.plex_tv == "https://plex.tv"
    assert config.app == "https://app.plex.tv"


def test_it_refuses_without_a_household_and_sends_nothing(plex_settings, plexsim) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PlexLinkProblem, match="No household is set up yet"):
        owner_client()
    assert plexsim.requests() == []


def test_it_acts_as_the_owner(household: Household, plexsim) -> None:  # type: ignore[no-untyped-def]
    client = owner_client()
    assert client.account().username == "morgan"
    assert [r["path"] for r in plexsim.requests()] == ["/api/v2/user"]


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (Status.NEEDS_RELINK, "should sign in with Plex again"),
        (Status.API_CHANGED, "plex.tv changed its API"),
    ],
)
def test_it_refuses_a_token_known_to_be_unusable(
    household: Household, plexsim, status: str, message: str
) -> None:  # type: ignore[no-untyped-def]
    household.owner.mark_token(status)
    with pytest.raises(PlexLinkProblem, match=message):
        owner_client()
    assert plexsim.requests() == []


def test_it_marks_needs_relink_on_a_wrong_key_and_never_sends_the_ciphertext(
    household: Household, plexsim, settings
) -> None:  # type: ignore[no-untyped-def]
    ciphertext = household.owner.token_ciphertext
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(PlexLinkProblem, match="cannot be decrypted") as caught:
        owner_client()
    assert caught.value.account == household.owner
    owner = PlexAccount.objects.get(pk=household.owner.pk)
    assert owner.token_status == Status.NEEDS_RELINK
    assert "cannot be decrypted" in owner.token_status_detail
    assert plexsim.requests() == []
    assert ciphertext not in repr(plexsim.state())


def test_it_marks_needs_relink_when_plex_tv_answers_401(household: Household, plexsim) -> None:  # type: ignore[no-untyped-def]
    plexsim.add_fault(action="status", path="/api/v2/user", status=401, times=1)
    client = owner_client()
    with pytest.raises(Unauthorized) as caught:
        client.account()
    report_failure(household.owner, caught.value)
    owner = PlexAccount.objects.get(pk=household.owner.pk)
    assert owner.token_status == Status.NEEDS_RELINK
    assert owner.token_checked_at is not None
    with pytest.raises(PlexLinkProblem):
        owner_client()
    assert len(plexsim.requests()) == 1


def test_it_marks_api_changed(household: Household) -> None:
    report_failure(household.owner, ApiChanged())
    assert PlexAccount.objects.get(pk=household.owner.pk).token_status == Status.API_CHANGED


@pytest.mark.parametrize("error", [Unavailable(), RateLimited(retry_after=5)])
def test_it_leaves_the_token_alone_on_transient_failures(household: Household, error) -> None:  # type: ignore[no-untyped-def]
    report_failure(household.owner, error)
    assert PlexAccount.objects.get(pk=household.owner.pk).token_status == Status.OK


def test_factories_keep_no_token_unless_asked() -> None:
    assert factories.plex_account("jamie").token_ciphertext == ""
