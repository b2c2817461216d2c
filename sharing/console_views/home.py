"""Plex Home actions: create a managed user, invite an account, profile, PIN, removal."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import admin_required
from accounts.models import Household
from sharing.console_views.access import get_person, wants_partial
from sharing.console_views.actions import (
    confirm_page,
    invite_libraries,
    refused_key,
    submit_action,
)
from sharing.console_views.outcome import submit_change
from sharing.console_views.people import counters
from sharing.console_views.person import person_context
from sharing.forms import HomeInviteForm, ManagedUserForm, PinForm, ProfileForm, new_key
from sharing.models import HomeInvite, Operation, PlexUser
from sharing.operations.home import (
    CANCEL_HOME_INVITE,
    CREATE_MANAGED,
    INVITE_TO_HOME,
    REMOVE_HOME_USER,
    SET_PIN,
    SET_PROFILE,
)


def _home_room() -> int:
    room = counters()
    return room["home_limit"] - room["home"]


def _managed_form(data: object = None) -> ManagedUserForm:
    return ManagedUserForm(
        data,
        initial={"key": new_key(), "allow_tuners": "0"},
        libraries=invite_libraries(),
        home_room=_home_room(),
    )


@never_cache
@admin_required
@require_GET
def managed_page(request: HttpRequest) -> HttpResponse:
    return render(request, "sharing/managed_new.html", {"form": _managed_form()})


@admin_required
@require_POST
def managed_create(request: HttpRequest) -> HttpResponse:
    form = _managed_form(request.POST)
    if not form.is_valid():
        return render(request, "sharing/managed_new.html", {"form": form}, status=400)
    data = form.cleaned_data
    params = {
        "label": data["name"],
        "name": data["name"],
        "profile": data.get("profile") or "",
        "pin": data.get("pin") or "",
        "servers": form.servers(),
        "access": form.access_state(),
    }
    if data.get("access_days"):
        params["access_days"] = data["access_days"]
    return submit_change(
        request,
        kind=CREATE_MANAGED,
        target_type="home",
        target_id=data["name"][:64],
        params=params,
        key=data["key"],
        back=reverse("people:list"),
    )


def _home_invite_form(data: object = None) -> HomeInviteForm:
    household = Household.current()
    plex_pass = bool(household and household.owner.has_plex_pass)
    return HomeInviteForm(
        data,
        initial={"key": new_key()},
        plex_pass=plex_pass,
        home_room=_home_room(),
        owner=household.owner if household else None,
    )


@never_cache
@admin_required
@require_GET
def home_invite_page(request: HttpRequest) -> HttpResponse:
    return render(request, "sharing/home_invite.html", {"form": _home_invite_form()})


@admin_required
@require_POST
def home_invite_send(request: HttpRequest) -> HttpResponse:
    form = _home_invite_form(request.POST)
    if not form.is_valid():
        return render(request, "sharing/home_invite.html", {"form": form}, status=400)
    address = form.cleaned_data["who"]
    return submit_change(
        request,
        kind=INVITE_TO_HOME,
        target_type="home",
        target_id=address[:64],
        params={"label": address, "address": address},
        key=form.cleaned_data["key"],
        back=reverse("people:list"),
    )


def _managed(request: HttpRequest, person_id: int) -> PlexUser:
    person = get_person(request, person_id)
    if person.kind != PlexUser.MANAGED:
        raise Http404("Not a managed user")
    return person


def _home_member(request: HttpRequest, person_id: int) -> PlexUser:
    person = get_person(request, person_id)
    if not person.home:
        raise Http404("Not in the Home")
    return person


def _refused_form(
    request: HttpRequest, person: PlexUser, forms: dict[str, ProfileForm | PinForm]
) -> HttpResponse:
    """A refused profile or PIN form, its errors shown inline in the Home card."""
    context = person_context(person, home_forms=forms)
    if wants_partial(request):
        # htmx leaves 4xx answers unswapped, so the card with its errors comes back as 200.
        return render(request, "sharing/person.html#home-card", context)
    return render(request, "sharing/person.html", context, status=400)


@admin_required
@require_POST
def set_profile(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _managed(request, person_id)
    form = ProfileForm(request.POST)
    if not form.is_valid():
        return _refused_form(request, person, {"profile": form})
    params = {"label": person.display_name, "profile": form.cleaned_data.get("profile") or ""}
    return submit_change(
        request,
        kind=SET_PROFILE,
        target_type=Operation.TARGET_USER,
        target_id=person.pk,
        params=params,
        key=form.cleaned_data["key"],
        back=reverse("people:person", args=[person.pk]),
    )


@admin_required
@require_POST
def set_pin(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _managed(request, person_id)
    form = PinForm(request.POST)
    if not form.is_valid():
        return _refused_form(request, person, {"pin": form})
    pin = "" if form.cleaned_data.get("remove") else form.cleaned_data["pin"]
    return submit_change(
        request,
        kind=SET_PIN,
        target_type=Operation.TARGET_USER,
        target_id=person.pk,
        params={"label": person.display_name, "pin": pin},
        key=form.cleaned_data["key"],
        back=reverse("people:person", args=[person.pk]),
    )


@admin_required
@require_GET
def remove_home_confirm(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _home_member(request, person_id)
    name = person.display_name
    message = (
        f"{name}'s managed profile is deleted, with everything shared with it."
        if person.kind == PlexUser.MANAGED
        else f"{name} leaves your Home; their Plex account stays theirs."
    )
    return confirm_page(
        request,
        title=f"Remove {name} from your Home?",
        message=message,
        action=reverse("people:home-remove", args=[person.pk]),
        button="Remove from Home",
        back=reverse("people:person", args=[person.pk]),
    )


@admin_required
@require_POST
def remove_home(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _home_member(request, person_id)
    params = {"label": person.display_name}
    # A managed profile is deleted: its page goes with it.
    back = (
        reverse("people:list")
        if person.kind == PlexUser.MANAGED
        else reverse("people:person", args=[person.pk])
    )
    response = submit_action(
        request, REMOVE_HOME_USER, Operation.TARGET_USER, person.pk, params, back
    )
    return response or refused_key(request, reverse("people:person", args=[person.pk]))


# --- withdraw a pending Home invitation -------------------------------------------------------


def _home_invite(request: HttpRequest, invite_id: int) -> HomeInvite:
    return get_object_or_404(HomeInvite, pk=invite_id)


@admin_required
@require_GET
def cancel_home_invite_confirm(request: HttpRequest, invite_id: int) -> HttpResponse:
    invite = _home_invite(request, invite_id)
    return confirm_page(
        request,
        title=f"Cancel the Home invite to {invite.address}?",
        message="The invitation stops working; you can invite them again later.",
        action=reverse("people:home-invite-cancel", args=[invite.pk]),
        button="Cancel Home invite",
        back=reverse("people:list"),
    )


@admin_required
@require_POST
def cancel_home_invite(request: HttpRequest, invite_id: int) -> HttpResponse:
    invite = _home_invite(request, invite_id)
    back = reverse("people:list")
    params = {"label": invite.address}
    response = submit_action(
        request, CANCEL_HOME_INVITE, Operation.TARGET_HOME_INVITE, invite.pk, params, back
    )
    return response or refused_key(request, back)
