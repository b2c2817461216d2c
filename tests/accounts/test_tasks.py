from __future__ import annotations

import json

import pytest

from accounts.models import Household, PlexAccount
from accounts.tasks import ping_owner_token

pytestmark = pytest.mark.django_db


def test_it_pings_a_working_token(household: Household, plexsim) -> None:  # type: ignore[no-untyped-def]
    result = ping_owner_token()
    assert result == {"status": "ok", "pinged": True}
    assert [r["path"] for r in plexsim.requests()] == ["/api/v2/ping"]
    assert PlexAccount.objects.get(pk=household.owner.pk).token_checked_at is not None


def test_it_marks_needs_relink_on_401_and_then_stops_calling(household: Household, plexsim) -> None:  # type: ignore[no-untyped-def]
    plexsim.add_fault(action="status", path="/api/v2/ping", status=401)
    assert ping_owner_token() == {"status": "needs_relink", "pinged": True}
    assert ping_owner_token() == {"status": "needs_relink", "pinged": False}
    assert len(plexsim.requests()) == 1


def test_it_leaves_the_token_alone_when_plex_tv_is_down(
    household: Household, plexsim, settings
) -> None:  # type: ignore[no-untyped-def]
    plexsim.add_fault(action="status", path="/api/v2/ping", status=503)
    settings.PLEXTV_READ_TIMEOUT = 1
    from unittest import mock

    with mock.patch("plextv.transport.time.sleep"):
        result = ping_owner_token()
    assert result["status"] == "ok"


def test_task_results_and_arguments_carry_no_token(household: Household, plexsim) -> None:  # type: ignore[no-untyped-def]
    assert "demo-owner-token" not in json.dumps(ping_owner_token())
