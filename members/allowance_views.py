"""Invites within a quota: a member's own links (`invites`, `disable_invite`) and admins'
screens for allowances and the invite tree.

The member's views go through `member_only` like the rest of their space; every POST is
judged by `members.allowances` against the allowance as it is now, never by what the form
showed."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import admin_required
from accounts.http import is_partial
from accounts.models import Member, User
from joins import grants as grants_mod
from members import allowances
from members.allowance_forms import AllowanceForm, MemberLinkForm
from members.models import Allowance
from members.views import member_only
from sharing.forms import OperationForm
from sharing.models import Library, PlexUser
from sharing.views import invitees
from sharing.views.access import confirm_page, refused


def _invites_page(
    request: HttpRequest, member: Member, form: MemberLinkForm, status: int = 200, **extra: object
) -> HttpResponse:
    allowance = Allowance.objects.filter(member=member, revoked_at__isnull=True).first()
    context = {
        "allowance": allowance,
        "form": form,
        "can_hand_out": grants_mod.describe(allowance.grants) if allowance else [],
        "choices": _choices(allowance) if allowance else [],
        "left": allowances.remaining(allowance) if allowance else 0,
        "links": allowances.own_links(member),
        # A refused form keeps the boxes that were ticked.
        "ticked": set(request.POST.getlist("libraries")) if form.is_bound else set(),
        **extra,
    }
    return render(request, "members/invites.html", context, status=status)


def _choices(allowance: Allowance) -> list[tuple[int, str]]:
    ids = grants_mod.library_ids(allowance.grants)
    rows = Library.objects.filter(global_id__in=ids).select_related("server").order_by("title")
    return [(lib.global_id, f"{lib.server.name}: {lib.title}") for lib in rows]


def _refused_status(request: HttpRequest) -> int:
    """A refused link: 400 for a page of its own; with htmx a 200 carrying the reason in
    place (Chromium reports every 4xx answer to a script as a console error)."""
    return 200 if is_partial(request) else 400


BIGGEST_ID = 2**63 - 1  # past it a foreign-key lookup overflows the database's integer


def _no_such(object_id: int) -> None:
    if object_id > BIGGEST_ID:
        raise Http404


@never_cache
@member_only
def invites(request: HttpRequest, member: Member) -> HttpResponse:
    """The member's invite links, and a new one within their allowance."""
    if request.method == "GET":
        return _invites_page(request, member, MemberLinkForm())
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    form = MemberLinkForm(request.POST)
    libraries = form.libraries()
    if not form.is_valid() or libraries is None:
        note = "Choose libraries from the list." if libraries is None else ""
        return _invites_page(request, member, form, status=_refused_status(request), refused=note)
    data = form.cleaned_data
    asked = allowances.LinkRequest(
        label=data["label"],
        libraries=libraries,
        people=data["people"],
        access_days=data.get("access_days"),
    )
    try:
        link, code = allowances.create_link(member, asked)
    except allowances.Refused as refused:
        return _invites_page(
            request, member, form, status=_refused_status(request), refused=str(refused)
        )
    url = f"{settings.PUBLIC_BASE_URL}/join/{code}"
    return _invites_page(request, member, MemberLinkForm(), new_link=link, new_url=url)


@member_only
@require_POST
def disable_invite(request: HttpRequest, member: Member, link_id: int) -> HttpResponse:
    _no_such(link_id)
    link = allowances.disable_link(member, link_id)
    if link is None:
        raise Http404
    messages.success(request, f"“{link.label}” is disabled; its unused places are yours again.")
    return redirect("members:invites")


@never_cache
@admin_required
@require_GET
def allowance_list(request: HttpRequest) -> HttpResponse:
    """Members with allowances, their usage, and everyone who could get one."""
    from joins.services import waiting_count

    rows = list(
        Allowance.objects.select_related("member__plex_account").order_by(
            "member__plex_account__username"
        )
    )
    usage = [(a, allowances.remaining(a), allowances.people_joined(a)) for a in rows]
    given = {a.member_id for a in rows}
    others = list(
        Member.objects.select_related("plex_account")
        .filter(role=Member.Role.MEMBER)
        .exclude(pk__in=given)
        .order_by("plex_account__username")
    )
    context = {"usage": usage, "others": others, "waiting": waiting_count()}
    return render(request, "members/allowances.html", context)


