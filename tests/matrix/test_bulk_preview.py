"""A bulk change is previewed first; people who would lose their last library are skipped
unless the admin chooses to stop sharing with them. The batch page leads back to its server."""

from __future__ import annotations

import re

import pytest

from sharing.models import Operation, OperationBatch, Server
from sharing.sync.runs import run_sync
from tests.matrix.conftest import (
    ALEX_SHARE,
    CHEN_SHARE,
    DEN,
    KIDS,
    MOVIES,
    MUSIC,
    PHOTOS,
    PRIYA_SHARE,
    RUTH_SHARE,
    TV,
    library,
    run_all,
    share,
    sim_sections,
    sim_share,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def den(household, plexsim):  # type: ignore[no-untyped-def]
    """The Den with alex.rivera down to Movies only: removing Movies is his last library."""
    plexsim.mutate(op="set_share_libraries", shareId=ALEX_SHARE, sectionIds=[MOVIES])
    assert run_sync().outcome == "succeeded"
    plexsim.clear_requests()
    return Server.objects.get(machine_identifier=DEN)


def form(den: Server, **values: object) -> dict[str, object]:
    return {
        "library": library(MOVIES).pk,
        "action": "revoke",
        "audience": "friends",
        "key": "a" * 32,
        **values,
    }


def test_the_preview_says_who_changes_and_sends_nothing(owner, den, plexsim) -> None:
    response = owner.client.post(f"/matrix/{den.pk}/bulk/", form(den))
    body = response.content.decode()
    assert response.status_code == 200
    assert "<h2>Remove Movies from all friends?</h2>" in body
    assert "Movies will be removed from 3 people:" in body
    for name in ("chen.li", "grandma.ruth", "priya"):
        assert f"<li>{name}</li>" in body
    assert "1 person would lose their last library on Morgan&#x27;s Den" in body
    assert 'value="skip" checked' in body
    assert f'action="/matrix/{den.pk}/bulk/apply/"' in body
    assert '<table class="table matrix">' in body  # the whole matrix page, without htmx
    assert not Operation.objects.exists()
    assert not OperationBatch.objects.exists()
    assert plexsim.requests() == []


def test_the_htmx_preview_is_only_the_preview(owner, den) -> None:
    response = owner.client.post(
        f"/matrix/{den.pk}/bulk/",
        form(den, action="grant", library=library(KIDS).pk),
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert body.strip().startswith('<section id="bulk-preview"')
    assert "<h2>Share Kids Movies with all friends?</h2>" in body
    assert "Kids Movies will be shared with 3 people:" in body
    assert "1 already had it that way." in body
    assert "last library" not in body


def test_a_bad_form_previews_a_clear_message(owner, den) -> None:
    response = owner.client.post(
        f"/matrix/{den.pk}/bulk/",
        form(den, audience="selected"),
        headers={"HX-Request": "true"},
    )
    assert "Nothing was changed: Tick the people to change first." in response.content.decode()
    assert not Operation.objects.exists()


def test_applying_skips_who_would_lose_their_last_library_by_default(
    owner, den, plexsim, settings, sent
) -> None:
    settings.BULK_PACE_SECONDS = 0
    response = owner.client.post(f"/matrix/{den.pk}/bulk/apply/", form(den), follow=True)
    body = response.content.decode()
    batch = OperationBatch.objects.get()
    assert batch.title == "Remove Movies from 3 people"
    assert "1 person skipped: Movies is their last library on Morgan&#x27;s Den" in body
    run_all(batch.operations.all())
    assert sim_sections(plexsim, ALEX_SHARE) == [MOVIES]
    assert sim_share(plexsim, ALEX_SHARE)["allLibraries"] is False
    assert sim_sections(plexsim, CHEN_SHARE) == [MUSIC]
    assert sim_sections(plexsim, RUTH_SHARE) == [PHOTOS]
    assert MOVIES not in sim_sections(plexsim, PRIYA_SHARE)
    assert sent.empty_selections() == []


def test_applying_with_stop_sharing_stops_their_share(owner, den, plexsim, settings, sent) -> None:
    settings.BULK_PACE_SECONDS = 0
    owner.client.post(f"/matrix/{den.pk}/bulk/apply/", form(den, last="stop"))
    batch = OperationBatch.objects.get()
    assert batch.title == (
        "Remove Movies from 3 people and stop sharing Morgan's Den with 1 person"
    )
    stop = batch.operations.get(kind="share.stop")
    assert stop.target_id == str(share(ALEX_SHARE).pk)
    run_all(batch.operations.all())
    assert sim_share(plexsim, ALEX_SHARE) is None
    assert sim_sections(plexsim, CHEN_SHARE) == [MUSIC]
    assert sent.empty_selections() == []
    page = owner.client.get(f"/matrix/batches/{batch.pk}/").content.decode()
    assert "<strong>4 of 4</strong> applied — finished" in page


def test_anything_but_an_explicit_stop_skips(owner, den, plexsim, settings) -> None:
    settings.BULK_PACE_SECONDS = 0
    response = owner.client.post(f"/matrix/{den.pk}/bulk/apply/", form(den, last="STOP!"))
    assert response.status_code == 302
    assert not Operation.objects.exists()  # an unknown choice is refused, nothing queued
    owner.client.post(f"/matrix/{den.pk}/bulk/apply/", form(den, key="b" * 32, last=""))
    assert not Operation.objects.filter(kind="share.stop").exists()


def test_a_bulk_removal_that_only_stops_shares_is_titled_so(owner, den, settings) -> None:
    settings.BULK_PACE_SECONDS = 0
    alex = share(ALEX_SHARE)
    owner.client.post(
        f"/matrix/{den.pk}/bulk/apply/",
        form(den, audience="selected", selected=[alex.pk], last="stop"),
    )
    assert OperationBatch.objects.get().title == "Stop sharing Morgan's Den with 1 person"


def test_a_ticked_person_with_only_that_library_is_skipped_too(
    owner, den, plexsim, settings
) -> None:
    settings.BULK_PACE_SECONDS = 0
    alex = share(ALEX_SHARE)
    owner.client.post(
        f"/matrix/{den.pk}/bulk/apply/",
        form(den, audience="selected", selected=[alex.pk]),
    )
    batch = OperationBatch.objects.get()
    assert batch.title == "Remove Movies from 0 people"
    assert not batch.operations.exists()
    assert sim_sections(plexsim, ALEX_SHARE) == [MOVIES]


def test_the_batch_page_leads_back_to_the_batch_server(owner, den, plexsim, settings) -> None:
    settings.BULK_PACE_SECONDS = 0
    # The index opens the first server by name (Cabin NAS); a Den batch must lead to the Den.
    assert owner.client.get("/matrix/")["Location"] != f"/matrix/{den.pk}/"
    owner.client.post(
        f"/matrix/{den.pk}/bulk/apply/", form(den, action="grant", library=library(KIDS).pk)
    )
    batch = OperationBatch.objects.get()
    assert batch.server == den
    page = owner.client.get(f"/matrix/batches/{batch.pk}/").content.decode()
    assert f'<a href="/matrix/{den.pk}/">Back to the matrix</a>' in page
    assert '<noscript><meta http-equiv="refresh"' in page  # still running, no JavaScript
    run_all(batch.operations.all())
    done = owner.client.get(f"/matrix/batches/{batch.pk}/").content.decode()
    assert "http-equiv" not in done
    cabin = Server.objects.exclude(pk=den.pk).filter(owned=True).first()
    assert batch.title not in owner.client.get(f"/matrix/{cabin.pk}/").content.decode()
    assert batch.title in owner.client.get(f"/matrix/{den.pk}/").content.decode()


def test_the_htmx_apply_goes_to_the_batch_page(owner, den, settings) -> None:
    settings.BULK_PACE_SECONDS = 0
    response = owner.client.post(
        f"/matrix/{den.pk}/bulk/apply/", form(den), headers={"HX-Request": "true"}
    )
    batch = OperationBatch.objects.get()
    assert response["HX-Redirect"] == f"/matrix/batches/{batch.pk}/"


def test_the_preview_keeps_the_ticked_people(owner, den) -> None:
    chen, ruth = share(CHEN_SHARE), share(RUTH_SHARE)
    body = owner.client.post(
        f"/matrix/{den.pk}/bulk/",
        form(den, audience="selected", selected=[chen.pk, ruth.pk], library=library(TV).pk),
        headers={"HX-Request": "true"},
    ).content.decode()
    assert re.findall(r'name="selected" value="(\d+)"', body) == [str(chen.pk), str(ruth.pk)]
    assert "<h2>Remove TV Shows from the people ticked below?</h2>" in body
    assert "Nobody needs this change." in body
    assert "2 already had it that way." in body
