"""Applying an access profile to people: the preview, the narrowing confirmation, the batch."""

from __future__ import annotations

import re
from typing import Any

import pytest

from joins.models import AccessProfile, Redemption
from sharing import operations
from sharing.models import Operation, OperationBatch, PlexUser
from tests.console.conftest import person, share_of, sim_settings, sim_share
from tests.joins.conftest import CABIN, DEN, MOVIES, MUSIC, TV, make_link

pytestmark = pytest.mark.django_db


def profile(libraries: list[int], **access: Any) -> AccessProfile:
    entry = {"machine": DEN, "libraries": libraries, "access": {"allow_sync": True, **access}}
    return AccessProfile.objects.create(name="Friends", grants={"servers": [entry]})


def url(chosen: AccessProfile) -> str:
    return f"/links/profiles/{chosen.pk}/apply/"


def preview(client: Any, chosen: AccessProfile, *usernames: str) -> str:
    ids = [person(u).pk for u in usernames]
    response = client.get(url(chosen), {"people": ids})
    assert response.status_code == 200, response.content.decode()[:800]
    return response.content.decode()


def confirm_body(html: str, **extra: Any) -> dict[str, Any]:
    """The preview's confirmation form as the browser posts it."""
    form = html[html.index('<section class="card" id="preview">') :]
    body: dict[str, Any] = {"people": re.findall(r'name="people" value="(\d+)"', form)}
    for name in ("key", "digest"):
        found = re.search(rf'name="{name}" value="(\w+)"', form)
        assert found is not None
        body[name] = found.group(1)
    body.update(extra)
    return body


def sections(plexsim: Any, shared_server_id: int) -> list[int]:
    found = sim_share(plexsim, shared_server_id)
    assert found is not None
    return sorted(found["sectionIds"])


def run(batch: OperationBatch) -> None:
    for op in batch.operations.order_by("pk"):
        assert operations.execute(op.pk).state == Operation.SUCCEEDED, op.message


def test_a_widening_profile_is_previewed_and_applied_without_extra_confirmation(
    owner, synced, plexsim, settings
) -> None:
    settings.BULK_PACE_SECONDS = 0
    chosen = profile([MOVIES, TV, MUSIC])
    html = preview(owner.client, chosen, "alex.rivera")
    assert "<ins>+ Music</ins>" in html
    assert "narrows" not in html.split('id="preview"')[1]
    assert not Operation.objects.exists()
    response = owner.client.post(url(chosen), confirm_body(html))
    batch = OperationBatch.objects.get()
    assert response["Location"] == f"/matrix/batches/{batch.pk}/"
    assert batch.title == "Apply the profile “Friends” to 1 person"
    run(batch)
    assert sections(plexsim, 30006) == [MOVIES, TV, MUSIC]
    progress = owner.client.get(response["Location"]).content.decode()
    assert "<strong>1 of 1</strong> applied — finished" in progress


def test_a_narrowing_change_is_shown_and_needs_confirming(owner, synced, plexsim, settings) -> None:
    settings.BULK_PACE_SECONDS = 0
    chosen = profile([MOVIES, TV])
    # chen.li has Movies and Music on the Den, all of the Cabin, downloads and a TV-14 filter.
    html = preview(owner.client, chosen, "chen.li", "tomasz")
    assert "<del><strong>\u2212 Music</strong></del>" in html
    assert "<ins>+ TV Shows</ins>" in html
    assert "TV shows: rated TV-14 only → no filter" in html
    assert "takes access away</strong> from 1 person: chen.li." in html
    assert (
        "Cabin NAS is not in the profile: its libraries are left as they are (plex.tv keeps "
        "permissions and filters per person: they apply to it too)." in html
    )
    assert "Cabin NAS is not in the profile: its libraries are left as they are." in html
    assert "Morgan&#x27;s Den is not shared with them" in html  # tomasz has the Cabin only
    assert sim_settings(plexsim, 1001013)["filterTelevision"] == "contentRating=TV-14"
    refused = owner.client.post(url(chosen), confirm_body(html))
    assert refused.status_code == 400
    assert "takes access away from some people" in refused.content.decode()
    assert not Operation.objects.exists()
    assert [r for r in plexsim.requests() if r["method"] != "GET"] == []

    response = owner.client.post(url(chosen), confirm_body(html, narrow="yes"))
    assert response.status_code == 302
    batch = OperationBatch.objects.get()
    assert batch.operations.count() == 1
    run(batch)
    chen = share_of("chen.li")
    assert sections(plexsim, chen.shared_server_id) == [MOVIES, TV]
    assert sections(plexsim, share_of("chen.li", CABIN).shared_server_id) != []
    after = sim_settings(plexsim, 1001013)
    assert after.get("filterTelevision", "") == ""
    assert after["allowSync"] is True


