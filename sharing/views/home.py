"""Plex Home actions: create a managed user, invite an account, profile, PIN, removal."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import admin_required
from accounts.http import is_partial
from accounts.models import Household
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
from sharing.views.access import (
    confirm_page,
    get_person,
    invalid_status,
    submit_change,
    submit_from_form,
)
from sharing.views.actions import invite_libraries
from sharing.views.invitees import Invitees, invitees_of, submit_removal
from sharing.views.people import counters
from sharing.views.person import person_context


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
        back=reverse("sharing:people"),
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
        back=reverse("sharing:people"),
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
    template = "sharing/person.html#home-card" if is_partial(request) else "sharing/person.html"
    return render(request, template, context, status=invalid_status(request))


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
        back=reverse("sharing:person", args=[person.pk]),
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
        back=reverse("sharing:person", args=[person.pk]),
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
        action=reverse("sharing:home-remove", args=[person.pk]),
        button="Remove from Home",
        back=reverse("sharing:person", args=[person.pk]),
        invitees=_invitees(person),
    )


@admin_required
@require_POST
def remove_home(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _home_member(request, person_id)
    # A managed profile is deleted: its page goes with it.
    back = (
        reverse("sharing:people")
        if person.kind == PlexUser.MANAGED
        else reverse("sharing:person", args=[person.pk])
    )
    return submit_removal(
        request,
        kind=REMOVE_HOME_USER,
        person=person,
        invitees=_invitees(person),
        back=back,
        refused_back=reverse("sharing:person", args=[person.pk]),
    )


def _invitees(person: PlexUser) -> Invitees:
    """A managed profile brings nobody in: it has no Plex sign-in of its own."""
    if person.kind == PlexUser.MANAGED:
        return Invitees(name=person.display_name, people=[])
    return invitees_of(person.plex_id, person.display_name)


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
        action=reverse("sharing:home-invite-cancel", args=[invite.pk]),
        button="Cancel Home invite",
        back=reverse("sharing:people"),
    )


@admin_required
@require_POST
def cancel_home_invite(request: HttpRequest, invite_id: int) -> HttpResponse:
    invite = _home_invite(request, invite_id)
    back = reverse("sharing:people")
    params = {"label": invite.address}
    return submit_from_form(
        request, CANCEL_HOME_INVITE, Operation.TARGET_HOME_INVITE, invite.pk, params, back
    )
