"""What every sharing view shares: the object behind an id, the refusal, and submitting a change.

Getters: the object, if it belongs to this household's owned servers, or 404. Roles are checked
by the decorators; these make sure the id in the URL names something the dashboard manages (a
person not removed here, a share of one of the owner's servers).

After a change is submitted the admin sees the page they were on with the change's live status
in place. Without JavaScript a POST redirects back to that page with `?op=<id>`, which shows the
operation's status there; with htmx the status partial is swapped into the page's activity
region. A form whose one-time key was used before queues nothing: the answer shows the operation
that key made, and is a 409 when the content differs from what made it (base.html swaps 409).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django_htmx.http import reswap, retarget

from accounts.http import is_partial, refused_in_place
from sharing import operations
from sharing.forms import OperationForm, new_key
from sharing.models import Operation, PlexUser, Share

ACTIVITY = "#activity"
STALE_FORM = "This form is out of date; go back, reload and try again."
ALREADY_SUBMITTED = "This form was already submitted: nothing new was queued. The change it made:"
KEY_REUSED = (
    "This form was already used for a different change, so nothing was queued. "
    "Reload the page to get a fresh form, then try again."
)
# A refused form: with htmx a 200 carrying the form and its errors, swapped in place; without
# htmx a 400. Not a 422 for htmx: Chromium reports every 4xx answer to a script as a console
# error, and the form with its errors is the answer the page asked for (base.html's rule).
INVALID_PARTIAL = 200
INVALID_PAGE = 400


# --- the object behind an id ------------------------------------------------------------------


def get_person(request: HttpRequest, person_id: int) -> PlexUser:
    return get_object_or_404(PlexUser, pk=person_id, removed_locally_at__isnull=True)


def get_share(request: HttpRequest, share_id: int) -> Share:
    share = get_object_or_404(
        Share.objects.select_related("server", "user"),
        pk=share_id,
        server__owned=True,
        user__removed_locally_at__isnull=True,
    )
    if share.shared_server_id is None:
        raise Http404("No such share")
    return share


def get_operation(request: HttpRequest, op_id: int) -> Operation:
    return get_object_or_404(Operation, pk=op_id)


# --- refusals and confirmations ---------------------------------------------------------------


def invalid_status(request: HttpRequest) -> int:
    """The status of an answer that shows a refused form with its errors."""
    return INVALID_PARTIAL if is_partial(request) else INVALID_PAGE


def refused(
    request: HttpRequest,
    back: str,
    message: str = STALE_FORM,
    *,
    status: int = 400,
    op: Operation | None = None,
) -> HttpResponse:
    """A change that queued nothing (a stale, unconfirmed or reused form), and why.

    With htmx the reason replaces the form's target in place (a 200, see INVALID_PARTIAL);
    without JavaScript it is a page of its own, with the way back.
    """
    if is_partial(request):
        return refused_in_place(message)
    context = {"message": message, "back": back, "op": op}
    return render(request, "sharing/confirm.html", context, status=status)


def confirm_page(
    request: HttpRequest,
    *,
    title: str,
    message: str,
    action: str,
    button: str,
    back: str,
    danger: bool = True,
    invitees: object = None,
) -> HttpResponse:
    """The no-JavaScript confirmation of an action, with a fresh one-time key. Only a
    destructive action gets the red button."""
    context = {
        "title": title,
        "message": message,
        "action": action,
        "button": button,
        "back": back,
        "danger": danger,
        "key": new_key(),
        "invitees": invitees,
    }
    return render(request, "sharing/confirm.html", context)


# --- submitting a change ----------------------------------------------------------------------


def submit_from_form(
    request: HttpRequest,
    kind: str,
    target_type: str,
    target_id: object,
    params: dict[str, Any],
    back: str,
    *,
    refused_back: str | None = None,
) -> HttpResponse:
    """Queue a change whose form holds only its one-time key; a bad key queues nothing."""
    form = OperationForm(request.POST)
    if not form.is_valid():
        return refused(request, refused_back or back)
    return submit_change(
        request,
        kind=kind,
        target_type=target_type,
        target_id=target_id,
        params=params,
        key=form.cleaned_data["key"],
        back=back,
    )


def submit_change(
    request: HttpRequest,
    *,
    kind: str,
    target_type: str,
    target_id: object,
    params: dict[str, Any],
    key: str,
    back: str,
    content: object = None,
) -> HttpResponse:
    """Queue one change from a validated form and answer with the page to return to."""
    with transaction.atomic():
        op, created = operations.submit(
            kind,
            target_type,
            target_id,
            params,
            request.user,  # type: ignore[arg-type]
            key,
            content=content,
        )
    if created:
        return back_with(request, op, back)
    return resubmitted(request, op, back, kind, target_type, target_id, params, content)


def resubmitted(
    request: HttpRequest,
    op: Operation,
    back: str,
    kind: str,
    target_type: str,
    target_id: object,
    params: dict[str, Any],
    content: object = None,
) -> HttpResponse:
    """The answer to a form whose key made `op` already."""
    asked = params if content is None else content
    if not operations.same_request(op, kind, target_type, target_id, asked):
        return key_conflict(request, op, back)
    return back_with(request, op, back, note=ALREADY_SUBMITTED)


def back_with(request: HttpRequest, op: Operation, back: str, note: str = "") -> HttpResponse:
    if is_partial(request):
        response = render(
            request, "sharing/operation.html#operation-status", {"op": op, "note": note}
        )
        return reswap(retarget(response, ACTIVITY), "afterbegin")  # type: ignore[arg-type]
    if note:
        messages.info(request, note)
    return redirect(with_op(back, op))


def key_conflict(request: HttpRequest, op: Operation, back: str) -> HttpResponse:
    if is_partial(request):
        response = render(
            request, "sharing/operation.html#operation-status", {"op": op, "note": KEY_REUSED}
        )
        response.status_code = 409
        return reswap(retarget(response, ACTIVITY), "afterbegin")  # type: ignore[arg-type]
    return refused(request, back, KEY_REUSED, status=409, op=op)


def with_op(url: str, op: Operation) -> str:
    return f"{url}{'&' if '?' in url else '?'}op={op.pk}"


def shown_operations(request: HttpRequest) -> list[Operation]:
    """The change named by `?op=` (the one just submitted from this page), if it exists."""
    value = request.GET.get("op", "")
    if not value.isascii() or not value.isdigit() or len(value) > 12:
        return []
    return list(Operation.objects.filter(pk=int(value)))
