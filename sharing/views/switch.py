"""Switching to a Home user and viewing the household as they see it."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.decorators import admin_required
from accounts.http import HtmxHttpRequest, is_partial
from accounts.plex import PlexLinkProblem
from plextv.errors import PlexTVError
from sharing import switching
from sharing.models import PlexUser, Share
from sharing.views.access import INVALID_PAGE, INVALID_PARTIAL

HOME_KINDS = (PlexUser.HOME, PlexUser.MANAGED)


def _home_people() -> list[PlexUser]:
    return list(
        PlexUser.objects.filter(kind__in=HOME_KINDS, removed_locally_at__isnull=True).order_by(
            "title", "username"
        )
    )


def _home_person(pk: int) -> PlexUser:
    return get_object_or_404(PlexUser, pk=pk, kind__in=HOME_KINDS, removed_locally_at__isnull=True)


@never_cache
@require_GET
@admin_required
def home_people(request: HttpRequest) -> HttpResponse:
    context = {"people": _home_people(), "switched": switching.current(request)}
    return render(request, "sharing/switch.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@admin_required
def start(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    person = _home_person(pk)
    error = ""
    if request.method == "POST":
        pin = request.POST.get("pin", "").strip()
        if person.protected and not (pin.isdigit() and len(pin) == 4):
            error = f"{person.display_name}'s profile is protected: enter its 4-digit PIN."
        else:
            try:
                switching.switch(request, person, pin)
            except switching.SwitchRefused as refused:
                error = refused.message
            except PlexLinkProblem as problem:
                error = str(problem)
            else:
                target = reverse("sharing:switch-viewing")
                if request.htmx:
                    return HttpResponseClientRedirect(target)
                return redirect(target)
    context = {"person": person, "error": error, "locked": switching.locked_for(request, person)}
    if is_partial(request):
        # The form with its message, swapped in place (a 200: see access.INVALID_PARTIAL).
        return render(request, "sharing/switch_pin.html#pin-form", context, status=INVALID_PARTIAL)
    return render(
        request, "sharing/switch_pin.html", context, status=INVALID_PAGE if error else 200
    )


@never_cache
@require_GET
@admin_required
def viewing(request: HttpRequest) -> HttpResponse:
    switched = switching.current(request)
    if switched is None:
        messages.info(request, "You are not viewing as anyone. Pick a Home member to switch to.")
        return redirect("sharing:switch")
    client = switching.client_for(switched)
    if client is None:
        switching.forget(request)
        messages.warning(
            request, f"The view as {switched.name} has ended. Switch again to continue."
        )
        return redirect("sharing:switch")
    person = PlexUser.objects.filter(pk=switched.person_id).first()
    if person is None:
        switching.forget(request)
        raise Http404("That Home member is gone.")
    context: dict[str, object] = {
        "switched": switched,
        "person": person,
        "shares": Share.objects.filter(user=person)
        .select_related("server")
        .prefetch_related("libraries"),
    }
    try:
        context["account"] = client.account()
        context["servers"] = [r for r in client.resources() if r.is_server]
        context["devices"] = [d for d in client.devices() if d.name]
        context["watchlist"] = client.watchlist(max_results=24)
    except PlexTVError as exc:
        context["error"] = exc.human_message
    return render(request, "sharing/viewing_as.html", context)


@require_POST
@admin_required
def exit_view(request: HttpRequest) -> HttpResponse:
    switched = switching.current(request)
    switching.forget(request)
    if switched is not None:
        messages.success(
            request, f"You are back as yourself (no longer viewing as {switched.name})."
        )
    return redirect("sharing:switch")
