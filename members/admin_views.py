"""Admins' screen for members' requests: approve in one click (an edit Operation that only
adds what was asked) or deny with a note the member reads on their page."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import admin_required
from accounts.models import User
from members import services
from members.forms import DenyForm
from members.models import AccessRequest


@never_cache
@admin_required
@require_GET
def requests(request: HttpRequest) -> HttpResponse:
    rows = AccessRequest.objects.select_related(
        "requester__plex_account",
        "share__server",
        "share__user",
        "library",
        "decided_by",
        "operation",
    )
    context = {
        "pending": list(rows.filter(state=AccessRequest.PENDING).order_by("created_at")),
        "answered": list(rows.exclude(state=AccessRequest.PENDING).order_by("-decided_at")[:30]),
        "deny_form": DenyForm(),
    }
    return render(request, "members/requests.html", context)


@never_cache
@admin_required
@require_GET
def waiting_badge(request: HttpRequest) -> HttpResponse:
    """The top bar's count, loaded by htmx after the page: every admin page keeps its own
    query budget, and without JavaScript the link is still there, only uncounted."""
    return render(
        request, "members/requests.html#waiting-badge", {"waiting": services.pending_count()}
    )


@admin_required
@require_POST
def approve(request: HttpRequest, request_id: int) -> HttpResponse:
    admin: User = request.user  # type: ignore[assignment]
    try:
        asked = services.approve(request_id, admin)
    except LookupError:
        raise Http404 from None
    except services.Refused as refused:
        messages.error(request, str(refused))
        return redirect("members:requests")
    if asked.operation_id:
        messages.success(request, "Approved: the change is being sent to plex.tv.")
    else:
        messages.info(request, "Approved: they already had it, so nothing was sent.")
    return redirect("members:requests")


@admin_required
@require_POST
def deny(request: HttpRequest, request_id: int) -> HttpResponse:
    admin: User = request.user  # type: ignore[assignment]
    form = DenyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "A note is at most 500 characters.")
        return redirect("members:requests")
    try:
        services.deny(request_id, admin, form.cleaned_data["note"])
    except LookupError:
        raise Http404 from None
    except services.Refused as refused:
        messages.error(request, str(refused))
        return redirect("members:requests")
    messages.success(request, "Denied: they will see your note on their page.")
    return redirect("members:requests")
