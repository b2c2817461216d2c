from __future__ import annotations

import re

import pytest

from sharing import operations
from sharing.models import AuditEvent, Operation, Share
from sharing.sync.runs import run_sync

DEN_MOVIES, DEN_SHOWS = 118181361, 118181362  # alex.rivera's two libraries on Morgan's Den
ALEX_SHARE = 30006


@pytest.fixture
def drifted(household, plexsim):  # type: ignore[no-untyped-def]
    """alex.rivera's share changed in Plex Web after the dashboard's sync."""
    assert run_sync().outcome == "succeeded"
    plexsim.mutate(op="set_settings", userId=1001010, settings={"allowSync": False})
    plexsim.mutate(op="set_share_libraries", shareId=ALEX_SHARE, sectionIds=[DEN_MOVIES])
    run_sync()
    share = Share.objects.get(shared_server_id=ALEX_SHARE)
    assert {d.field for d in share.drift()} == {"libraries", "allow_sync"}
    return share


def keys(content: str) -> dict[str, str]:
    """The one-time key of each field's first form on the page."""
    found: dict[str, str] = {}
    for field, key in re.findall(
        r'name="field" value="(\w+)"><input type="hidden" name="key" value="(\w+)"', content
    ):
        found.setdefault(field, key)
    return found


def test_it_lists_each_drifted_field_with_both_values(owner, drifted) -> None:
    content = owner.client.get("/drift/").content.decode()
    assert "alex.rivera" in content
    row = re.search(
        r"<th scope=\"row\">Downloads</th>\s*<td[^>]*>(.*?)</td>\s*<td[^>]*>(.*?)</td>", content
    )
    assert row is not None
    assert row.groups() == ("no", "yes")
    assert "Re-apply all of ours" in content


def test_it_says_when_there_is_no_drift(owner, household) -> None:
    assert "No drift" in owner.client.get("/drift/").content.decode()


def test_keep_plextv_makes_its_value_the_desired_one_and_sends_nothing(
    owner, drifted, plexsim
) -> None:
    before = len(plexsim.requests())
    key = keys(owner.client.get("/drift/").content.decode())["allow_sync"]
    response = owner.client.post(f"/drift/{drifted.pk}/adopt/", {"field": "allow_sync", "key": key})
    assert response.status_code == 302
    drifted.refresh_from_db()
    assert [d.field for d in drifted.drift()] == ["libraries"]
    assert drifted.desired["allow_sync"] is False
    assert len(plexsim.requests()) == before
    event = AuditEvent.objects.get(action="drift.adopt")
    assert event.changes == [{"field": "allow_sync", "before": True, "after": False}]
    assert event.actor == owner.user


def test_reapply_ours_writes_the_desired_values_back_to_plextv(owner, drifted, plexsim) -> None:
    content = owner.client.get("/drift/").content.decode()
    all_key = re.search(
        r'value="allow_sync"><input type="hidden" name="key" value="(\w+)">\s*'
        r'<button type="submit">Re-apply all',
        content,
    )
    assert all_key is not None
    response = owner.client.post(
        f"/drift/{drifted.pk}/reapply/",
        {"field": ["libraries", "allow_sync"], "key": all_key.group(1)},
    )
    assert response.status_code == 302
    op = Operation.objects.get(target_type=Operation.TARGET_SHARE, target_id=str(drifted.pk))
    assert op.params["changes"] == {"libraries": [DEN_MOVIES, DEN_SHOWS], "allow_sync": True}
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    shares = plexsim.state()["shares"]
    alex = next(s for s in shares if s["id"] == ALEX_SHARE)
    assert sorted(alex["sectionIds"]) == [DEN_MOVIES, DEN_SHOWS]
    drifted.refresh_from_db()
    assert drifted.drift() == []
    run_sync()
    assert Share.objects.get(pk=drifted.pk).drift() == []


def test_a_resent_reapply_makes_one_operation(owner, drifted) -> None:
    key = keys(owner.client.get("/drift/").content.decode())["allow_sync"]
    form = {"field": "allow_sync", "key": key}
    owner.client.post(f"/drift/{drifted.pk}/reapply/", form)
    owner.client.post(f"/drift/{drifted.pk}/reapply/", form)
    assert Operation.objects.count() == 1


def test_a_share_with_a_pending_operation_is_not_listed(owner, drifted) -> None:
    key = keys(owner.client.get("/drift/").content.decode())["allow_sync"]
    owner.client.post(f"/drift/{drifted.pk}/reapply/", {"field": "allow_sync", "key": key})
    assert "No drift" in owner.client.get("/drift/").content.decode()


def test_htmx_gets_the_entry_back(owner, drifted) -> None:
    key = keys(owner.client.get("/drift/").content.decode())["allow_sync"]
    response = owner.client.post(
        f"/drift/{drifted.pk}/adopt/",
        {"field": "allow_sync", "key": key},
        headers={"HX-Request": "true"},
    )
    content = response.content.decode()
    assert content.lstrip().startswith(f'<section class="card drift-entry" id="drift-{drifted.pk}"')
    assert "Kept plex.tv&#x27;s value." in content
    assert "Libraries" in content


@pytest.mark.parametrize(
    "form",
    [{}, {"field": "allow_sync"}, {"field": "is_superuser", "key": "a" * 32}, {"key": "zz"}],
)
def test_bad_forms_change_nothing(owner, drifted, plexsim, form) -> None:
    before = len(plexsim.requests())
    for action in ("adopt", "reapply"):
        response = owner.client.post(f"/drift/{drifted.pk}/{action}/", form)
        assert response.status_code == 302
    drifted.refresh_from_db()
    assert len(drifted.drift()) == 2
    assert Operation.objects.count() == 0
    assert len(plexsim.requests()) == before


def test_only_admins_act_and_unknown_shares_are_404(member, outsider, owner, drifted) -> None:
    form = {"field": "allow_sync", "key": "a" * 32}
    assert member.client.post(f"/drift/{drifted.pk}/adopt/", form).status_code == 403
    assert outsider.client.post(f"/drift/{drifted.pk}/reapply/", form).status_code == 403
    assert owner.client.post("/drift/999999/adopt/", form).status_code == 404
    assert owner.client.get(f"/drift/{drifted.pk}/adopt/").status_code == 405
    drifted.refresh_from_db()
    assert len(drifted.drift()) == 2


def test_the_person_screen_shows_the_drift_with_both_actions(owner, drifted) -> None:
    content = owner.client.get(f"/people/{drifted.user.pk}/").content.decode()
    assert "Differs from plex.tv" in content
    assert f'id="drift-{drifted.pk}"' in content
    assert f'action="/drift/{drifted.pk}/adopt/"' in content
    assert f'action="/drift/{drifted.pk}/reapply/"' in content


def test_a_person_without_drift_has_no_drift_panel(owner, household, plexsim) -> None:
    run_sync()
    alex = Share.objects.get(shared_server_id=ALEX_SHARE).user
    assert "Differs from plex.tv" not in owner.client.get(f"/people/{alex.pk}/").content.decode()
