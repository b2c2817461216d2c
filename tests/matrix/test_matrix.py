from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sharing import operations
from sharing.models import Library, Operation, OperationBatch, Share
from tests.matrix.conftest import (
    KIDS,
    MOVIES,
    MUSIC,
    PHOTOS,
    TV,
    library,
    page_key,
    run_all,
    share,
    sim_sections,
)


def test_the_grid_shows_who_has_which_library(owner, den) -> None:
    content = owner.client.get(f"/matrix/{den.pk}/").content.decode()
    alex = share(30006)
    assert 'aria-pressed="true" title="Unshare Movies from alex.rivera"' in content
    assert 'aria-pressed="false" title="Share Kids Movies with alex.rivera"' in content
    # priya has every library of the Den
    assert 'title="Unshare Kids Movies from priya"' in content
    assert f'id="cell-{alex.pk}-{library(KIDS).pk}"' in content
    assert "Cabin NAS" in content  # the other server's tab


def test_the_index_opens_the_first_server(owner, den) -> None:
    response = owner.client.get("/matrix/")
    assert response.status_code == 302
    assert re.fullmatch(r"/matrix/\d+/", response["Location"])


def test_queries_do_not_grow_with_people(owner, den) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            owner.client.get(f"/matrix/{den.pk}/")
        return len(queries)

    first = count()
    source = share(30006)
    for n in range(20):
        user = source.user
        user.pk = None
        user.plex_id = 9_000_000 + n
        user.save()
        Share.objects.create(user=user, server=den, shared_server_id=80_000 + n)
    assert count() == first


def test_clicking_a_cell_shares_that_library_through_an_operation(owner, den, plexsim) -> None:
    alex, kids = share(30006), library(KIDS)
    content = owner.client.get(f"/matrix/{den.pk}/").content.decode()
    response = owner.client.post(
        f"/matrix/{den.pk}/toggle/",
        {"cell": f"{alex.pk}-{kids.pk}", "key": page_key(content)},
        headers={"HX-Request": "true"},
    )
    assert 'class="matrix-cell state-busy"' in response.content.decode()
    assert 'hx-trigger="every 1s"' in response.content.decode()
    op = Operation.objects.get()
    assert op.params["changes"] == {"libraries": [MOVIES, TV, KIDS]}
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    assert sim_sections(plexsim, 30006) == [MOVIES, TV, KIDS]
    final = owner.client.get(
        f"/matrix/{den.pk}/cells/{alex.pk}/{kids.pk}/", headers={"HX-Request": "true"}
    )
    assert final.status_code == 286  # htmx: stop polling
    assert 'aria-pressed="true"' in final.content.decode()


def test_without_javascript_the_page_refreshes_itself_while_a_cell_is_applied(owner, den) -> None:
    alex, kids = share(30006), library(KIDS)
    content = owner.client.get(f"/matrix/{den.pk}/").content.decode()
    assert "http-equiv" not in content
    response = owner.client.post(
        f"/matrix/{den.pk}/toggle/",
        {"cell": f"{alex.pk}-{kids.pk}", "key": page_key(content)},
        follow=True,
    )
    body = response.content.decode()
    assert "Change queued: it is being sent to plex.tv." in body
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in body
    # With htmx the busy row follows the change by itself, one request for the whole row.
    row = re.search(rf'<tr id="row-{alex.pk}"[^>]*>', body)
    assert row is not None
    assert f'hx-get="/matrix/{den.pk}/rows/{alex.pk}/"' in row.group(0)
    run_all(Operation.objects.all())
    after = owner.client.get(f"/matrix/{den.pk}/").content.decode()
    assert "http-equiv" not in after
    assert 'aria-pressed="true" title="Unshare Kids Movies from alex.rivera"' in after


