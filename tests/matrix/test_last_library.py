"""Taking away someone's last library in the matrix is "stop sharing this server", confirmed.

plex.tv (and plexsim) read an empty library list as "every library": before this was caught,
clicking the only ticked cell of a friend shared every library with them.
"""

from __future__ import annotations

import re

import pytest

from sharing import operations
from sharing.models import AuditEvent, Operation, Share
from sharing.sync.runs import run_sync
from tests.matrix.conftest import (
    ALEX_SHARE,
    KIDS,
    MOVIES,
    TV,
    library,
    page_key,
    run_all,
    share,
    sim_sections,
    sim_share,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def only_movies(household, plexsim):  # type: ignore[no-untyped-def]
    """alex.rivera has Movies and nothing else on Morgan's Den."""
    plexsim.mutate(op="set_share_libraries", shareId=ALEX_SHARE, sectionIds=[MOVIES])
    assert run_sync().outcome == "succeeded"
    alex = share(ALEX_SHARE)
    assert sorted(alex.libraries.values_list("global_id", flat=True)) == [MOVIES]
    return alex


def toggle(owner, alex: Share, global_id: int, *, htmx: bool):  # type: ignore[no-untyped-def]
    content = owner.client.get(f"/matrix/{alex.server_id}/").content.decode()
    return owner.client.post(
        f"/matrix/{alex.server_id}/toggle/",
        {"cell": f"{alex.pk}-{library(global_id).pk}", "key": page_key(content)},
        headers={"HX-Request": "true"} if htmx else {},
    )


def dialog_key(content: str) -> str:
    match = re.search(r'<dialog id="stop-[^"]+".*?name="key" value="(\w+)"', content, re.S)
    assert match is not None
    return match.group(1)


def test_the_only_library_is_never_unshared_into_every_library(
    owner, only_movies, plexsim, sent
) -> None:
    toggle(owner, only_movies, MOVIES, htmx=True)
    toggle(owner, only_movies, MOVIES, htmx=False)
    run_all(Operation.objects.all())
    found = sim_share(plexsim, ALEX_SHARE)
    assert found is not None
    assert (found["allLibraries"], sorted(found["sectionIds"])) == (False, [MOVIES])
    assert sent.empty_selections() == []
    assert sent.writes() == []


def test_the_only_library_cell_opens_a_confirmation_instead_of_a_toggle(owner, only_movies) -> None:
    content = owner.client.get(f"/matrix/{only_movies.server_id}/").content.decode()
    confirm = f"/matrix/{only_movies.server_id}/shares/{only_movies.pk}/stop/confirm/"
    cell = re.search(
        rf'<td[^>]*id="cell-{only_movies.pk}-{library(MOVIES).pk}".*?</td>', content, re.S
    )
    assert cell is not None
    assert f'href="{confirm}?library={library(MOVIES).pk}"' in cell.group(0)
    assert 'data-dialog="stop-' in cell.group(0)
    assert "<dialog" in cell.group(0)
    assert "Stop sharing Morgan&#x27;s Den with alex.rivera?" in cell.group(0)
    assert "Movies is the only library alex.rivera has on Morgan&#x27;s Den" in cell.group(0)
    # The other cells of the row stay ordinary toggles.
    assert 'title="Share TV Shows with alex.rivera"' in content


def test_a_click_on_the_last_library_asks_for_the_dialog_and_queues_nothing(
    owner, only_movies
) -> None:
    response = toggle(owner, only_movies, MOVIES, htmx=True)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<dialog" in body
    assert " data-open" in body
    assert "<html" not in body
    assert not Operation.objects.exists()


def test_without_javascript_the_click_shows_the_confirmation_page(owner, only_movies) -> None:
    response = toggle(owner, only_movies, MOVIES, htmx=False)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Stop sharing Morgan&#x27;s Den with alex.rivera?" in body
    assert f'action="/matrix/{only_movies.server_id}/shares/{only_movies.pk}/stop/"' in body
    assert f'href="/matrix/{only_movies.server_id}/"' in body  # "Keep as is"
    assert not Operation.objects.exists()


def test_the_confirmation_page_names_the_library(owner, only_movies) -> None:
    url = f"/matrix/{only_movies.server_id}/shares/{only_movies.pk}/stop/confirm/"
    body = owner.client.get(f"{url}?library={library(MOVIES).pk}").content.decode()
    assert "Movies is the only library alex.rivera has" in body
    plain = owner.client.get(f"{url}?library=junk").content.decode()
    assert "Stop sharing Morgan&#x27;s Den with alex.rivera?" in plain


def test_confirming_stops_the_share_at_plex_tv_and_says_so(
    owner, only_movies, plexsim, sent
) -> None:
    alex = only_movies
    page = owner.client.get(f"/matrix/{alex.server_id}/shares/{alex.pk}/stop/confirm/")
    key = re.search(r'name="key" value="(\w+)"', page.content.decode()).group(1)
    response = owner.client.post(f"/matrix/{alex.server_id}/shares/{alex.pk}/stop/", {"key": key})
    assert response.status_code == 302
    assert response["Location"] == f"/matrix/{alex.server_id}/"
    [op] = Operation.objects.all()
    assert (op.kind, op.target_id) == ("share.stop", str(alex.pk))
    queued = owner.client.get(response["Location"]).content.decode()
    assert "Stopping sharing Morgan&#x27;s Den with alex.rivera" in queued
    # Without JavaScript the page refreshes itself while the change runs.
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in queued
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    assert sim_share(plexsim, ALEX_SHARE) is None
    assert not Share.objects.filter(pk=alex.pk).exists()
    assert sent.empty_selections() == []
    assert AuditEvent.objects.filter(action="share.stop", result=AuditEvent.OK).exists()
    after = owner.client.get(f"/matrix/{alex.server_id}/").content.decode()
    assert "alex.rivera" not in after.split("<tbody>")[1]
    assert "http-equiv" not in after


def test_the_dialog_confirmation_swaps_in_a_row_that_follows_the_change(
    owner, only_movies, plexsim
) -> None:
    alex = only_movies
    content = owner.client.get(f"/matrix/{alex.server_id}/").content.decode()
    response = owner.client.post(
        f"/matrix/{alex.server_id}/shares/{alex.pk}/stop/",
        {"key": dialog_key(content)},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    row_url = f"/matrix/{alex.server_id}/rows/{alex.pk}/"
    assert response.status_code == 200
    assert body.strip().startswith(f'<tr id="row-{alex.pk}"')
    assert f'hx-get="{row_url}" hx-trigger="every 1s"' in body
    assert "/cells/" not in body  # one poller for the row, not one per cell
    op = Operation.objects.get()
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    final = owner.client.get(row_url, headers={"HX-Request": "true"})
    assert final.status_code == 286
    text = final.content.decode()
    assert "Morgan&#x27;s Den is no longer shared with alex.rivera." in text
    assert "Stop sharing Morgan&#x27;s Den with alex.rivera" in text
    assert "hx-get" not in text


def test_a_failed_stop_leaves_the_row_with_the_reason(owner, only_movies, plexsim) -> None:
    alex = only_movies
    plexsim.add_fault(
        action="status",
        method="DELETE",
        path=f"/api/servers/*/shared_servers/{ALEX_SHARE}",
        status=400,
        body='<Response code="400" status="Refused"/>',
    )
    owner.client.post(
        f"/matrix/{alex.server_id}/shares/{alex.pk}/stop/",
        {"key": "a" * 32},
        headers={"HX-Request": "true"},
    )
    op = Operation.objects.get()
    assert operations.execute(op.pk).state == Operation.FAILED
    final = owner.client.get(
        f"/matrix/{alex.server_id}/rows/{alex.pk}/", headers={"HX-Request": "true"}
    )
    assert final.status_code == 286
    assert "Stop sharing Morgan&#x27;s Den with alex.rivera failed:" in final.content.decode()
    assert sim_sections(plexsim, ALEX_SHARE) == [MOVIES]


def test_a_stop_while_another_change_runs_is_refused(owner, only_movies) -> None:
    alex = only_movies
    toggle(owner, alex, TV, htmx=True)
    response = owner.client.post(
        f"/matrix/{alex.server_id}/shares/{alex.pk}/stop/",
        {"key": "b" * 32},
        headers={"HX-Request": "true"},
    )
    assert "Another change to this person is still being applied." in response.content.decode()
    assert Operation.objects.get().kind == "share.edit"


def test_a_resent_confirmation_stops_once(owner, only_movies) -> None:
    alex = only_movies
    for _ in range(2):
        owner.client.post(f"/matrix/{alex.server_id}/shares/{alex.pk}/stop/", {"key": "c" * 32})
    assert Operation.objects.count() == 1


def test_a_stale_form_key_is_refused(owner, only_movies, plexsim) -> None:
    alex = only_movies
    response = owner.client.post(
        f"/matrix/{alex.server_id}/shares/{alex.pk}/stop/", {"key": "not-a-key"}
    )
    assert response.status_code == 400
    assert "out of date" in response.content.decode()
    assert not Operation.objects.exists()


def test_an_out_of_date_dialog_says_so_in_the_row(owner, only_movies) -> None:
    alex = only_movies
    response = owner.client.post(
        f"/matrix/{alex.server_id}/shares/{alex.pk}/stop/",
        {"key": "not-a-key"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 286  # the row as it is, nothing to follow
    assert "That form was out of date, so nothing was changed" in response.content.decode()
    assert not Operation.objects.exists()


def test_an_unreadable_cell_is_refused_without_swapping_a_page_into_the_cell(
    owner, only_movies
) -> None:
    response = owner.client.post(
        f"/matrix/{only_movies.server_id}/toggle/",
        {"cell": "1-2-3", "key": "a" * 32},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    assert not Operation.objects.exists()


def test_stopping_is_post_only_admin_only_and_per_server(
    owner, member, anonymous, only_movies, plexsim
) -> None:
    alex = only_movies
    url = f"/matrix/{alex.server_id}/shares/{alex.pk}/stop/"
    assert owner.client.get(url).status_code == 405
    assert member.client.post(url, {"key": "d" * 32}).status_code == 403
    assert member.client.get(url + "confirm/").status_code == 403
    assert anonymous.client.post(url, {"key": "d" * 32}).status_code == 302
    cabin_share = share(30008)
    other = f"/matrix/{alex.server_id}/shares/{cabin_share.pk}/stop/"
    assert owner.client.post(other, {"key": "d" * 32}).status_code == 404
    assert owner.client.get(other + "confirm/").status_code == 404
    assert owner.client.get(f"/matrix/{alex.server_id}/rows/999999/").status_code == 404
    assert not Operation.objects.exists()


def test_an_edit_that_would_leave_no_library_fails_without_sending(
    owner, only_movies, plexsim, sent
) -> None:
    # Whatever made it (an old page, a hand-made row), an edit to no library is refused by
    # the worker with a message, and nothing reaches plex.tv.
    op = Operation.objects.create(
        kind="share.edit",
        target_type=Operation.TARGET_SHARE,
        target_id=str(only_movies.pk),
        params={"label": "x", "changes": {"libraries": []}, "before": {"libraries": [MOVIES]}},
        idempotency_key="e" * 32,
    )
    outcome = operations.execute(op.pk)
    assert outcome.state == Operation.FAILED
    assert "stop sharing the server instead" in outcome.message
    assert sent.writes() == []
    assert sim_sections(plexsim, ALEX_SHARE) == [MOVIES]


def test_a_click_applies_only_its_own_library_to_what_plex_tv_holds_now(
    owner, den, plexsim
) -> None:
    # plex.tv gave alex Kids Movies since the page was drawn (no sync yet): unsharing TV
    # must not take Kids Movies away with it.
    alex = share(ALEX_SHARE)
    plexsim.mutate(op="set_share_libraries", shareId=ALEX_SHARE, sectionIds=[MOVIES, TV, KIDS])
    toggle(owner, alex, TV, htmx=True)
    run_all(Operation.objects.all())
    assert sim_sections(plexsim, ALEX_SHARE) == [MOVIES, KIDS]


def test_a_click_on_a_library_plex_tv_already_took_away_never_gives_another_back(
    owner, den, plexsim, sent
) -> None:
    # The page shows Movies and TV; plex.tv has taken Movies away meanwhile. Unsharing TV
    # would leave nothing: the worker refuses instead of granting Movies back (or everything).
    alex = share(ALEX_SHARE)
    plexsim.mutate(op="set_share_libraries", shareId=ALEX_SHARE, sectionIds=[TV])
    toggle(owner, alex, TV, htmx=True)
    [op] = Operation.objects.all()
    outcome = operations.execute(op.pk)
    assert outcome.state == Operation.FAILED
    assert sim_sections(plexsim, ALEX_SHARE) == [TV]
    assert sent.empty_selections() == []