def test_a_preview_that_changed_meanwhile_is_refused(owner, synced, plexsim) -> None:
    chosen = profile([MOVIES, TV, MUSIC])
    html = preview(owner.client, chosen, "alex.rivera")
    chosen.grants["servers"][0]["libraries"] = [MOVIES, TV, MUSIC, 118181365]
    chosen.save()
    response = owner.client.post(url(chosen), confirm_body(html))
    assert response.status_code == 400
    assert "Something changed since the preview" in response.content.decode()
    assert not Operation.objects.exists()


def test_a_resent_confirmation_starts_one_batch(owner, synced) -> None:
    chosen = profile([MOVIES, TV, MUSIC])
    body = confirm_body(preview(owner.client, chosen, "alex.rivera"))
    first = owner.client.post(url(chosen), body)
    again = owner.client.post(url(chosen), body)
    assert first["Location"] == again["Location"]
    assert OperationBatch.objects.count() == 1
    assert Operation.objects.count() == 1


@pytest.mark.parametrize("people", [["abc"], ["-1"], ["99999999"], [], ["1" * 30]], ids=str)
def test_bad_choices_are_refused_and_change_nothing(owner, synced, plexsim, people) -> None:
    chosen = profile([MOVIES])
    response = owner.client.post(url(chosen), {"people": people, "key": "a" * 32, "digest": "x"})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not Operation.objects.exists()


def test_someone_without_a_share_cannot_be_chosen(owner, synced) -> None:
    chosen = profile([MOVIES])
    loner = PlexUser.objects.create(plex_id=4_242_424, username="loner")  # shares nothing
    response = owner.client.get(url(chosen), {"people": [loner.pk]})
    assert response.status_code == 400
    assert "no share of your servers" in response.content.decode()


def test_only_admins_apply_profiles(member, synced) -> None:
    chosen = profile([MOVIES])
    assert member.client.get(url(chosen)).status_code == 403
    assert member.client.post(url(chosen), {"key": "a" * 32}).status_code == 403
    assert not Operation.objects.exists()


def test_saving_a_profile_changes_nobody_and_offers_its_people(owner, synced, plexsim) -> None:
    chosen = profile([MOVIES, TV])
    link, _ = make_link(profile=chosen)
    link.profile = chosen
    link.save()
    alex = person("alex.rivera")
    Redemption.objects.create(link=link, plex_id=alex.plex_id, state=Redemption.DONE)
    page = owner.client.get(f"/links/profiles/{chosen.pk}/").content.decode()
    assert "Apply to the 1 person who got it" in page

    den = share_of("alex.rivera").server
    p = f"s{den.pk}"
    body = {"name": "Friends", f"{p}_libraries": [str(MOVIES)], f"{p}_allow_tuners": "0"}
    cabin = share_of("chen.li", CABIN).server
    body[f"s{cabin.pk}_allow_tuners"] = "0"
    saved = owner.client.post(f"/links/profiles/{chosen.pk}/", body, follow=True)
    assert saved.redirect_chain[-1][0] == f"/links/profiles/{chosen.pk}/"
    assert "Nobody&#x27;s access changed. 1 person got this profile" in saved.content.decode()
    assert not Operation.objects.exists()
    assert [r for r in plexsim.requests() if r["method"] != "GET"] == []

    recipients = owner.client.get(url(chosen), {"who": "recipients"}).content.decode()
    assert f'value="{alex.pk}" checked' in recipients
    assert "<del><strong>\u2212 TV Shows</strong></del>" in recipients