def test_a_cell_whose_change_failed_says_why(owner, den, plexsim) -> None:
    alex, kids = share(30006), library(KIDS)
    plexsim.add_fault(
        action="status",
        method="POST",
        path="/api/v2/shared_servers/30006",
        status=400,
        body='{"errors":[{"code":1000,"message":"Bad request","status":400}]}',
    )
    content = owner.client.get(f"/matrix/{den.pk}/").content.decode()
    owner.client.post(
        f"/matrix/{den.pk}/toggle/",
        {"cell": f"{alex.pk}-{kids.pk}", "key": page_key(content)},
        headers={"HX-Request": "true"},
    )
    run_all(Operation.objects.all())
    final = owner.client.get(
        f"/matrix/{den.pk}/cells/{alex.pk}/{kids.pk}/", headers={"HX-Request": "true"}
    )
    assert final.status_code == 286
    body = final.content.decode()
    assert 'aria-pressed="false"' in body
    assert "Share Kids Movies with alex.rivera failed:" in body
    assert KIDS not in sim_sections(plexsim, 30006)


def test_unsharing_one_library_from_an_all_libraries_share_keeps_the_rest(
    owner, den, plexsim
) -> None:
    priya, music = share(30007), library(MUSIC)
    content = owner.client.get(f"/matrix/{den.pk}/").content.decode()
    owner.client.post(
        f"/matrix/{den.pk}/toggle/",
        {"cell": f"{priya.pk}-{music.pk}", "key": page_key(content)},
    )
    run_all(Operation.objects.all())
    assert sim_sections(plexsim, 30007) == [MOVIES, TV, PHOTOS, KIDS]


def test_a_second_click_while_one_runs_is_refused(owner, den) -> None:
    alex = share(30006)
    content = owner.client.get(f"/matrix/{den.pk}/").content.decode()
    for lib in (library(KIDS), library(MUSIC)):
        response = owner.client.post(
            f"/matrix/{den.pk}/toggle/",
            {"cell": f"{alex.pk}-{lib.pk}", "key": page_key(content)},
            headers={"HX-Request": "true"},
        )
    assert "Another change to this person is still being applied." in response.content.decode()
    assert Operation.objects.count() == 1


def test_a_bulk_grant_changes_only_who_needs_it_and_reports_progress(
    owner, den, plexsim, settings
) -> None:
    settings.BULK_PACE_SECONDS = 0
    kids = library(KIDS)
    response = owner.client.post(
        f"/matrix/{den.pk}/bulk/apply/",
        {"library": kids.pk, "action": "grant", "audience": "friends", "key": "b" * 32},
        follow=True,
    )
    batch = OperationBatch.objects.get()
    assert batch.title == "Share Kids Movies with 3 people"
    assert "1 already had it that way." in response.content.decode()
    assert "0 of 3" in response.content.decode()
    run_all(batch.operations.all())
    for shared_server_id in (30006, 30009, 30011):
        assert KIDS in sim_sections(plexsim, shared_server_id)
    progress = owner.client.get(f"/matrix/batches/{batch.pk}/", headers={"HX-Request": "true"})
    assert progress.status_code == 286
    assert "<strong>3 of 3</strong> applied — finished" in progress.content.decode()


def test_a_bulk_change_finishes_when_one_person_fails_and_that_one_can_be_retried(
    owner, den, plexsim, settings
) -> None:
    settings.BULK_PACE_SECONDS = 0
    plexsim.add_fault(
        action="status",
        method="POST",
        path="/api/v2/shared_servers/30009",
        status=400,
        body='{"errors":[{"code":1000,"message":"Bad request","status":400}]}',
    )
    owner.client.post(
        f"/matrix/{den.pk}/bulk/apply/",
        {"library": library(KIDS).pk, "action": "grant", "audience": "friends", "key": "c" * 32},
    )
    batch = OperationBatch.objects.get()
    run_all(batch.operations.all())
    content = owner.client.get(f"/matrix/batches/{batch.pk}/").content.decode()
    assert "<strong>3 of 3</strong> applied, 1 failed" in content
    assert "Share Kids Movies with chen.li" in content
    failed = batch.operations.get(state=Operation.FAILED)
    plexsim.clear_faults()
    owner.client.post(f"/people/operations/{failed.pk}/retry/")
    assert operations.execute(failed.pk).state == Operation.SUCCEEDED
    assert KIDS in sim_sections(plexsim, 30009)


