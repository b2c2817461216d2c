"""First run (pick the server, claim token help), the roles page and the member page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts import services
from accounts.decorators import admin_required, member_required, not_yours, owner_required
from accounts.forms import ServerChoiceForm
from accounts.models import Household, Member, PlexAccount, User
from accounts.plex import PlexLinkProblem, client_for, owner_client, report_failure
from plextv.errors import PlexTVError


def _first_run_account(request: HttpRequest) -> PlexAccount | None:
    """The signed-in Plex account while no household exists; None once one does."""
    if Household.current() is not None:
        return None
    return request.user.plex_account  # type: ignore[union-attr]


@never_cache
@login_required
@require_GET
def setup(request: HttpRequest) -> HttpResponse:
    account = _first_run_account(request)
    if account is None:
        return redirect("home")
    context: dict[str, object] = {"account": account, "servers": []}
    try:
        context["servers"] = services.owned_servers(account)
    except PlexLinkProblem as exc:
        context["error"] = exc.message
    except PlexTVError as exc:
        report_failure(account, exc)
        context["error"] = exc.human_message
    return render(request, "accounts/setup.html", context)


@login_required
@require_POST
def setup_pick(request: HttpRequest) -> HttpResponse:
    account = _first_run_account(request)
    if account is None:
        return not_yours(request)
    form = ServerChoiceForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Pick one of your servers.")
        return redirect("accounts:setup")
    try:
        household = services.create_household(
            account,
            request.user,  # type: ignore[arg-type]
            form.cleaned_data["machine_identifier"],
        )
    except services.SetupRefused as exc:
        messages.error(request, str(exc))
        return redirect("accounts:setup")
    except (PlexLinkProblem, PlexTVError) as exc:
        messages.error(request, getattr(exc, "message", None) or exc.human_message)  # type: ignore[union-attr]
        return redirect("accounts:setup")
    messages.success(request, f"This dashboard now manages {household.server_name}.")
    return redirect("accounts:account")


@never_cache
@login_required
@require_GET
def claim_token(request: HttpRequest) -> HttpResponse:
    """Help for setting up a new server: a fresh claim token and how to use it."""
    account = _first_run_account(request)
    if account is None:
        household = Household.current()
        if household is None or request.user.plex_account_id != household.owner_id:  # type: ignore[union-attr]
            return not_yours(request, admin_only=True)
        account = household.owner
    context: dict[str, object] = {}
    try:
        context["claim_token"] = client_for(account).claim_token()
    except PlexLinkProblem as exc:
        context["error"] = exc.message
    except PlexTVError as exc:
        report_failure(account, exc)
        context["error"] = exc.human_message
    return render(request, "accounts/claim_token.html", context)


@never_cache
@admin_required
@require_GET
def roles(request: HttpRequest) -> HttpResponse:
    members = Member.objects.select_related("plex_account", "granted_by").order_by("role", "pk")
    return render(
        request,
        "accounts/roles.html",
        {"members": members, "can_grant": request.user.member.role == Member.Role.OWNER},  # type: ignore[union-attr]
    )


def _grantable_member(pk: int) -> Member:
    member = Member.objects.filter(pk=pk).exclude(role=Member.Role.OWNER).first()
    if member is None:
        raise Http404("No such member.")
    return member


@owner_required
@require_POST
def grant_co_admin(request: HttpRequest, pk: int) -> HttpResponse:
    member = _grantable_member(pk)
    member.set_role(Member.Role.CO_ADMIN, request.user)  # type: ignore[arg-type]
    messages.success(request, f"{member.plex_account} is now a co-admin.")
    return redirect("accounts:roles")


@owner_required
@require_POST
def revoke_co_admin(request: HttpRequest, pk: int) -> HttpResponse:
    member = _grantable_member(pk)
    member.set_role(Member.Role.MEMBER, request.user)  # type: ignore[arg-type]
    messages.success(request, f"{member.plex_account} is no longer a co-admin.")
    return redirect("accounts:roles")


@never_cache
@member_required
@require_GET
def member_page(request: HttpRequest) -> HttpResponse:
    """A member's own access: which libraries of the household's servers, with what settings."""
    user: User = request.user  # type: ignore[assignment]
    account = user.plex_account
    context: dict[str, object] = {"account": account, "shares": [], "person": None}
    try:
        client = owner_client()
        person = next((u for u in client.users() if account and u.id == account.plex_id), None)
        context["person"] = person
        if person:
            shares = []
            for share in person.shares:
                by_id = {s.id: s for s in client.server_shares(share.machine_identifier)}
                found = by_id.get(share.id)
                libraries = [section.title for section in found.shared_sections] if found else []
                shares.append(
                    {"name": share.name, "pending": share.pending, "libraries": libraries}
                )
            context["shares"] = shares
    except PlexLinkProblem as exc:
        context["error"] = exc.message
    except PlexTVError as exc:
        household = Household.current()
        if household:
            report_failure(household.owner, exc)
        context["error"] = exc.human_message
    return render(request, "accounts/member.html", context)
