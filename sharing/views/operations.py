"""An operation's live state (polled by htmx until it finishes) and "Retry"."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from accounts.decorators import admin_required
from accounts.http import is_partial
from sharing import operations
from sharing.views.access import get_operation, with_op

# Named event sent when a polled operation finishes, so the regions it changed reload.
FINISHED_EVENT = "operationFinished"


@never_cache
@admin_required
@require_GET
def operation_status(request: HttpRequest, op_id: int) -> HttpResponse:
    op = get_operation(request, op_id)
    if is_partial(request):
        response = render(request, "sharing/operation.html#operation-status", {"op": op})
        if not op.pending:
            trigger_client_event(response, FINISHED_EVENT, {"operation": op.pk})
        return response
    return render(request, "sharing/operation.html", {"op": op})


@admin_required
@require_POST
def operation_retry(request: HttpRequest, op_id: int) -> HttpResponse:
    op = get_operation(request, op_id)
    if operations.restart(op):
        op.refresh_from_db()
        operations.enqueue(op)
    elif not is_partial(request):
        messages.warning(
            request,
            "Only a failed change can be retried."
            if op.retryable
            else "plex.tv refused this change for what it is: sending it again would not help.",
        )
    if is_partial(request):
        return render(request, "sharing/operation.html#operation-status", {"op": op})
    # Back to the page the Retry button was on, where the status shows in place.
    back = request.POST.get("back", "")
    if back.startswith("/") and url_has_allowed_host_and_scheme(
        back, allowed_hosts=None, require_https=False
    ):
        return redirect(with_op(back.split("?op=")[0].split("&op=")[0], op))
    return redirect("sharing:operation", op_id=op.pk)