def test_a_bulk_removal_can_target_ticked_people(owner, den, plexsim, settings) -> None:
    settings.BULK_PACE_SECONDS = 0
    alex, ruth = share(30006), share(30011)
    owner.client.post(
        f"/matrix/{den.pk}/bulk/apply/",
        {
            "library": library(MOVIES).pk,
            "action": "revoke",
            "audience": "selected",
            "selected": [alex.pk, ruth.pk],
            "key": "d" * 32,
        },
    )
    run_all(Operation.objects.all())
    assert sim_sections(plexsim, 30006) == [TV]
    assert sim_sections(plexsim, 30011) == [PHOTOS]
    assert MOVIES in sim_sections(plexsim, 30009)  # chen.li was not ticked


def test_a_resent_bulk_form_starts_one_batch(owner, den) -> None:
    form = {"library": library(KIDS).pk, "action": "grant", "audience": "friends", "key": "e" * 32}
    owner.client.post(f"/matrix/{den.pk}/bulk/apply/", form)
    owner.client.post(f"/matrix/{den.pk}/bulk/apply/", form)
    assert OperationBatch.objects.count() == 1
    assert Operation.objects.count() == 3


@pytest.mark.parametrize(
    "form",
    [
        {"library": "999999", "action": "grant", "audience": "friends"},
        {"library": "abc", "action": "grant", "audience": "friends"},
        {"action": "grant", "audience": "everyone"},
        {"library": "LIB", "action": "delete-all", "audience": "friends"},
        {"library": "LIB", "action": "grant", "audience": "selected"},
        {"library": "LIB", "action": "grant", "audience": "selected", "selected": ["999999"]},
        {"library": "CABIN", "action": "grant", "audience": "friends"},
        {"library": "LIB", "action": "grant", "audience": "friends", "key": "not-hex"},
    ],
)
def test_bad_bulk_forms_change_nothing(owner, den, plexsim, form) -> None:
    cabin_library = Library.objects.exclude(server=den).first()
    values = {"key": "f" * 32, **form}
    if values.get("library") == "LIB":
        values["library"] = library(KIDS).pk
    if values.get("library") == "CABIN":
        values["library"] = cabin_library.pk
    before = len(plexsim.requests())
    response = owner.client.post(f"/matrix/{den.pk}/bulk/", values, follow=True)
    assert response.status_code == 200
    assert "Nothing was changed" in response.content.decode()
    assert OperationBatch.objects.count() == 0
    assert Operation.objects.count() == 0
    assert len(plexsim.requests()) == before


def test_a_cell_of_another_server_is_404(owner, den) -> None:
    cabin_share = share(30008)
    response = owner.client.post(
        f"/matrix/{den.pk}/toggle/",
        {"cell": f"{cabin_share.pk}-{library(KIDS).pk}", "key": "a" * 32},
    )
    assert response.status_code == 404
    assert Operation.objects.count() == 0


def test_only_admins_use_the_matrix(member, outsider, anonymous, den) -> None:
    form = {"cell": f"{share(30006).pk}-{library(KIDS).pk}", "key": "a" * 32}
    assert member.client.get(f"/matrix/{den.pk}/").status_code == 403
    assert outsider.client.post(f"/matrix/{den.pk}/toggle/", form).status_code == 403
    assert anonymous.client.post(f"/matrix/{den.pk}/bulk/", form).status_code == 302
    assert Operation.objects.count() == 0


def test_actions_are_post_only(owner, den) -> None:
    assert owner.client.get(f"/matrix/{den.pk}/toggle/").status_code == 405
    assert owner.client.get(f"/matrix/{den.pk}/bulk/").status_code == 405
