"""Actions that change who has access: invite, stop sharing, remove, cancel and resend.

Each action is one POST-only URL. Destructive ones are confirmed first: a native <dialog> on
the person page, or, without JavaScript, the confirmation page each action also has.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import admin_required
from accounts.models import Household
from sharing.console_views.access import get_person, get_share
from sharing.console_views.outcome import submit_change
from sharing.console_views.people import counters
from sharing.forms import InviteForm, OperationForm, new_key
from sharing.models import Invite, Library, Operation, PlexUser
from sharing.operations.invites import (
    CANCEL_INVITE,
    INVITE_FRIEND,
    REMOVE_FRIEND,
    RESEND_INVITE,
    STOP_SHARING,
)


def confirm_page(
    request: HttpRequest,
    *,
    title: str,
    message: str,
    action: str,
    button: str,
    back: str,
    danger: bool = True,
) -> HttpResponse:
    """The no-JavaScript confirmation of an action, with a fresh one-time key. Only a
    destructive action gets the red button."""
    context = {
        "title": title,
        "message": message,
        "action": action,
        "button": button,
        "back": back,
        "danger": danger,
        "key": new_key(),
    }
    return render(request, "sharing/confirm.html", context)


def refused_key(request: HttpRequest, back: str) -> HttpResponse:
    context = {"message": "This form is out of date; go back, reload and try again.", "back": back}
    return render(request, "sharing/confirm.html", context, status=400)


def submit_action(
    request: HttpRequest,
    kind: str,
    target_type: str,
    target_id: object,
    params: dict[str, Any],
    back: str,
) -> HttpResponse | None:
    """Queue a change whose form holds only its one-time key (None when the key is bad)."""
    form = OperationForm(request.POST)
    if not form.is_valid():
        return None
    return submit_change(
        request,
        kind=kind,
        target_type=target_type,
        target_id=target_id,
        params=params,
        key=form.cleaned_data["key"],
        back=back,
    )


def invite_libraries() -> list[Library]:
    return list(
        Library.objects.filter(server__owned=True, server__missing_since__isnull=True)
        .filter(missing_since__isnull=True)
        .select_related("server")
        .order_by("server__name", "key", "title")
    )


def _invite_form(data: Any = None) -> InviteForm:
    room = counters()
    household = Household.current()
    return InviteForm(
        data,
        initial={"key": new_key(), "allow_tuners": "0"},
        libraries=invite_libraries(),
        share_room=room["share_limit"] - room["shared"],
        owner=household.owner if household else None,
    )


@never_cache
@admin_required
@require_GET
def invite_page(request: HttpRequest) -> HttpResponse:
    return render(request, "sharing/invite.html", {"form": _invite_form()})


@admin_required
@require_POST
def invite_send(request: HttpRequest) -> HttpResponse:
    form = _invite_form(request.POST)
    if not form.is_valid():
        return render(request, "sharing/invite.html", {"form": form}, status=400)
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
        back=reverse("people:list"),
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
        action=reverse("people:remove-friend", args=[person.pk]),
        button="Remove friend",
        back=reverse("people:person", args=[person.pk]),
    )


@admin_required
@require_POST
def remove_friend(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _friend(request, person_id)
    params = {"label": person.display_name}
    back = reverse("people:list")
    response = submit_action(request, REMOVE_FRIEND, Operation.TARGET_USER, person.pk, params, back)
    return response or refused_key(request, reverse("people:person", args=[person.pk]))


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
        action=reverse("people:share-stop", args=[share.pk]),
        button="Stop sharing",
        back=reverse("people:person", args=[share.user_id]),
    )


@admin_required
@require_POST
def stop_sharing(request: HttpRequest, share_id: int) -> HttpResponse:
    share = get_share(request, share_id)
    params = {"label": f"{share.user.display_name} on {share.server.name}"}
    back = reverse("people:person", args=[share.user_id])
    response = submit_action(request, STOP_SHARING, Operation.TARGET_SHARE, share.pk, params, back)
    return response or refused_key(request, back)


# --- cancel or resend a pending invite ------------------------------------------------------


def _invite(request: HttpRequest, invite_id: int) -> Invite:
    return get_object_or_404(
        Invite.objects.select_related("server"), pk=invite_id, server__owned=True
    )


INVITE_ACTIONS = {
    "cancel": (
        CANCEL_INVITE,
        "people:invite-cancel",
        "Cancel the invite to {address}?",
        "The invite link in their e-mail stops working.",
        "Cancel invite",
    ),
    "resend": (
        RESEND_INVITE,
        "people:invite-resend",
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
        back=reverse("people:list") + "?kind=pending",
        danger=which == "cancel",
    )


def _invite_act(request: HttpRequest, invite_id: int, which: str) -> HttpResponse:
    invite = _invite(request, invite_id)
    kind = INVITE_ACTIONS[which][0]
    params = {"label": f"{invite.address} on {invite.server.name}"}
    back = reverse("people:list")
    response = submit_action(request, kind, Operation.TARGET_INVITE, invite.pk, params, back)
    return response or refused_key(request, back)


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
