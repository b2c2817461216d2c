"""First run (claim with the set-up code, pick the server, claim token help), the roles page
and the member page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from accounts import directory, membership, ratelimit, services, setup_code
from accounts.decorators import admin_required, member_required, not_yours, owner_required
from accounts.forms import ServerChoiceForm, SetupCodeForm
from accounts.models import Household, Member, PlexAccount, User
from accounts.plex import PlexLinkProblem, client_for, report_failure
from accounts.reauth import recent_sign_in_required
from plextv.errors import PlexTVError

# The Plex account (pk) that entered the set-up code in this session.
SETUP_CLAIM = "setup_claim"


def _first_run_account(request: HttpRequest) -> PlexAccount | None:
    """The signed-in Plex account while no household exists; None once one does."""
    if Household.current() is not None:
        return None
    return request.user.plex_account  # type: ignore[union-attr]


def _may_claim(request: HttpRequest, account: PlexAccount) -> bool:
    """Whether this session may make `account` the owner (see accounts/setup_code.py)."""
    if setup_code.named_owner():
        return setup_code.is_named_owner(account)
    return request.session.get(SETUP_CLAIM) == account.pk


def _claim_page(request: HttpRequest, account: PlexAccount, status: int = 200) -> HttpResponse:
    """Ask for the set-up code, or say that another Plex account is to claim this one."""
    reserved = bool(setup_code.named_owner())
    if not reserved:
        setup_code.ensure_code()
    context = {"account": account, "reserved": reserved, "form": SetupCodeForm()}
    return render(request, "accounts/setup_claim.html", context, status=403 if reserved else status)


@never_cache
@login_required
@require_GET
def setup(request: HttpRequest) -> HttpResponse:
    account = _first_run_account(request)
    if account is None:
        return redirect("home")
    if not _may_claim(request, account):
        return _claim_page(request, account)
    context: dict[str, object] = {"account": account, "servers": []}
    try:
        context["servers"] = services.owned_servers(account)
    except PlexLinkProblem as exc:
        context["error"] = exc.message
    except PlexTVError as exc:
        report_failure(account, exc)
        context["error"] = exc.human_message
    return render(request, "accounts/setup.html", context)


@sensitive_post_parameters("code")
@never_cache
@login_required
@require_POST
def setup_claim(request: HttpRequest) -> HttpResponse:
    """Check the set-up code; right, and this session may pick the server."""
    account = _first_run_account(request)
    if account is None or setup_code.named_owner():
        return not_yours(request)
    address = f"setup-code:{ratelimit.client_ip(request)}"
    everyone = "setup-code:all"
    if ratelimit.exhausted(address, setup_code.GUESSES_PER_ADDRESS) or ratelimit.exhausted(
        everyone, setup_code.GUESSES_IN_ALL
    ):
        messages.error(
            request, "Too many wrong set-up codes. Wait a quarter of an hour, then try again."
        )
        return _claim_page(request, account, status=429)
    form = SetupCodeForm(request.POST)
    if form.is_valid() and setup_code.code_matches(form.cleaned_data["code"]):
        request.session.cycle_key()
        request.session[SETUP_CLAIM] = account.pk
        return redirect("accounts:setup")
    for bucket in (address, everyone):
        ratelimit.count_failure(bucket, setup_code.GUESS_WINDOW)
    messages.error(
        request, "That is not the set-up code. Copy it from the console where plexadmin started."
    )
    return _claim_page(request, account)


@login_required
@require_POST
def setup_pick(request: HttpRequest) -> HttpResponse:
    account = _first_run_account(request)
    if account is None or not _may_claim(request, account):
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
    request.session.pop(SETUP_CLAIM, None)
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
    elif not _may_claim(request, account):
        return _claim_page(request, account)
    context: dict[str, object] = {}
    try:
        context["claim_token"] = client_for(account, page=True).claim_token()
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
@recent_sign_in_required
def grant_co_admin(request: HttpRequest, pk: int) -> HttpResponse:
    member = _grantable_member(pk)
    membership.change_role(member, Member.Role.CO_ADMIN, request.user)  # type: ignore[arg-type]
    messages.success(request, f"{member.plex_account} is now a co-admin.")
    return redirect("accounts:roles")


@owner_required
@require_POST
@recent_sign_in_required
def revoke_co_admin(request: HttpRequest, pk: int) -> HttpResponse:
    member = _grantable_member(pk)
    membership.change_role(member, Member.Role.MEMBER, request.user)  # type: ignore[arg-type]
    messages.success(request, f"{member.plex_account} is no longer a co-admin.")
    return redirect("accounts:roles")


@never_cache
@member_required
@require_GET
def member_page(request: HttpRequest) -> HttpResponse:
    """A member's own access, as the sync last read it: servers, libraries, settings, content
    filters and end dates (no plex.tv request)."""
    user: User = request.user  # type: ignore[assignment]
    account = user.plex_account
    access = directory.current().access(account.plex_id) if account else None
    return render(request, "accounts/member.html", {"account": account, "access": access})
