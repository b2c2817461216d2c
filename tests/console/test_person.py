"""The person screen: one card per shared server with the edit form filled from the share."""

from __future__ import annotations

import pytest

from sharing.models import PlexUser
from tests.console.conftest import person, share_of

pytestmark = pytest.mark.django_db


def url(who: PlexUser) -> str:
    return f"/people/{who.pk}/"


def test_it_shows_each_shared_server_with_its_current_values(owner, synced) -> None:
    chen = person("chen.li")
    response = owner.client.get(url(chen))
    html = response.content.decode()
    assert response.status_code == 200
    assert [card.share.server.name for card in response.context["cards"]] == [
        "Cabin NAS",
        "Morgan's Den",
    ]
    den = share_of("chen.li")
    assert f'action="/people/shares/{den.pk}/edit/"' in html
    form = next(c.form for c in response.context["cards"] if c.share.pk == den.pk)
    assert form.initial["libraries"] == [118181361, 118181363]
    assert form.initial["allow_sync"] is True
    assert form.initial["filter_television__content_ratings"] == ["TV-14"]
    assert f'name="version" value="{den.version}"' in html


def test_it_explains_filters_are_not_for_a_profiled_managed_user(owner, synced) -> None:
    html = owner.client.get(url(person(title="Sam"))).content.decode()
    assert "does not allow rating or label filters" in html


def test_it_answers_404_for_someone_removed_here(owner, synced, plexsim) -> None:
    gone = person("tomasz")
    PlexUser.objects.filter(pk=gone.pk).update(removed_locally_at="2026-01-01T00:00:00Z")
    assert owner.client.get(url(gone)).status_code == 404
    assert owner.client.get("/people/987654/").status_code == 404
    assert plexsim.requests() == []


@pytest.mark.parametrize("persona", ["member", "outsider"])
def test_it_is_for_admins_only(persona, request, synced) -> None:
    who = request.getfixturevalue(persona)
    response = who.client.get(url(person("priya")))
    assert response.status_code == 403
    assert "priya@example.com" not in response.content.decode()


def test_it_sends_anonymous_visitors_to_sign_in(anonymous, synced) -> None:
    assert anonymous.client.get(url(person("priya"))).status_code == 302


def test_it_serves_one_share_card_to_htmx(co_admin, synced) -> None:
    share = share_of("priya")
    response = co_admin.client.get(f"/people/shares/{share.pk}/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert f'id="share-{share.pk}"' in html
    assert 'hx-trigger="operationFinished from:body"' in html
    plain = co_admin.client.get(f"/people/shares/{share.pk}/")
    assert plain.status_code == 302
    assert plain["Location"] == f"/people/{share.user_id}/"
