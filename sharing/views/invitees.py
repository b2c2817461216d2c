"""Removing someone who brought people in: keep those people (the default) or remove them too.

The confirmation lists the people the person brought in (`sharing.invite_tree`) and posts
their ids with the choice. The POST is judged against the tree as it is now: every id posted
must still be someone this person brought in, or nothing at all is queued; with "remove them
too" each listed person gets one removal operation through `operations.submit`, in the same
transaction as the main change, and never anyone who was not listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django_htmx.http import reswap, retarget

from accounts.http import is_partial, parse_id
from sharing import invite_tree, operations
from sharing.forms import OperationForm
from sharing.models import Operation, PlexUser
from sharing.operations.home import REMOVE_HOME_USER
from sharing.operations.invites import REMOVE_FRIEND
from sharing.views.access import ACTIVITY, refused, resubmitted, with_op

KEEP, REMOVE = "keep", "remove"
REMOVAL_OF = {PlexUser.FRIEND: REMOVE_FRIEND, PlexUser.HOME: REMOVE_HOME_USER}


class NotTheirs(Exception):
    """The POST named someone this person did not bring in: nothing is queued."""


@dataclass(frozen=True)
class Invitees:
    """The people `name` brought in, as the confirmation shows them."""

    name: str
    people: list[PlexUser]

    @property
    def count(self) -> int:
        return len(self.people)

    @property
    def summary(self) -> str:
        n = self.count
        return f"{self.name} brought in {n} {'person' if n == 1 else 'people'}"


def invitees_of(plex_id: int, name: str) -> Invitees:
    """The people this plex account brought in who are still here and can be removed."""
    ids = invite_tree.invitees(plex_id)
    people = PlexUser.objects.filter(
        plex_id__in=ids, removed_locally_at__isnull=True, kind__in=list(REMOVAL_OF)
    ).order_by("title", "username", "plex_id")
    return Invitees(name=name, people=list(people) if ids else [])


def chosen(request: HttpRequest, invitees: Invitees) -> list[PlexUser]:
    """Whom to remove along with the person: [] for "keep them"; raises NotTheirs when the
    POST names anyone outside `invitees` (or asks to remove without naming anyone)."""
    choice = str(request.POST.get("invited", KEEP))
    if choice not in (KEEP, REMOVE):
        raise NotTheirs("Choose whether to keep the people they brought in or remove them too.")
    if choice == KEEP:
        return []
    theirs = {person.pk: person for person in invitees.people}
    posted = [parse_id(str(value)) for value in request.POST.getlist("invitee")]
    if not posted or any(pk is None or pk not in theirs for pk in posted):
        raise NotTheirs(
            f"That list is not the people {invitees.name} brought in (it may have changed "
            "since the page was loaded): nothing was removed. Reload the page and try again."
        )
    return [theirs[pk] for pk in dict.fromkeys(posted) if pk is not None]


def queue_removals(people: list[PlexUser], by: str, actor: Any, key: str) -> list[Operation]:
    """One removal operation per person listed, each keyed from the form's one-time key (a
    resent form finds them instead of queueing them twice)."""
    return [
        operations.submit(
            REMOVAL_OF[invitee.kind],
            Operation.TARGET_USER,
            invitee.pk,
            {"label": invitee.display_name, "brought_in_by": by},
            actor,
            f"{key}-invitee-{invitee.pk}",
        )[0]
        for invitee in people
    ]


def submit_removal(
    request: HttpRequest,
    *,
    kind: str,
    person: PlexUser,
    invitees: Invitees,
    back: str,
    refused_back: str,
) -> HttpResponse:
    """Queue the person's removal and, if asked, one removal per listed invitee."""
    form = OperationForm(request.POST)
    if not form.is_valid():
        return refused(request, refused_back)
    try:
        extra = chosen(request, invitees)
    except NotTheirs as not_theirs:
        return refused(request, refused_back, str(not_theirs))
    key = form.cleaned_data["key"]
    params: dict[str, Any] = {"label": person.display_name}
    content = {**params, "with_invitees": sorted(p.pk for p in extra)}
    with transaction.atomic():
        op, created = operations.submit(
            kind,
            Operation.TARGET_USER,
            person.pk,
            params,
            request.user,  # type: ignore[arg-type]
            key,
            content=content,
        )
        queued = [op]
        if created:
            queued += queue_removals(extra, person.display_name, request.user, key)
    if not created:
        return resubmitted(
            request, op, back, kind, Operation.TARGET_USER, person.pk, params, content
        )
    if is_partial(request):
        statuses = (
            render_to_string("sharing/operation.html#operation-status", {"op": q}, request)
            for q in queued
        )
        response = HttpResponse("".join(statuses))
        return reswap(retarget(response, ACTIVITY), "afterbegin")  # type: ignore[arg-type]
    if extra:
        names = ", ".join(p.display_name for p in extra)
        messages.info(
            request, f"Also removing the people {person.display_name} brought in: {names}."
        )
    return redirect(with_op(back, op))
