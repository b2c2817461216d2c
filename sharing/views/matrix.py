"""Screens of the library matrix: the grid, a cell, a row, a bulk change with its preview and
progress, and the confirmation that stops a share when its last library is taken away.

Every action works without JavaScript (forms post, confirmations are pages, pages refresh
themselves while a change is being applied); htmx swaps cells, rows and the preview in place
and opens the confirmations as native dialogs.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect, HttpResponseStopPolling

from accounts.decorators import admin_required
from accounts.http import AuthenticatedHttpRequest, is_partial
from sharing import matrix
from sharing.forms import OperationForm, new_key
from sharing.models import Library, OperationBatch, PlexUser, Server, Share
from sharing.views.access import confirm_page, get_share, refused

ROWS_PER_PAGE = 100
# What a row shows of a share and its person: the rest of the two rows is never read.
PAGE_FIELDS = (
    "server_id",
    "shared_server_id",
    "pending",
    "all_libraries",
    "user__kind",
    "user__title",
    "user__username",
    "user__email",
    "user__plex_id",
)
KIND_FILTERS = {"friends": (PlexUser.FRIEND,), "home": (PlexUser.HOME, PlexUser.MANAGED)}
AUDIENCE_CHOICES = [
    ("friends", "all friends"),
    ("home", "all of Home"),
    ("everyone", "everyone"),
    ("selected", "the people ticked below"),
]
BUSY_NOTE = "Another change to this person is still being applied."
STALE_NOTE = "That form was out of date, so nothing was changed; try again."


def _server(server_id: int) -> Server:
    return get_object_or_404(Server, pk=server_id, owned=True, missing_since__isnull=True)


def _library(server: Server, library_id: object) -> Library:
    try:
        pk = int(str(library_id))
    except ValueError:
        raise Library.DoesNotExist from None
    return Library.objects.get(pk=pk, server=server, missing_since__isnull=True)


def _libraries(server: Server) -> list[Library]:
    return list(server.libraries.filter(missing_since__isnull=True).order_by("title"))


def _server_share(request: HttpRequest, server: Server, share_id: int) -> Share:
    share = get_share(request, share_id)
    if share.server_id != server.pk:
        raise Http404("That share is on another server.")
    return share


def _matrix_url(server: Server) -> str:
    return reverse("sharing:matrix-server", args=[server.pk])


@never_cache
@require_GET
@admin_required
def matrix_index(request: HttpRequest) -> HttpResponse:
    first = Server.objects.filter(owned=True, missing_since__isnull=True).order_by("name").first()
    if first is None:
        return render(request, "sharing/matrix.html", {"server": None, "servers": []})
    return redirect("sharing:matrix-server", server_id=first.pk)


def _matrix_context(request: HttpRequest, server: Server) -> dict[str, Any]:
    libraries = _libraries(server)
    shares = matrix.server_shares_query(server)
    kind = request.GET.get("kind", "")
    if kind in KIND_FILTERS:
        shares = shares.filter(user__kind__in=KIND_FILTERS[kind])
    query = request.GET.get("q", "").strip()[:100]
    if query:
        shares = shares.filter(matrix.search(query))
    busy = matrix.busy_shares()
    # Only the page's shares are read (and their libraries), whatever the household's size.
    page = Paginator(shares.prefetch_related(None).only(*PAGE_FIELDS), ROWS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    page_shares = list(page.object_list)
    for share in page_shares:
        share.server = server  # read once: a cell's dialog names it
    ids = matrix.shared_ids_of(page_shares)
    notes = matrix.failure_notes(page_shares)
    rows = [
        matrix.make_row(share, libraries, busy, notes.get(share.pk, ""), ids[share.pk])
        for share in page_shares
    ]
    counts = [sum(1 for row in rows if row.cells[i].shared) for i in range(len(libraries))]
    return {
        "server": server,
        "servers": Server.objects.filter(owned=True, missing_since__isnull=True).order_by("name"),
        "libraries": list(zip(libraries, counts, strict=True)),
        "rows": rows,
        "applying": any(row.busy for row in rows),
        "page": page,
        "kind": kind,
        "q": query,
        "key": new_key(),
        "audiences": AUDIENCE_CHOICES,
        "toggle_url": reverse("sharing:matrix-toggle", args=[server.pk]),
        "batches": OperationBatch.objects.filter(server=server)[:5],
        # Named by the row partial (the row and cell views set them): a name the context
        # lacks costs the template language a caught exception, on each of a hundred rows.
        "gone": None,
        "fresh_key": "",
    }


@never_cache
@require_GET
@admin_required
def server_matrix(request: HttpRequest, server_id: int) -> HttpResponse:
    server = _server(server_id)
    return render(request, "sharing/matrix.html", _matrix_context(request, server))


# --- one cell -------------------------------------------------------------------------------


def _cell_context(share: Share, library: Library, **extra: object) -> dict[str, object]:
    ids = matrix.shared_ids(share, list(share.server.libraries.all()))
    server = share.server
    return {
        "cell": matrix.make_cell(share, library, ids, matrix.busy_shares()),
        "server": server,
        "toggle_url": reverse("sharing:matrix-toggle", args=[server.pk]),
        # A swapped-in cell brings its own key: the page's key already served this cell.
        "fresh_key": new_key(),
        **extra,
    }


class ToggleForm(OperationForm):
    cell = forms.RegexField(regex=r"^\d{1,18}-\d{1,18}$")

    def ids(self) -> tuple[int, int]:
        share, library = self.cleaned_data["cell"].split("-")
        return int(share), int(library)


def _cell_of(server: Server, share: Share, library_id: object) -> Library | HttpResponse:
    """The library of a cell, or the 404 that says why the cell is not on this matrix."""
    try:
        library = _library(server, library_id)
    except Library.DoesNotExist:
        return HttpResponse("No such library on this server.", status=404)
    if share.server_id != server.pk:
        return HttpResponse("That share is on another server.", status=404)
    return library


@require_POST
@admin_required
def toggle_cell(request: AuthenticatedHttpRequest, server_id: int) -> HttpResponse:
    server = _server(server_id)
    form = ToggleForm(request.POST)
    if not form.is_valid():
        problem = "That change could not be read; reload the page and try again."
        if is_partial(request):
            return HttpResponse(problem, status=400)
        messages.error(request, problem)
        return redirect("sharing:matrix-server", server_id=server.pk)
    share_id, library_id = form.ids()
    share = get_share(request, share_id)
    found = _cell_of(server, share, library_id)
    if isinstance(found, HttpResponse):
        return found
    library = found
    # One page key serves every cell of the page; the cell makes it one key per change.
    key = f"{form.cleaned_data['key']}:{share.pk}:{library.pk}"
    try:
        op = matrix.toggle(share, library, request.user, key)
    except matrix.LastLibrary:
        # Nothing is queued: taking the last library away is stopping the share, confirmed.
        if is_partial(request):
            context = _cell_context(share, library, open_dialog=True)
            return render(request, "sharing/matrix.html#matrix-cell", context)
        return _stop_confirm_page(request, share, library)
    note = "" if op is not None else BUSY_NOTE
    if is_partial(request):
        context = _cell_context(share, library, note=note)
        return render(request, "sharing/matrix.html#matrix-cell", context)
    if note:
        messages.warning(request, note)
    else:
        messages.success(request, "Change queued: it is being sent to plex.tv.")
    return redirect("sharing:matrix-server", server_id=server.pk)


@never_cache
@require_GET
@admin_required
def cell(request: HttpRequest, server_id: int, share_id: int, library_id: int) -> HttpResponse:
    server = _server(server_id)
    share = get_share(request, share_id)
    found = _cell_of(server, share, library_id)
    if isinstance(found, HttpResponse):
        return found
    library = found
    context = _cell_context(share, library)
    finished = context["cell"].state != matrix.BUSY  # type: ignore[attr-defined]
    if finished:
        # The change is over: if it failed, the cell says why instead of quietly flipping back.
        context["note"] = matrix.failure_notes([share]).get(share.pk, "")
    response = render(request, "sharing/matrix.html#matrix-cell", context)
    if finished:
        # 286 tells htmx to stop polling; it still swaps this final state in.
        response.status_code = HttpResponseStopPolling.status_code
    return response


# --- one row, and stopping a share ----------------------------------------------------------


def _row_response(
    request: HttpRequest, server: Server, share_id: int, note: str = ""
) -> HttpResponse:
    """The row of a share as it is now: polling while a change to it runs, the outcome of
    its "stop sharing" once the share is gone."""
    libraries = _libraries(server)
    share = (
        Share.objects.filter(
            pk=share_id,
            server=server,
            shared_server_id__isnull=False,
            user__removed_locally_at__isnull=True,
        )
        .select_related("user", "server")
        .prefetch_related("libraries")
        .first()
    )
    context: dict[str, Any] = {
        "server": server,
        "toggle_url": reverse("sharing:matrix-toggle", args=[server.pk]),
    }
    if share is None:
        stopped = matrix.last_stop(share_id)
        if stopped is None:
            raise Http404("No such share")
        context |= {
            "gone": stopped,
            "gone_url": reverse("sharing:matrix-row", args=[server.pk, share_id]),
            "share_id": share_id,
            "columns": len(libraries),
        }
        finished = not stopped.pending
    else:
        note = note or matrix.failure_notes([share]).get(share.pk, "")
        row = matrix.make_row(share, libraries, matrix.busy_shares(), note)
        context |= {"row": row, "fresh_key": new_key()}
        finished = not row.busy
    response = render(request, "sharing/matrix.html#matrix-row", context)
    if finished:
        response.status_code = HttpResponseStopPolling.status_code
    return response


@never_cache
@require_GET
@admin_required
def row(request: HttpRequest, server_id: int, share_id: int) -> HttpResponse:
    return _row_response(request, _server(server_id), share_id)


def _stop_confirm_page(request: HttpRequest, share: Share, library: Library | None) -> HttpResponse:
    name, server = share.user.display_name, share.server
    if library is not None:
        message = (
            f"{library.title} is the only library {name} has on {server.name}: taking it away "
            f"stops sharing {server.name} with them, and it disappears from their Plex apps. "
            "Any other server you share with them stays shared."
        )
    else:
        message = (
            f"{server.name} disappears from {name}'s Plex apps. Any other server you share "
            "with them stays shared."
        )
    return confirm_page(
        request,
        title=f"Stop sharing {server.name} with {name}?",
        message=message,
        action=reverse("sharing:matrix-stop", args=[server.pk, share.pk]),
        button="Stop sharing",
        back=_matrix_url(server),
    )


@never_cache
@require_GET
@admin_required
def stop_confirm(request: HttpRequest, server_id: int, share_id: int) -> HttpResponse:
    server = _server(server_id)
    share = _server_share(request, server, share_id)
    try:
        library: Library | None = _library(server, request.GET.get("library", ""))
    except Library.DoesNotExist:
        library = None
    return _stop_confirm_page(request, share, library)


@require_POST
@admin_required
def stop_share(request: AuthenticatedHttpRequest, server_id: int, share_id: int) -> HttpResponse:
    server = _server(server_id)
    share = _server_share(request, server, share_id)
    form = OperationForm(request.POST)
    if not form.is_valid():
        if is_partial(request):
            return _row_response(request, server, share.pk, STALE_NOTE)
        return refused(request, _matrix_url(server))
    op = matrix.stop(share, request.user, form.cleaned_data["key"])
    if is_partial(request):
        return _row_response(request, server, share.pk, "" if op is not None else BUSY_NOTE)
    if op is None:
        messages.warning(request, BUSY_NOTE)
    else:
        messages.success(
            request,
            f"Stopping sharing {server.name} with {share.user.display_name}: "
            "it is being sent to plex.tv.",
        )
    return redirect("sharing:matrix-server", server_id=server.pk)


# --- bulk changes ---------------------------------------------------------------------------

LAST_CHOICES = [
    ("skip", "Skip them: leave their access as it is"),
    ("stop", "Stop sharing this server with them"),
]


class BulkForm(OperationForm):
    library = forms.IntegerField(min_value=1)
    action = forms.ChoiceField(choices=[("grant", "share"), ("revoke", "remove")])
    audience = forms.ChoiceField(choices=AUDIENCE_CHOICES)
    selected = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=[])
    # Only the preview asks; anything but an explicit "stop" skips them.
    last = forms.ChoiceField(choices=LAST_CHOICES, required=False)

    def __init__(self, *args: object, shares: list[Share], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.shares = shares
        field = self.fields["selected"]
        assert isinstance(field, forms.TypedMultipleChoiceField)  # noqa: S101 (narrowing)
        field.choices = [(share.pk, str(share.pk)) for share in shares]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("audience") == "selected" and not data.get("selected"):
            raise forms.ValidationError("Tick the people to change first.")
        return data

    def targets(self) -> list[Share]:
        audience = self.cleaned_data["audience"]
        if audience == "selected":
            chosen = set(self.cleaned_data["selected"])
            return [share for share in self.shares if share.pk in chosen]
        kinds = matrix.AUDIENCES[audience]
        return [share for share in self.shares if share.user.kind in kinds]


def _bulk_form(request: HttpRequest, server: Server) -> tuple[BulkForm, Library | None, str]:
    """The submitted bulk form, its library, and what is wrong with it ("" when nothing)."""
    form = BulkForm(request.POST, shares=matrix.server_shares(server))
    if not form.is_valid():
        problems = [str(error) for errors in form.errors.values() for error in errors]
        return form, None, "Nothing was changed: " + " ".join(problems)
    try:
        return form, _library(server, form.cleaned_data["library"]), ""
    except Library.DoesNotExist:
        return form, None, "Nothing was changed: that library is not on this server."


@require_POST
@admin_required
def bulk(request: HttpRequest, server_id: int) -> HttpResponse:
    """The preview of a bulk change: who it changes, who has it already, and who would lose
    their last library here (skipped unless the admin chooses to stop sharing with them)."""
    server = _server(server_id)
    form, library, problem = _bulk_form(request, server)
    if library is None:
        if is_partial(request):
            return render(request, "sharing/matrix.html#bulk-preview", {"problem": problem})
        messages.error(request, problem)
        return redirect("sharing:matrix-server", server_id=server.pk)
    plan = matrix.plan_bulk(form.targets(), library, form.cleaned_data["action"] == "grant")
    preview = {
        "plan": plan,
        "who": dict(AUDIENCE_CHOICES)[form.cleaned_data["audience"]],
        "data": form.cleaned_data,
        "apply_url": reverse("sharing:matrix-bulk-apply", args=[server.pk]),
        "server": server,
    }
    if is_partial(request):
        return render(request, "sharing/matrix.html#bulk-preview", {"preview": preview})
    context = _matrix_context(request, server) | {"preview": preview}
    return render(request, "sharing/matrix.html", context)


@require_POST
@admin_required
def bulk_apply(request: AuthenticatedHttpRequest, server_id: int) -> HttpResponse:
    server = _server(server_id)
    form, library, problem = _bulk_form(request, server)
    if library is None:
        messages.error(request, problem)
        if is_partial(request):
            return HttpResponseClientRedirect(_matrix_url(server))
        return redirect("sharing:matrix-server", server_id=server.pk)
    stop_last = form.cleaned_data.get("last") == "stop"
    batch, plan = matrix.start_bulk(
        form.targets(),
        library,
        form.cleaned_data["action"] == "grant",
        request.user,
        form.cleaned_data["key"],
        stop_last=stop_last,
    )
    notes = []
    if plan.already:
        notes.append(f"{plan.already} already had it that way")
    if plan.busy:
        notes.append(f"{plan.busy} skipped while another change to them runs")
    if plan.last and not stop_last:
        notes.append(
            f"{matrix.people(len(plan.last))} skipped: {library.title} is their last library "
            f"on {server.name}, so their access is unchanged"
        )
    if notes:
        messages.info(request, "; ".join(notes) + ".")
    url = reverse("sharing:matrix-batch", args=[batch.pk])
    if is_partial(request):
        return HttpResponseClientRedirect(url)
    return redirect(url)


@never_cache
@require_GET
@admin_required
def batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = get_object_or_404(OperationBatch.objects.select_related("server"), pk=batch_id)
    progress = matrix.progress(batch)
    server = batch.server
    back = (
        _matrix_url(server)
        if server is not None and server.owned and server.missing_since is None
        else reverse("sharing:matrix")
    )
    context = {"batch": batch, "progress": progress, "back": back}
    if is_partial(request):
        response = render(request, "sharing/batch.html#batch-progress", context)
        if progress.finished:
            response.status_code = HttpResponseStopPolling.status_code
        return response
    return render(request, "sharing/batch.html", context)
