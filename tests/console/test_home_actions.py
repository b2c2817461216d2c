"""Plex Home actions: managed users, Home invites, profiles, PINs, removal from the Home."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import PlexAccount
from sharing import operations
from sharing.forms import new_key
from sharing.models import AuditEvent, Operation, PlexUser
from tests.console.conftest import DEN, person

pytestmark = pytest.mark.django_db

MOVIES, KIDS = 118181361, 118181365
ELLIE, SAM = 1001003, 1001004


def sim_account(plexsim: Any, **match: Any) -> dict[str, Any] | None:
    for account in plexsim.state()["accounts"]:
        if all(account.get(k) == v for k, v in match.items()):
            return account
    return None


def home_members(plexsim: Any) -> list[int]:
    [home] = [h for h in plexsim.state()["homes"] if h["adminId"] == 1001001]
    return list(home["memberIds"])


def post(client, url: str, data: dict[str, Any], capture) -> Any:  # type: ignore[no-untyped-def]
    with capture(execute=False):
        return client.post(url, {"key": new_key(), **data})


def only_op(kind: str) -> Operation:
    return Operation.objects.get(kind=kind)


def test_it_creates_a_managed_user_with_a_pin_and_libraries(
    owner, synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    response = post(
        owner.client,
        "/people/home/new/create/",
        {
            "name": "Robin",
            "profile": "older_kid",
            "pin": "4321",
            "libraries": [KIDS],
            "allow_tuners": "0",
        },
        django_capture_on_commit_callbacks,
    )
    op = only_op("home.create_managed")
    assert response["Location"] == f"/people/?op={op.pk}"
    assert operations.execute(op.pk).state == Operation.SUCCEEDED

    robin = sim_account(plexsim, title="Robin")
    assert robin is not None
    assert robin["restricted"]
    assert robin["restrictionProfile"] == "older_kid"
    assert robin["homePin"] == "4321"
    assert robin["id"] in home_members(plexsim)
    [share] = [s for s in plexsim.state()["shares"] if s.get("userId") == robin["id"]]
    assert (share["machineIdentifier"], share["sectionIds"]) == (DEN, [KIDS])
    local = PlexUser.objects.get(plex_id=robin["id"])
    assert (local.kind, local.protected, local.restriction_profile) == (
        "managed",
        True,
        "older_kid",
    )
    op.refresh_from_db()
    assert "4321" not in str(op.params)
    assert "4321" not in str(AuditEvent.objects.get(action="home.create_managed").changes)


def test_a_redelivered_create_makes_no_second_user(
    owner, synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    post(
        owner.client,
        "/people/home/new/create/",
        {"name": "Robin", "allow_tuners": "0"},
        django_capture_on_commit_callbacks,
    )
    op = only_op("home.create_managed")
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    Operation.objects.filter(pk=op.pk).update(state=Operation.RUNNING)
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    assert len([a for a in plexsim.state()["accounts"] if a.get("title") == "Robin"]) == 1


def test_a_create_whose_answer_was_lost_finds_the_user_instead_of_creating_another(
    owner, synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    plexsim.add_fault(action="reset", method="POST", path="/api/v2/home/users/restricted", times=1)
    post(
        owner.client,
        "/people/home/new/create/",
        {"name": "Robin", "allow_tuners": "0"},
        django_capture_on_commit_callbacks,
    )
    op = only_op("home.create_managed")
    assert operations.execute(op.pk).state == Operation.QUEUED
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    assert len([a for a in plexsim.state()["accounts"] if a.get("title") == "Robin"]) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "This field is required"),
        ({"name": "Robin", "pin": "12a4"}, "exactly 4 digits"),
        ({"name": "Robin", "profile": "toddler"}, "Select a valid choice"),
        (
            {"name": "Robin", "profile": "teen", "filter_movies__labels": "Cartoons"},
            "does not allow rating or label filters",
        ),
    ],
)
def test_it_rejects_invalid_managed_users_before_calling_plex_tv(
    owner, synced, plexsim, data: dict[str, Any], message: str
) -> None:
    response = owner.client.post(
        "/people/home/new/create/", {"key": new_key(), "allow_tuners": "0", **data}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert plexsim.requests() == []
    assert not Operation.objects.exists()


def test_it_refuses_a_sixteenth_home_member(owner, synced, plexsim) -> None:
    PlexUser.objects.bulk_create(
        PlexUser(plex_id=5_000_000 + i, title=f"Kid {i}", kind="managed", home=True)
        for i in range(11)
    )
    response = owner.client.post(
        "/people/home/new/create/", {"key": new_key(), "name": "One more", "allow_tuners": "0"}
    )
    assert response.status_code == 400
    assert "15 members" in response.content.decode()
    assert plexsim.requests() == []


def test_home_invites_need_plex_pass(owner, synced, plexsim, household) -> None:
    PlexAccount.objects.filter(pk=household.owner_id).update(has_plex_pass=False)
    response = owner.client.post("/people/home/invite/send/", {"key": new_key(), "who": "priya"})
    assert response.status_code == 400
    assert "needs Plex Pass" in response.content.decode()
    assert plexsim.requests() == []


def test_it_invites_an_account_into_the_home(
    owner, synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    post(
        owner.client,
        "/people/home/invite/send/",
        {"who": "priya"},
        django_capture_on_commit_callbacks,
    )
    op = only_op("home.invite")
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    assert any(
        i.get("invitedId") == 1001011 or i.get("userId") == 1001011
        for i in plexsim.state()["homeInvites"]
    )


def test_it_shows_plex_tv_refusing_an_unknown_account(
    owner, synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    post(
        owner.client,
        "/people/home/invite/send/",
        {"who": "nobody.here"},
        django_capture_on_commit_callbacks,
    )
    op = only_op("home.invite")
    assert operations.execute(op.pk).state == Operation.FAILED
    op.refresh_from_db()
    # plex.tv's own reason, and no Retry: sending the same invite again cannot help.
    assert "plex.tv said: “User not found”" in op.message
    assert not op.retryable
    page = owner.client.get(f"/people/operations/{op.pk}/").content.decode()
    assert "User not found" in page
    assert "Retry" not in page
    retried = owner.client.post(f"/people/operations/{op.pk}/retry/")
    assert retried.status_code == 302
    op.refresh_from_db()
    assert op.state == Operation.FAILED
    assert [r for r in plexsim.requests() if r["method"] == "POST"] == [
        r for r in plexsim.requests() if r["method"] == "POST"
    ][:1]


def test_it_changes_a_restriction_profile(
    owner, synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    sam = person(title="Sam")
    post(
        owner.client,
        f"/people/{sam.pk}/profile/",
        {"profile": "older_kid"},
        django_capture_on_commit_callbacks,
    )
    op = only_op("home.set_profile")
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    assert sim_account(plexsim, id=SAM)["restrictionProfile"] == "older_kid"
    sam.refresh_from_db()
    assert sam.restriction_profile == "older_kid"
    assert AuditEvent.objects.get(action="home.set_profile").changes == [
        {"field": "restriction_profile", "before": "Teen", "after": "Older Kid"}
    ]


def test_it_sets_and_removes_a_pin(
    owner, synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    sam = person(title="Sam")
    post(
        owner.client, f"/people/{sam.pk}/pin/", {"pin": "9876"}, django_capture_on_commit_callbacks
    )
    assert operations.execute(only_op("home.set_pin").pk).state == Operation.SUCCEEDED
    assert sim_account(plexsim, id=SAM)["homePin"] == "9876"
    sam.refresh_from_db()
    assert sam.protected
    Operation.objects.all().delete()

    post(
        owner.client, f"/people/{sam.pk}/pin/", {"remove": "on"}, django_capture_on_commit_callbacks
    )
    assert operations.execute(only_op("home.set_pin").pk).state == Operation.SUCCEEDED
    assert not sim_account(plexsim, id=SAM)["homePin"]


def test_it_rejects_pin_and_profile_changes_for_people_who_are_not_managed(
    owner, synced, plexsim
) -> None:
    alex = person("alex.rivera")
    assert (
        owner.client.post(f"/people/{alex.pk}/pin/", {"key": new_key(), "pin": "1234"}).status_code
        == 404
    )
    assert (
        owner.client.post(
            f"/people/{alex.pk}/profile/", {"key": new_key(), "profile": "teen"}
        ).status_code
        == 404
    )
    assert plexsim.requests() == []


def test_it_removes_a_managed_user_from_the_home(
    owner, synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    ellie = person(title="Ellie")
    confirm = owner.client.get(f"/people/{ellie.pk}/home/remove/confirm/").content.decode()
    assert "Remove Ellie from your Home?" in confirm
    post(owner.client, f"/people/{ellie.pk}/home/remove/", {}, django_capture_on_commit_callbacks)
    assert operations.execute(only_op("home.remove").pk).state == Operation.SUCCEEDED
    assert ELLIE not in home_members(plexsim)
    ellie.refresh_from_db()
    assert ellie.removed_locally_at is not None


@pytest.mark.parametrize(
    "url",
    [
        "/people/home/new/create/",
        "/people/home/invite/send/",
        "/people/1/profile/",
        "/people/1/pin/",
        "/people/1/home/remove/",
    ],
)
def test_home_actions_are_post_only(owner, synced, url: str) -> None:
    assert owner.client.get(url).status_code == 405


@pytest.mark.parametrize("persona", ["member", "outsider"])
def test_home_actions_are_for_admins_only(persona, request, synced, plexsim) -> None:
    who = request.getfixturevalue(persona)
    sam = person(title="Sam")
    assert who.client.get("/people/home/new/").status_code == 403
    assert (
        who.client.post(f"/people/{sam.pk}/pin/", {"key": new_key(), "pin": "1234"}).status_code
        == 403
    )
    assert plexsim.requests() == []


def test_a_bad_pin_is_shown_inline_in_the_home_card(owner, synced, plexsim) -> None:
    # The trial: a bare page "…4 digits.; Enter a 4-digit PIN…".
    sam = person(title="Sam")
    plain = owner.client.post(f"/people/{sam.pk}/pin/", {"key": new_key(), "pin": "12a"})
    assert plain.status_code == 400
    html = plain.content.decode()
    assert 'id="home-card"' in html
    assert "A Home PIN is exactly 4 digits." in html
    assert 'aria-invalid="true"' in html
    assert "Enter a 4-digit PIN" not in html  # one clear message, not two
    assert html.count('id="share-') >= 1  # the whole person page, not a bare error page
    htmx = owner.client.post(
        f"/people/{sam.pk}/pin/", {"key": new_key(), "pin": ""}, HTTP_HX_REQUEST="true"
    )
    assert htmx.status_code == 200
    fragment = htmx.content.decode()
    assert fragment.lstrip().startswith('<section class="card home-card" id="home-card">')
    assert "Enter a 4-digit PIN" in fragment
    assert not Operation.objects.exists()
    assert plexsim.requests() == []


def test_a_pin_change_returns_to_the_person_page_with_its_status(
    owner, synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    sam = person(title="Sam")
    response = post(
        owner.client, f"/people/{sam.pk}/pin/", {"pin": "2468"}, django_capture_on_commit_callbacks
    )
    op = only_op("home.set_pin")
    assert response["Location"] == f"/people/{sam.pk}/?op={op.pk}"
    page = owner.client.get(response["Location"]).content.decode()
    assert f'id="operation-{op.pk}"' in page
    assert f'hx-get="/people/operations/{op.pk}/"' in page  # live while it runs
    with django_capture_on_commit_callbacks(execute=False):
        htmx = owner.client.post(
            f"/people/{sam.pk}/pin/", {"key": new_key(), "pin": "1357"}, HTTP_HX_REQUEST="true"
        )
    assert htmx["HX-Retarget"] == "#activity"
    assert 'class="operation operation-queued"' in htmx.content.decode()
