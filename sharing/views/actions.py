"""Actions that change who has access: invite, stop sharing, remove, cancel and resend.

Each action is one POST-only URL. Destructive ones are confirmed first: a native <dialog> on
the person page, or, without JavaScript, the confirmation page each action also has.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import admin_required
from accounts.models import Household
from sharing import invite_presets
from sharing.forms import InviteForm, new_key
from sharing.models import Invite, Library, Operation, PlexUser
from sharing.operations.invites import (
    CANCEL_INVITE,
    INVITE_FRIEND,
    REMOVE_FRIEND,
    RESEND_INVITE,
    STOP_SHARING,
)
from sharing.views.access import (
    confirm_page,
    get_person,
    get_share,
    submit_change,
    submit_from_form,
)
from sharing.views.invitees import invitees_of, submit_removal
from sharing.views.people import counters


def invite_libraries() -> list[Library]:
    return list(
        Library.objects.filter(server__owned=True, server__missing_since__isnull=True)
        .filter(missing_since__isnull=True)
        .select_related("server")
        .order_by("server__name", "key", "title")
    )


def _invite_form(data: Any = None, preset: dict[str, Any] | None = None) -> InviteForm:
    room = counters()
    household = Household.current()
    return InviteForm(
        data,
        initial={"key": new_key(), "allow_tuners": "0", **(preset or {})},
        libraries=invite_libraries(),
        share_room=room["share_limit"] - room["shared"],
        owner=household.owner if household else None,
    )


@never_cache
@admin_required
@require_GET
def invite_page(request: HttpRequest) -> HttpResponse:
    """The invite form, empty or started from a preset (`?profile=<id>`): the preset only
    fills the initial values, the admin changes what they like and the POST is validated
    as always. With htmx, choosing a profile swaps the form in place."""
    chosen = str(request.GET.get("profile", ""))[:20]
    found = invite_presets.preset(chosen) if chosen else None
    if chosen and found is None:
        messages.error(request, "That profile does not exist any more; the form starts empty.")
        chosen = ""
    context = {
        "form": _invite_form(preset=found.initial if found else None),
        "presets": invite_presets.choices(),
        "chosen": chosen,
        "notes": found.notes if found else [],
    }
    return render(request, "sharing/invite.html", context)


@admin_required
@require_POST
def invite_send(request: HttpRequest) -> HttpResponse:
    form = _invite_form(request.POST)
    if not form.is_valid():
        context = {"form": form, "presets": invite_presets.choices()}
        return render(request, "sharing/invite.html", context, status=400)
    address = form.cleaned_data["who"]
    params = {
        "label": address,
        "address": address,
        "servers": form.servers(),
        "access": form.access_state(),
    }
    if form.cleaned_data.get("access_days"):
        params["access_days"] = form.cleaned_data["access_days"]
    return submit_change(
        request,
        kind=INVITE_FRIEND,
        target_type="invitee",
        target_id=address[:64],
        params=params,
        key=form.cleaned_data["key"],
        back=reverse("sharing:people"),
    )


# --- remove a friend ------------------------------------------------------------------------


def _friend(request: HttpRequest, person_id: int) -> PlexUser:
    person = get_person(request, person_id)
    if person.kind != PlexUser.FRIEND:
        raise Http404("Not a friend")
    return person


@admin_required
@require_GET
def remove_friend_confirm(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _friend(request, person_id)
    return confirm_page(
        request,
        title=f"Remove {person.display_name}?",
        message=(
            f"{person.display_name} loses access to every server you share, and the friendship "
            "ends at plex.tv. Sharing again later means sending a new invite."
        ),
        action=reverse("sharing:remove-friend", args=[person.pk]),
        button="Remove friend",
        back=reverse("sharing:person", args=[person.pk]),
        invitees=invitees_of(person.plex_id, person.display_name),
    )


@admin_required
@require_POST
def remove_friend(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _friend(request, person_id)
    return submit_removal(
        request,
        kind=REMOVE_FRIEND,
        person=person,
        invitees=invitees_of(person.plex_id, person.display_name),
        back=reverse("sharing:people"),
        refused_back=reverse("sharing:person", args=[person.pk]),
    )


# --- stop sharing one server ----------------------------------------------------------------


@admin_required
@require_GET
def stop_sharing_confirm(request: HttpRequest, share_id: int) -> HttpResponse:
    share = get_share(request, share_id)
    name = share.user.display_name
    return confirm_page(
        request,
        title=f"Stop sharing {share.server.name} with {name}?",
        message=f"{name} keeps any other server you share; {share.server.name} disappears "
        "from their Plex apps.",
        action=reverse("sharing:share-stop", args=[share.pk]),
        button="Stop sharing",
        back=reverse("sharing:person", args=[share.user_id]),
    )


@admin_required
@require_POST
def stop_sharing(request: HttpRequest, share_id: int) -> HttpResponse:
    share = get_share(request, share_id)
    params = {"label": f"{share.user.display_name} on {share.server.name}"}
    back = reverse("sharing:person", args=[share.user_id])
    return submit_from_form(request, STOP_SHARING, Operation.TARGET_SHARE, share.pk, params, back)


# --- cancel or resend a pending invite ------------------------------------------------------


def _invite(request: HttpRequest, invite_id: int) -> Invite:
    return get_object_or_404(
        Invite.objects.select_related("server"), pk=invite_id, server__owned=True
    )


INVITE_ACTIONS = {
    "cancel": (
        CANCEL_INVITE,
        "sharing:invite-cancel",
        "Cancel the invite to {address}?",
        "The invite link in their e-mail stops working.",
        "Cancel invite",
    ),
    "resend": (
        RESEND_INVITE,
        "sharing:invite-resend",
        "Send the invite to {address} again?",
        "The current invite is withdrawn and a new one with the same libraries and "
        "permissions is sent.",
        "Resend invite",
    ),
}


def _invite_confirm(request: HttpRequest, invite_id: int, which: str) -> HttpResponse:
    invite = _invite(request, invite_id)
    _, url_name, title, message, button = INVITE_ACTIONS[which]
    return confirm_page(
        request,
        title=title.format(address=invite.address),
        message=message,
        action=reverse(url_name, args=[invite.pk]),
        button=button,
        back=reverse("sharing:people") + "?kind=pending",
        danger=which == "cancel",
    )


def _invite_act(request: HttpRequest, invite_id: int, which: str) -> HttpResponse:
    invite = _invite(request, invite_id)
    kind = INVITE_ACTIONS[which][0]
    params = {"label": f"{invite.address} on {invite.server.name}"}
    back = reverse("sharing:people")
    return submit_from_form(request, kind, Operation.TARGET_INVITE, invite.pk, params, back)


@admin_required
@require_GET
def cancel_invite_confirm(request: HttpRequest, invite_id: int) -> HttpResponse:
    return _invite_confirm(request, invite_id, "cancel")


@admin_required
@require_POST
def cancel_invite(request: HttpRequest, invite_id: int) -> HttpResponse:
    return _invite_act(request, invite_id, "cancel")


@admin_required
@require_GET
def resend_invite_confirm(request: HttpRequest, invite_id: int) -> HttpResponse:
    return _invite_confirm(request, invite_id, "resend")


@admin_required
@require_POST
def resend_invite(request: HttpRequest, invite_id: int) -> HttpResponse:
    return _invite_act(request, invite_id, "resend")
