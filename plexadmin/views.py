from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.decorators import not_yours
from accounts.http import HtmxHttpRequest
from accounts.models import Household
from accounts.roles import is_admin, is_member
from plexadmin import health


@never_cache
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Everyone lands on their own page: admins here, members on their access, outsiders on
    the "not your household" page; signed out, a page that leads with Sign in."""
    first_run = Household.current() is None
    if request.user.is_authenticated:
        if first_run:
            return redirect("accounts:setup")
        if is_admin(request.user):
            return render(request, "home.html", {"checks": health.service_checks()})
        if is_member(request.user):
            return redirect("members:home")
        return not_yours(request)
    # The installation's state is for whoever sets it up, not for every visitor afterwards.
    checks = health.service_checks() if first_run else []
    return render(request, "home.html", {"checks": checks, "first_run": first_run})


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on pages that name no icon (an image opened on its own, a
    plain-text answer): send them to the one the pages name instead of a 404 in the log."""
    return redirect(static("img/favicon.svg"), permanent=True)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 while everything works or is starting; 503 naming what does not (the database, the
    broker, beat, or a worker that stopped running tasks)."""
    checks = health.all_checks()
    failing = [check.name for check in checks if not check.ok]
    body = {
        "status": "ok" if not failing else "unavailable",
        "failing": failing,
        "checks": {
            check.name: {"ok": check.ok, "state": check.state, "detail": check.detail}
            for check in checks
        },
    }
    return JsonResponse(body, status=503 if failing else 200)


@never_cache
@require_GET
def status(request: HtmxHttpRequest) -> HttpResponse:
    # Open to anyone only until a household exists (first run); then admins only.
    if Household.current() is not None:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_admin(request.user):
            return not_yours(request, admin_only=True)
    context = {
        "checks": health.all_checks(operations=True),
        "embedded": health.embedded_mode(),
    }
    template = "status.html#status-panel" if request.htmx else "status.html"
    return render(request, template, context)