@never_cache
@admin_required
def allowance_edit(request: HttpRequest, member_id: int) -> HttpResponse:
    member = get_object_or_404(
        Member.objects.select_related("plex_account", "user"), pk=member_id, role="member"
    )
    allowance = Allowance.objects.filter(member=member).first()
    if request.method == "POST":
        form = AllowanceForm(request.POST)
        if form.is_valid():
            data = {**form.cleaned_data, "wanted": form.wanted()}
            admin: User = request.user  # type: ignore[assignment]
            try:
                allowances.save_allowance(member, data, admin)
            except allowances.Refused as refused:
                form.add_error("libraries", str(refused))
            else:
                messages.success(request, f"{member.plex_account.display_name}'s allowance saved.")
                return redirect("members:allowances")
        status = 400
    elif request.method == "GET":
        form = AllowanceForm(initial=_initial(allowance))
        status = 200
    else:
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    context = {"member": member, "allowance": allowance, "form": form}
    return render(request, "members/allowance_edit.html", context, status=status)


def _initial(allowance: Allowance | None) -> dict[str, object]:
    if allowance is None:
        return {"needs_approval": True, "period": Allowance.TOTAL}
    return {
        "max_people": allowance.max_people,
        "period": allowance.period,
        "libraries": sorted(grants_mod.library_ids(allowance.grants)),
        "beyond_own_access": allowance.beyond_own_access,
        "max_access_days": allowance.max_access_days,
        "needs_approval": allowance.needs_approval,
    }


@never_cache
@admin_required
@require_http_methods(["GET", "POST"])
def allowance_revoke(request: HttpRequest, member_id: int) -> HttpResponse:
    """Revoke a member's allowance; the confirmation asks what happens to the people they
    brought in (kept by default, or one removal each, judged against the tree as it is now)."""
    _no_such(member_id)
    allowance = get_object_or_404(
        Allowance.objects.select_related("member__plex_account"),
        member_id=member_id,
        revoked_at__isnull=True,
    )
    account = allowance.member.plex_account
    invited = invitees.invitees_of(account.plex_id, account.display_name)
    back = reverse("members:allowances")
    if request.method == "GET":
        return confirm_page(
            request,
            title=f"Revoke {account.display_name}'s allowance?",
            message=f"{account.display_name} can no longer make invite links, and their open "
            "links stop working. Their own access does not change.",
            action=reverse("members:allowance-revoke", args=[member_id]),
            button="Revoke allowance",
            back=back,
            invitees=invited,
        )
    try:
        extra = invitees.chosen(request, invited)
    except invitees.NotTheirs as not_theirs:
        return refused(request, back, str(not_theirs))
    form = OperationForm(request.POST)
    if extra and not form.is_valid():
        return refused(request, back)
    with transaction.atomic():
        disabled = allowances.revoke(allowance)
        if extra:
            key = form.cleaned_data["key"]
            invitees.queue_removals(extra, account.display_name, request.user, key)
    note = f"Allowance revoked; {disabled} open link{'s' if disabled != 1 else ''} disabled."
    if extra:
        note += f" Removing {', '.join(p.display_name for p in extra)}."
    messages.success(request, note)
    return redirect(back)


@never_cache
@admin_required
@require_GET
def tree(request: HttpRequest, person_id: int) -> HttpResponse:
    """A person's inviter and the people they invited (the person page loads it by htmx)."""
    person = get_object_or_404(PlexUser, pk=person_id)
    found = allowances.tree_of(person.plex_id)
    known = PlexUser.objects.filter(plex_id__in=[r.plex_id for r in found.invited])
    people = {p.plex_id: p for p in known}
    rows = [(r, people.get(r.plex_id)) for r in found.invited]
    context = {"person": person, "inviter": found.inviter, "rows": rows}
    return render(request, "members/tree.html", context)
