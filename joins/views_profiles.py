"""Applying an access profile to people: choose, preview what changes, confirm, batch."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.decorators import admin_required
from accounts.http import AuthenticatedHttpRequest
from joins import apply, grants
from joins.models import AccessProfile
from sharing.forms import new_key
from sharing.matrix import people
from sharing.models import PlexUser

MAX_PEOPLE = 500


def _chosen(source: QueryDict) -> list[int] | str:
    """The ticked people's ids, or what is wrong with them."""
    values = source.getlist("people")
    if len(values) > MAX_PEOPLE:
        return f"Choose at most {MAX_PEOPLE} people at once."
    if not all(str(v).isascii() and str(v).isdigit() and len(str(v)) <= 12 for v in values):
        return "Choose people from the list."
    return sorted({int(v) for v in values})


def _people(ids: list[int], offered: list[PlexUser]) -> list[PlexUser] | str:
    by_id = {person.pk: person for person in offered}
    if any(pk not in by_id for pk in ids):
        return "Someone you chose has no share of your servers any more; choose again."
    return [by_id[pk] for pk in ids]


@never_cache
@admin_required
@require_http_methods(["GET", "POST"])
def profile_apply(request: AuthenticatedHttpRequest, profile_id: int) -> HttpResponse:
    """GET: the people to choose (ticked: `people`, or with `who=recipients` everyone who got
    the profile through a link) and, once chosen, the preview. POST: start the batch, only
    for the preview confirmed (its digest) and, when it narrows, with the narrowing confirmed."""
    profile = get_object_or_404(AccessProfile, pk=profile_id)
    if request.method == "POST":
        resent = apply.started(str(request.POST.get("key", ""))[:64] or "-")
        if resent is not None:
            return redirect(reverse("sharing:matrix-batch", args=[resent.pk]))
    offered = apply.candidates()
    got_it = apply.recipients(profile)
    source = request.POST if request.method == "POST" else request.GET
    ids = _chosen(source)
    if request.method == "GET" and source.get("who") == "recipients":
        ids = [person.pk for person in got_it]
    error = ids if isinstance(ids, str) else ""
    persons = _people(ids, offered) if isinstance(ids, list) else []
    if isinstance(persons, str):
        error, persons = persons, []
    planned = apply.plan(profile, persons) if persons else None
    if request.method == "POST" and not error:
        error = _refusal(request, planned)
        if not error and planned is not None:
            batch = apply.start(planned, request.user, str(request.POST["key"]))
            return redirect(reverse("sharing:matrix-batch", args=[batch.pk]))
    context = {
        "profile": profile,
        "servers": grants.describe(profile.grants),
        "offered": offered,
        "ticked": {p.pk for p in persons},
        "got_it": got_it,
        "plan": planned,
        "error": error,
        "key": new_key(),
    }
    status = 400 if error else 200
    return render(request, "joins/profile_apply.html", context, status=status)


def _refusal(request: HttpRequest, planned: apply.Plan | None) -> str:
    """Why the confirmed form may not start the batch ("" when it may)."""
    key = str(request.POST.get("key", ""))
    if not (16 <= len(key) <= 64 and all(c in "0123456789abcdef" for c in key)):
        return "This form is out of date; reload the page."
    if planned is None:
        return "Choose at least one person."
    if not planned.changes:
        return "Nobody you chose needs a change: they already have what the profile gives."
    if request.POST.get("digest") != planned.digest:
        return "Something changed since the preview (a sync or another change): check it again."
    if planned.narrowing and request.POST.get("narrow") != "yes":
        return (
            "This takes access away from some people. Tick the confirmation to apply it, or "
            "untick them."
        )
    return ""


def after_save(request: HttpRequest, profile: AccessProfile) -> HttpResponse:
    """After a profile is saved: nobody changed. If people got it through links, the profile's
    page offers to apply it to them, as an explicit batch."""
    count = len(apply.recipients(profile))
    if count:
        messages.info(
            request,
            f"Nobody's access changed. {people(count).capitalize()} got this profile "
            "through a link: you can apply the new version to them from here.",
        )
        return redirect("joins:profile", profile_id=profile.pk)
    return redirect("joins:profiles")
