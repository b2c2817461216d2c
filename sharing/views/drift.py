"""Drift: where plex.tv's value differs from what the dashboard last asked for.

Each drifted field offers two ways out: keep plex.tv's value (it becomes the desired one,
nothing is sent) or re-apply ours (an edit-share Operation that writes the desired value back,
read-modify-write, so nothing else on the share changes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import admin_required
from accounts.http import AuthenticatedHttpRequest, is_partial
from sharing import operations
from sharing.forms import OperationForm, new_key
from sharing.models import AuditEvent, Library, Operation, Share
from sharing.operations.shares import EDIT_SHARE
from sharing.share_state import FILTER_FIELDS, FLAG_FIELDS
from sharing.views.access import get_share

FIELD_LABELS = {
    "libraries": "Libraries",
    "all_libraries": "All libraries",
    "allow_sync": "Downloads",
    "allow_camera_upload": "Camera upload",
    "allow_channels": "Channels",
    "allow_subtitle_admin": "Subtitle admin",
    "allow_tuners": "Live TV tuners",
    "filter_movies": "Movie filter",
    "filter_television": "TV filter",
    "filter_music": "Music filter",
    "filter_photos": "Photo filter",
    "filter_all": "Filter for all",
}
# Fields an edit-share operation can write back; the others can only be adopted.
REAPPLIABLE = frozenset({"libraries", *FLAG_FIELDS, *FILTER_FIELDS})


@dataclass(frozen=True)
class DriftedField:
    field: str
    label: str
    ours: str
    theirs: str
    reappliable: bool
    key: str


@dataclass(frozen=True)
class DriftedShare:
    share: Share
    fields: list[DriftedField]
    key: str

    @property
    def reappliable(self) -> list[DriftedField]:
        return [field for field in self.fields if field.reappliable]


def _shown(field: str, value: Any, titles: dict[int, str]) -> str:
    if field == "libraries":
        names = sorted(titles.get(gid, f"library {gid}") for gid in value or [])
        return ", ".join(names) if names else "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or value == "":
        return "none"
    return str(value)


def drifted_shares(shares: list[Share]) -> list[DriftedShare]:
    titles = dict(Library.objects.values_list("global_id", "title"))
    busy = Operation.pending_targets()
    result = []
    for share in shares:
        if not share.desired or (Operation.TARGET_SHARE, str(share.pk)) in busy:
            continue
        fields = [
            DriftedField(
                field=drift.field,
                label=FIELD_LABELS.get(drift.field, drift.field),
                ours=_shown(drift.field, drift.desired, titles),
                theirs=_shown(drift.field, drift.observed, titles),
                reappliable=drift.field in REAPPLIABLE,
                key=new_key(),
            )
            for drift in share.drift([library.global_id for library in share.libraries.all()])
        ]
        if fields:
            result.append(DriftedShare(share=share, fields=fields, key=new_key()))
    return result


def _candidates() -> list[Share]:
    return list(
        Share.objects.filter(
            desired__isnull=False,
            server__owned=True,
            user__removed_locally_at__isnull=True,
            shared_server_id__isnull=False,
        )
        .select_related("user", "server")
        .prefetch_related("libraries")
        .order_by("user__title", "server__name")
    )


@never_cache
@require_GET
@admin_required
def drift_list(request: HttpRequest) -> HttpResponse:
    return render(request, "sharing/drift.html", {"drifted": drifted_shares(_candidates())})


class DriftForm(OperationForm):
    field = forms.MultipleChoiceField(choices=[(name, name) for name in Share.STATE_FIELDS])


def _done(request: HttpRequest, share: Share, message: str, level: int) -> HttpResponse:
    if is_partial(request):
        context: dict[str, object] = {
            "entry": next(iter(drifted_shares([_reload(share)])), None),
            "share": share,
            "message": message,
        }
        return render(request, "sharing/drift.html#drift-entry", context)
    messages.add_message(request, level, message)
    return redirect("sharing:drift")


def _reload(share: Share) -> Share:
    return (
        Share.objects.select_related("user", "server")
        .prefetch_related("libraries")
        .get(pk=share.pk)
    )


@require_POST
@admin_required
def adopt(request: AuthenticatedHttpRequest, share_id: int) -> HttpResponse:
    """Keep plex.tv's value: the observed value becomes the desired one. Nothing is sent."""
    share = get_share(request, share_id)
    form = DriftForm(request.POST)
    if not form.is_valid():
        return _done(request, share, "Choose at least one field, then try again.", messages.ERROR)
    with transaction.atomic():
        share = Share.objects.select_for_update().get(pk=share.pk)
        if not share.desired:
            return _done(request, share, "Nothing to adopt here any more.", messages.INFO)
        drifted = {drift.field: drift for drift in share.drift()}
        changes = []
        desired = dict(share.desired)
        for name in form.cleaned_data["field"]:
            if name in drifted:
                changes.append(
                    {"field": name, "before": desired[name], "after": drifted[name].observed}
                )
                desired[name] = drifted[name].observed
        if not changes:
            return _done(request, share, "plex.tv and the dashboard agree already.", messages.INFO)
        share.desired = desired
        share.updated_at = timezone.now()
        share.save(update_fields=["desired", "updated_at"])
        AuditEvent.objects.create(
            actor=request.user,
            source=AuditEvent.DASHBOARD,
            target_type=Operation.TARGET_SHARE,
            target_id=str(share.pk),
            target_label=f"{share.user.display_name} on {share.server.name}",
            action="drift.adopt",
            changes=changes,
        )
    return _done(request, share, "Kept plex.tv's value.", messages.SUCCESS)


@require_POST
@admin_required
def reapply(request: AuthenticatedHttpRequest, share_id: int) -> HttpResponse:
    """Re-apply ours: an edit-share operation that writes the desired values back."""
    share = get_share(request, share_id)
    form = DriftForm(request.POST)
    if not form.is_valid():
        return _done(request, share, "This form is out of date; reload the page.", messages.ERROR)
    drifted = {drift.field: drift for drift in share.drift()}
    changes: dict[str, Any] = {}
    before: dict[str, Any] = {}
    for name in form.cleaned_data["field"]:
        if name not in REAPPLIABLE or name not in drifted:
            continue
        # Whole values, filters included: "ours" is every clause of the filter we asked for.
        changes[name] = drifted[name].desired
        before[name] = drifted[name].observed
    if not changes:
        return _done(request, share, "Nothing here can be re-applied.", messages.INFO)
    label = f"{share.user.display_name} on {share.server.name}"
    with transaction.atomic():
        operations.submit(
            EDIT_SHARE,
            Operation.TARGET_SHARE,
            share.pk,
            {"label": label, "changes": changes, "before": before, "reason": "drift.reapply"},
            request.user,
            form.cleaned_data["key"],
        )
    return _done(request, share, "Re-applying the dashboard's values on plex.tv.", messages.SUCCESS)
