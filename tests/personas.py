"""The fixed cast every view test runs against: owner, co-admin, member, outsider, anonymous.

All of them come from plexsim's demo household (morgan owns it; jamie is a Home member made
co-admin; alex.rivera is a friend; sasha is another server owner with no access here). The
`household` fixture points plex.tv at plexsim and stores morgan's token encrypted, so views
that call plex.tv work over real HTTP. The repository's conftest loads this module as a pytest
plugin, so every test can ask for these fixtures by name.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from accounts.models import Household, Member, PlexAccount, User
from accounts.plex import owner_client
from sharing.models import SyncRun
from sharing.sync.engine import sync_household
from tests import factories


@dataclass
class Persona:
    name: str
    client: Client
    user: User | None = None
    account: PlexAccount | None = None


def _signed_in(name: str, user: User) -> Persona:
    client = Client()
    client.force_login(user)
    return Persona(name=name, client=client, user=user, account=user.plex_account)


@pytest.fixture
def plex_settings(settings, plexsim):  # type: ignore[no-untyped-def]
    """Django talks to plexsim (reset to the demo seed) for every plex.tv host."""
    settings.PLEXTV_BASE_URL = plexsim.url
    settings.PLEX_AUTH_URL = f"{plexsim.url}/auth"
    return settings


@pytest.fixture
def household(db, plex_settings) -> Household:  # type: ignore[no-untyped-def]
    """morgan owns the household (Morgan's Den), with the demo token stored encrypted."""
    morgan = factories.plex_account("morgan", keep_token=True, title="Morgan", has_plex_pass=True)
    factories.user_for(morgan, Member.Role.OWNER)
    return factories.household(morgan)


@pytest.fixture
def owner(household: Household) -> Persona:
    user = User.objects.get(plex_account=household.owner)
    return _signed_in("owner", user)


@pytest.fixture
def co_admin(household: Household) -> Persona:
    jamie = factories.plex_account("jamie", title="Jamie")
    return _signed_in("co-admin", factories.user_for(jamie, Member.Role.CO_ADMIN))


@pytest.fixture
def member(household: Household) -> Persona:
    alex = factories.plex_account("alex.rivera", title="alex.rivera")
    return _signed_in("member", factories.user_for(alex, Member.Role.MEMBER))


@pytest.fixture
def outsider(household: Household) -> Persona:
    sasha = factories.plex_account("sasha", title="Sasha")
    return _signed_in("outsider", factories.user_for(sasha))


@pytest.fixture
def anonymous(household: Household) -> Persona:
    return Persona(name="anonymous", client=Client())


def run_sync() -> None:
    """Read the current household from plex.tv (plexsim) into the database, Discover included."""
    current = Household.current()
    assert current is not None
    run = SyncRun.objects.create(owner_plex_id=current.owner.plex_id)
    sync_household(owner_client(), current.owner.plex_id, run, discover=True)
