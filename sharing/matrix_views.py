"""Screens of the library matrix: the grid, a cell, a bulk change and its progress."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect, HttpResponseStopPolling

from accounts.decorators import admin_required
from sharing import matrix
from sharing.console_views.access import get_share, wants_partial
from sharing.forms import OperationForm, new_key
from sharing.models import Library, OperationBatch, PlexUser, Server, Share

ROWS_PER_PAGE = 100
KIND_FILTERS = {"friends": (PlexUser.FRIEND,), "home": (PlexUser.HOME, PlexUser.MANAGED)}


def _server(server_id: int) -> Server:
    return get_object_or_404(Server, pk=server_id, owned=True, missing_since__isnull=True)


def _library(server: Server, library_id: object) -> Library:
    try:
        pk = int(str(library_id))
    except ValueError:
        raise Library.DoesNotExist from None
    return Library.objects.get(pk=pk, server=server, missing_since__isnull=True)


@never_cache
@require_GET
@admin_required
def matrix_index(request: HttpRequest) -> HttpResponse:
    first = Server.objects.filter(owned=True, missing_since__isnull=True).order_by("name").first()
    if first is None:
        return render(request, "sharing/matrix.html", {"server": None, "servers": []})
    return redirect("matrix:server", server_id=first.pk)


def _cell_context(share: Share, library: Library) -> dict[str, object]:
    ids = matrix.shared_ids(share, list(share.server.libraries.all()))
    state = matrix.cell_state(share, library, ids, matrix.busy_shares())
    server = share.server
    return {
        "cell": matrix.Cell(share, library, state),
        "server": server,
        "toggle_url": reverse("matrix:toggle", args=[server.pk]),
        # A swapped-in cell brings its own key: the page's key already served this cell.
        "fresh_key": new_key(),
    }


@never_cache
@require_GET
@admin_required
def server_matrix(request: HttpRequest, server_id: int) -> HttpResponse:
    server = _server(server_id)
    libraries = list(server.libraries.filter(missing_since__isnull=True).order_by("title"))
    shares = matrix.server_shares(server)
    kind = request.GET.get("kind", "")
    if kind in KIND_FILTERS:
        shares = [share for share in shares if share.user.kind in KIND_FILTERS[kind]]
    query = request.GET.get("q", "").strip()[:100]
    if query:
        needle = query.casefold()
        shares = [
            s
            for s in shares
            if needle in s.user.display_name.casefold() or needle in s.user.email.casefold()
        ]
    busy = matrix.busy_shares()
    page = Paginator(shares, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    rows = []
    grid: list[list[matrix.Cell]] = []
    for share in page.object_list:
        ids = matrix.shared_ids(share, libraries)
        cells = [
            matrix.Cell(share, library, matrix.cell_state(share, library, ids, busy))
            for library in libraries
        ]
        grid.append(cells)
        rows.append({"share": share, "cells": cells})
    counts = {
        library.pk: sum(1 for cells in grid if cells[i].shared)
        for i, library in enumerate(libraries)
    }
    context = {
        "server": server,
        "servers": Server.objects.filter(owned=True, missing_since__isnull=True).order_by("name"),
        "libraries": [(library, counts[library.pk]) for library in libraries],
        "rows": rows,
        "page": page,
        "kind": kind,
        "q": query,
        "key": new_key(),
        "toggle_url": reverse("matrix:toggle", args=[server.pk]),
        "batches": OperationBatch.objects.order_by("-created_at")[:5],
    }
    return render(request, "sharing/matrix.html", context)


class ToggleForm(OperationForm):
    cell = forms.RegexField(regex=r"^\d{1,18}-\d{1,18}$")

    def ids(self) -> tuple[int, int]:
        share, library = self.cleaned_data["cell"].split("-")
        return int(share), int(library)


@require_POST
@admin_required
def toggle_cell(request: HttpRequest, server_id: int) -> HttpResponse:
    server = _server(server_id)
    form = ToggleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That change could not be read; reload the page and try again.")
        return redirect("matrix:server", server_id=server.pk)
    share_id, library_id = form.ids()
    share = get_share(request, share_id)
    try:
        library = _library(server, library_id)
    except Library.DoesNotExist:
        return HttpResponse("No such library on this server.", status=404)
    if share.server_id != server.pk:
        return HttpResponse("That share is on another server.", status=404)
    # One page key serves every cell of the page; the cell makes it one key per change.
    key = f"{form.cleaned_data['key']}:{share.pk}:{library.pk}"
    op = matrix.toggle(share, library, request.user, key)  # type: ignore[arg-type]
    note = "" if op is not None else "Another change to this person is still being applied."
    if wants_partial(request):
        context = _cell_context(share, library)
        context["note"] = note
        return render(request, "sharing/matrix.html#matrix-cell", context)
    if note:
        messages.warning(request, note)
    else:
        messages.success(request, "Change queued: it is being sent to plex.tv.")
    return redirect("matrix:server", server_id=server.pk)


@never_cache
@require_GET
@admin_required
def cell(request: HttpRequest, server_id: int, share_id: int, library_id: int) -> HttpResponse:
    server = _server(server_id)
    share = get_share(request, share_id)
    try:
        library = _library(server, library_id)
    except Library.DoesNotExist:
        return HttpResponse("No such library on this server.", status=404)
    if share.server_id != server.pk:
        return HttpResponse("That share is on another server.", status=404)
    context = _cell_context(share, library)
    response = render(request, "sharing/matrix.html#matrix-cell", context)
    if context["cell"].state != matrix.BUSY:  # type: ignore[attr-defined]
        # 286 tells htmx to stop polling; it still swaps this final state in.
        response.status_code = HttpResponseStopPolling.status_code
    return response


class BulkForm(OperationForm):
    library = forms.IntegerField(min_value=1)
    action = forms.ChoiceField(choices=[("grant", "share"), ("revoke", "remove")])
    audience = forms.ChoiceField(choices=[(name, name) for name in [*matrix.AUDIENCES, "selected"]])
    selected = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=[])

    def __init__(self, *args: object, shares: list[Share], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["selected"]
        assert isinstance(field, forms.TypedMultipleChoiceField)  # noqa: S101 (narrowing)
        field.choices = [(share.pk, str(share.pk)) for share in shares]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("audience") == "selected" and not data.get("selected"):
            raise forms.ValidationError("Tick the people to change first.")
        return data


@require_POST
@admin_required
def bulk(request: HttpRequest, server_id: int) -> HttpResponse:
    server = _server(server_id)
    shares = matrix.server_shares(server)
    form = BulkForm(request.POST, shares=shares)
    if not form.is_valid():
        problems = [str(error) for errors in form.errors.values() for error in errors]
        messages.error(request, "Nothing was changed: " + " ".join(problems))
        return redirect("matrix:server", server_id=server.pk)
    try:
        library = _library(server, form.cleaned_data["library"])
    except Library.DoesNotExist:
        messages.error(request, "Nothing was changed: that library is not on this server.")
        return redirect("matrix:server", server_id=server.pk)
    audience = form.cleaned_data["audience"]
    if audience == "selected":
        chosen = set(form.cleaned_data["selected"])
        targets = [share for share in shares if share.pk in chosen]
    else:
        kinds = matrix.AUDIENCES[audience]
        targets = [share for share in shares if share.user.kind in kinds]
    grant = form.cleaned_data["action"] == "grant"
    batch, plan = matrix.start_bulk(
        targets,
        library,
        grant,
        request.user,  # type: ignore[arg-type]
        form.cleaned_data["key"],
    )
    if plan.already or plan.busy:
        messages.info(
            request,
            f"{plan.already} already had it that way"
            + (f"; {plan.busy} skipped while another change to them runs" if plan.busy else "")
            + ".",
        )
    if wants_partial(request):
        return HttpResponseClientRedirect(f"/matrix/batches/{batch.pk}/")
    return redirect("matrix:batch", batch_id=batch.pk)


@never_cache
@require_GET
@admin_required
def batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = get_object_or_404(OperationBatch, pk=batch_id)
    progress = matrix.progress(batch)
    context = {"batch": batch, "progress": progress}
    if wants_partial(request):
        response = render(request, "sharing/batch.html#batch-progress", context)
        if progress.finished:
            response.status_code = HttpResponseStopPolling.status_code
        return response
    return render(request, "sharing/batch.html", context)
