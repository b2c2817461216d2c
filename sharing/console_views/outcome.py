"""What the admin sees after submitting a change: the page they were on, the change's live
status in place.

Without JavaScript a POST redirects back to that page with `?op=<id>`, which shows the
operation's status there; with htmx the status partial is swapped into the page's activity
region. A form whose one-time key was used before queues nothing: the answer shows the
operation that key made, and is a 409 when the content differs from what made it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_htmx.http import reswap, retarget

from sharing import operations
from sharing.console_views.access import wants_partial
from sharing.models import Operation

ACTIVITY = "#activity"
ALREADY_SUBMITTED = "This form was already submitted: nothing new was queued. The change it made:"
KEY_REUSED = (
    "This form was already used for a different change, so nothing was queued. "
    "Reload the page to get a fresh form, then try again."
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
    if wants_partial(request):
        response = render(
            request, "sharing/operation.html#operation-status", {"op": op, "note": note}
        )
        return reswap(retarget(response, ACTIVITY), "afterbegin")  # type: ignore[arg-type]
    if note:
        messages.info(request, note)
    return redirect(with_op(back, op))


def key_conflict(request: HttpRequest, op: Operation, back: str) -> HttpResponse:
    if wants_partial(request):
        response = render(
            request, "sharing/operation.html#operation-status", {"op": op, "note": KEY_REUSED}
        )
        response.status_code = 409
        return reswap(retarget(response, ACTIVITY), "afterbegin")  # type: ignore[arg-type]
    context = {"message": KEY_REUSED, "back": back, "op": op}
    return render(request, "sharing/confirm.html", context, status=409)


def with_op(url: str, op: Operation) -> str:
    return f"{url}{'&' if '?' in url else '?'}op={op.pk}"


def shown_operations(request: HttpRequest) -> list[Operation]:
    """The change named by `?op=` (the one just submitted from this page), if it exists."""
    value = request.GET.get("op", "")
    if not value.isascii() or not value.isdigit() or len(value) > 12:
        return []
    return list(Operation.objects.filter(pk=int(value)))
