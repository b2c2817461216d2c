"""Admin pages: access profiles, invite links, and join requests waiting for approval."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import admin_required
from joins import apply, grants, limits, link_hooks, qr, services
from joins.forms import LinkForm, ProfileForm
from joins.models import AccessProfile, InviteLink, Redemption
from joins.views_profiles import after_save


@admin_required
@require_GET
def profile_list(request: HttpRequest) -> HttpResponse:
    profiles = AccessProfile.objects.annotate(link_count=Count("links"))
    rows = [(p, grants.describe(p.grants)) for p in profiles]
    return render(request, "joins/profiles.html", {"rows": rows})


@admin_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest, profile_id: int | None = None) -> HttpResponse:
    profile = get_object_or_404(AccessProfile, pk=profile_id) if profile_id else None
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=profile)
        if form.is_valid():
            data = form.cleaned_data
            if profile is None:
                profile = AccessProfile(created_by=request.user)  # type: ignore[misc]
            profile.name = data["name"]
            profile.description = data["description"]
            profile.default_access_days = data["default_access_days"]
            profile.grants = data["grants"]
            profile.updated_at = timezone.now()
            profile.save()
            messages.success(
                request,
                f"Saved the profile “{profile.name}”. Links made from it earlier keep what "
                "they granted when they were made.",
            )
            return after_save(request, profile)
    else:
        initial = {}
        if profile is not None:
            initial = {
                "name": profile.name,
                "description": profile.description,
                "default_access_days": profile.default_access_days,
                **ProfileForm.initial_for(profile.grants),
            }
        form = ProfileForm(initial=initial, instance=profile)
    got_it = apply.recipients(profile) if profile is not None else []
    context = {"form": form, "profile": profile, "got_it": got_it}
    return render(request, "joins/profile_form.html", context)


@admin_required
@require_http_methods(["GET", "POST"])
def profile_delete(request: HttpRequest, profile_id: int) -> HttpResponse:
    profile = get_object_or_404(AccessProfile, pk=profile_id)
    if request.method == "POST":
        profile.delete()
        messages.success(request, f"Deleted the profile “{profile.name}”. Its links keep working.")
        return redirect("joins:profiles")
    return render(
        request,
        "joins/confirm.html",
        {
            "title": f"Delete the profile “{profile.name}”?",
            "message": "Links made from it keep what they grant; people keep their access.",
            "button": "Delete profile",
            "back": "joins:profiles",
        },
    )


@admin_required
@require_GET
def link_list(request: HttpRequest) -> HttpResponse:
    links = InviteLink.objects.select_related("created_by", "profile").prefetch_related(
        "redemptions"
    )
    context = {
        "links": links,
        "misses": limits.global_misses(),
        "budget": limits.global_budget(),
        "waiting": services.waiting_count(),
    }
    return render(request, "joins/links.html", context)


@never_cache
@admin_required
@require_http_methods(["GET", "POST"])
def link_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = LinkForm(request.POST)
        if form.is_valid():
            link, code = services.create_link(form.cleaned_data, request.user)  # type: ignore[arg-type]
            url = f"{settings.PUBLIC_BASE_URL}/join/{code}"
            response = render(
                request,
                "joins/link_created.html",
                {
                    "link": link,
                    "url": url,
                    "qr": qr.svg(url),
                    "servers": grants.describe(link.grants),
                },
            )
            response["Cache-Control"] = "no-store"
            return response
    else:
        form = LinkForm(initial={"max_uses": 1})
    return render(request, "joins/link_form.html", {"form": form})


@admin_required
@require_GET
def link_detail(request: HttpRequest, link_id: int) -> HttpResponse:
    link = get_object_or_404(InviteLink.objects.select_related("created_by", "profile"), pk=link_id)
    for redemption in link.redemptions.filter(state=Redemption.DONE, access_until__isnull=False):
        services.stamp_expiry(redemption)
    context = {
        "link": link,
        "servers": grants.describe(link.grants),
        "redemptions": link.redemptions.select_related("operation", "decided_by"),
    }
    return render(request, "joins/link_detail.html", context)


@admin_required
@require_POST
def link_disable(request: HttpRequest, link_id: int) -> HttpResponse:
    _no_such(link_id)
    if link_hooks.disable(link_id) is None:
        raise Http404
    messages.success(request, "The link is disabled: nobody can join through it.")
    return redirect("joins:link", link_id=link_id)


@admin_required
@require_POST
def link_enable(request: HttpRequest, link_id: int) -> HttpResponse:
    _no_such(link_id)
    get_object_or_404(InviteLink, pk=link_id)
    refusal = link_hooks.enable(link_id)
    if refusal:
        messages.error(request, refusal)
    else:
        messages.success(request, "The link works again.")
    return redirect("joins:link", link_id=link_id)


BIGGEST_ID = 2**63 - 1  # past it a lookup by primary key overflows the database's integer


def _no_such(object_id: int) -> None:
    if object_id > BIGGEST_ID:
        raise Http404


@admin_required
@require_http_methods(["GET", "POST"])
def link_delete(request: HttpRequest, link_id: int) -> HttpResponse:
    link = get_object_or_404(InviteLink, pk=link_id)
    if request.method == "POST":
        with transaction.atomic():
            # Disabled first, so that a member's link gives its unused places back before
            # its record of them goes with it.
            link_hooks.disable(link.pk)
            link.delete()
        messages.success(
            request, f"Deleted the link “{link.label}”. People who joined keep their access."
        )
        return redirect("joins:links")
    return render(
        request,
        "joins/confirm.html",
        {
            "title": f"Delete the link “{link.label}”?",
            "message": "Nobody can join through it any more, and its list of joins is deleted. "
            "People who joined keep their access.",
            "button": "Delete link",
            "back": "joins:links",
        },
    )


@admin_required
@require_GET
def approvals(request: HttpRequest) -> HttpResponse:
    waiting = Redemption.objects.filter(state=Redemption.APPROVAL).select_related("link")
    rows = [(r, grants.describe(r.link.grants)) for r in waiting]
    return render(request, "joins/approvals.html", {"rows": rows})


@admin_required
@require_POST
def approve(request: HttpRequest, redemption_id: int) -> HttpResponse:
    redemption = get_object_or_404(Redemption, pk=redemption_id)
    if services.approve(redemption, request.user) is None:  # type: ignore[arg-type]
        messages.error(request, "That request was already decided.")
    else:
        messages.success(request, f"Approved: sharing with {redemption.display_name}.")
    return redirect("joins:approvals")


@admin_required
@require_POST
def deny(request: HttpRequest, redemption_id: int) -> HttpResponse:
    redemption = get_object_or_404(Redemption, pk=redemption_id)
    note = str(request.POST.get("note", ""))[:300].replace("\x00", "")
    if not services.deny(redemption, request.user, note):  # type: ignore[arg-type]
        raise Http404
    messages.success(request, f"Denied {redemption.display_name}'s request.")
    return redirect("joins:approvals")


@never_cache
@admin_required
@require_GET
def waiting_badge(request: HttpRequest) -> HttpResponse:
    """The top bar's count of join requests, loaded by htmx after the page, so that no admin
    page pays a query for it; without JavaScript the link is there, only uncounted."""
    return render(request, "joins/_waiting.html", {"waiting": services.waiting_count()})
