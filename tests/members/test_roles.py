"""Every URL of the members' space, for every role (owner, co-admin, member, outsider,
anonymous, and kai: a member without an invite allowance), with GET and POST, generated
from the URLconf: a new URL in members/urls.py without a row in METHODS fails here.

Objects in the path belong to the member persona (alex.rivera): the member reaches them, an
admin visiting the member pages with them gets a 404 (they are not the admin's own), an
outsider gets the polite "not your household" page, anonymous visitors go to sign-in.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.models import PinLogin
from members import allowances
from members.models import AccessRequest, Allowance, SignInAction
from tests.fuzz.routes import Route, all_routes
from tests.joins.conftest import DEN, MOVIES
from tests.members.conftest import alex_share
from tests.personas import Persona

pytestmark = pytest.mark.django_db

ROUTES = [route for route in all_routes() if route.namespace == "members"]
PERSONAS = ["owner", "co_admin", "member", "kai", "outsider", "anonymous"]
MEMBER_PAGES = {
    "home",
    "ask-library",
    "ask-time",
    "accept",
    "link-tv",
    "action",
    "action-check",
    "invites",
    "invite-disable",
}
ADMIN_PAGES = {
    "requests",
    "waiting",
    "approve",
    "deny",
    "allowances",
    "allowance",
    "allowance-revoke",
    "tree",
}
# The methods each URL answers; anything else is a 405 for whoever may see the page.
METHODS = {
    "home": {"GET"},
    "ask-library": {"POST"},
    "ask-time": {"POST"},
    "accept": {"POST"},
    "link-tv": {"GET", "POST"},
    "action": {"GET"},
    "action-check": {"POST"},
    "requests": {"GET"},
    "waiting": {"GET"},
    "approve": {"POST"},
    "deny": {"POST"},
    "invites": {"GET", "POST"},
    "invite-disable": {"POST"},
    "allowances": {"GET"},
    "allowance": {"GET", "POST"},
    "allowance-revoke": {"GET", "POST"},
    "tree": {"GET"},
}
# Pages whose path names the member's own object: someone else gets a 404.
OWN_OBJECT = {"ask-library", "ask-time", "action", "action-check", "invite-disable"}


def test_every_url_of_the_area_has_a_row() -> None:
    names = {route.name for route in ROUTES}
    assert names == MEMBER_PAGES | ADMIN_PAGES
    assert set(METHODS) == names


def _objects(member: Persona) -> dict[str, str]:
    share = alex_share()
    login = PinLogin.objects.create(
        kind=PinLogin.Kind.OAUTH,
        pin_id=99,
        code="ROLES",
        client_identifier="roles",
        browser_key_hash="0" * 64,
        expires_at=timezone.now(),
    )
    action = SignInAction.objects.create(
        requester=member.user,
        kind=SignInAction.ACCEPT,
        pin_login=login,
        state=SignInAction.FAILED,
        detail="ended",
    )
    asked = AccessRequest.objects.create(
        requester=member.user, share=share, kind=AccessRequest.TIME, until=timezone.now()
    )
    alex = member.user.member  # type: ignore[attr-defined]
    Allowance.objects.create(
        member=alex, max_people=2, grants=allowances.as_grants({DEN: {MOVIES}})
    )
    link, _code = allowances.create_link(alex, allowances.LinkRequest("roles", {MOVIES}, 1, None))
    return {
        "share_id": str(share.pk),
        "action_id": str(action.pk),
        "request_id": str(asked.pk),
        "link_id": str(link.pk),
        "member_id": str(alex.pk),
        "person_id": str(share.user_id),
    }


def _expected(route: Route, persona: str, method: str) -> set[int]:
    if persona == "anonymous":
        return {302}
    admin = persona in ("owner", "co_admin")
    if route.name in ADMIN_PAGES and not admin:
        return {403}
    if route.name in MEMBER_PAGES and persona == "outsider":
        return {403}
    if method not in METHODS[route.name]:
        return {405}
    if route.name in OWN_OBJECT and persona != "member":
        return {404}
    return {200, 302, 400}


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("persona_name", PERSONAS)
def test_each_role_gets_the_right_answer_everywhere(
    persona_name: str, method: str, synced, request
) -> None:  # type: ignore[no-untyped-def]
    member: Persona = request.getfixturevalue("member")
    persona: Persona = request.getfixturevalue(persona_name)
    objects = _objects(member)
    wrong = []
    for route in ROUTES:
        path = route.path({name: objects[name] for name, _ in route.params})
        response = getattr(persona.client, method.lower())(path)
        expected = _expected(route, persona_name, method)
        if response.status_code not in expected:
            wrong.append(f"{method} {path}: {response.status_code}, expected {expected}")
        body = response.content.decode()
        if response.status_code == 403:
            assert "Morgan" in body, path
            assert "Den" not in body, path
        if response.status_code == 302 and persona_name == "anonymous":
            assert response["Location"].startswith("/accounts/sign-in/?next="), path
    assert wrong == []
    # Nobody but the member's own requests changed state, and no admin action came of it.
    if persona_name not in ("owner", "co_admin"):
        assert AccessRequest.objects.get().state == AccessRequest.PENDING
