"""The audit trail: every dashboard change, every drift sync found, every system action.

Admins filter it by person, actor, source, date and free text, page through it, and export
exactly what the filters select as CSV. Changes read in words on the page and in the export
(library names, not ids; flags and filters as sentences): see `audit_tags`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, datetime, time
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.decorators import admin_required
from accounts.http import HtmxHttpRequest, is_partial
from accounts.models import User
from sharing.models import AuditEvent, Operation, PlexUser, Share
from sharing.templatetags.audit_tags import (
    action_label,
    changes_in_words,
    library_titles,
    target_label,
)

PAGE_SIZE = 50
CSV_COLUMNS = [
    "time (UTC)",
    "source",
    "actor",
    "action",
    "target type",
    "target",
    "field",
    "before",
    "after",
    "result",
    "action code",
]


class ActorChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        user: User = obj
        return user.plex_account.display_name if user.plex_account else user.get_username()


class AuditFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search")
    person = forms.ModelChoiceField(
        queryset=PlexUser.objects.order_by("title", "username"),
        required=False,
        empty_label="Anyone",
    )
    actor = ActorChoiceField(
        queryset=User.objects.filter(member__isnull=False).select_related("plex_account"),
        required=False,
        empty_label="Anyone, plex.tv or the system",
    )
    source = forms.ChoiceField(choices=[("", "Any source"), *AuditEvent.SOURCES], required=False)
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError("The start date is after the end date.")
        return data

    def events(self) -> QuerySet[AuditEvent]:
        events = AuditEvent.objects.select_related("actor__plex_account")
        if not self.is_valid():
            return events.none()
        data = self.cleaned_data
        if data["q"]:
            events = events.filter(
                Q(target_label__icontains=data["q"]) | Q(action__icontains=data["q"])
            )
        if data["person"] is not None:
            events = events.filter(_about_person(data["person"]))
        if data["actor"] is not None:
            events = events.filter(actor=data["actor"])
        if data["source"]:
            events = events.filter(source=data["source"])
        zone = timezone.get_current_timezone()
        if data["since"]:
            events = events.filter(created_at__gte=datetime.combine(data["since"], time.min, zone))
        if data["until"]:
            events = events.filter(created_at__lte=datetime.combine(data["until"], time.max, zone))
        return events


def _about_person(person: PlexUser) -> Q:
    share_ids = [str(pk) for pk in Share.objects.filter(user=person).values_list("pk", flat=True)]
    return Q(target_type=Operation.TARGET_USER, target_id=str(person.plex_id)) | Q(
        target_type=Operation.TARGET_SHARE, target_id__in=share_ids
    )


@never_cache
@require_GET
@admin_required
def audit_trail(request: HtmxHttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    events = (
        form.events() if request.GET else AuditEvent.objects.select_related("actor__plex_account")
    )
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    titles = library_titles()
    rows = [(event, changes_in_words(event.changes, titles)) for event in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form if request.GET else AuditFilterForm(),
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "filtered": bool(query),
        "invalid": bool(request.GET) and not form.is_valid(),
    }
    partial = is_partial(request)
    template = "sharing/audit.html#audit-results" if partial else "sharing/audit.html"
    return render(request, template, context)


def _csv_safe(value: object) -> str:
    """Text for a spreadsheet cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    if text[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + text
    return text


def _actor_name(event: AuditEvent) -> str:
    if event.actor is None:
        return "plex.tv" if event.source == AuditEvent.PLEXTV else "system"
    account = getattr(event.actor, "plex_account", None)
    return account.display_name if account else event.actor.get_username()


def csv_rows(events: QuerySet[AuditEvent]) -> Iterator[list[str]]:
    """One row per change (one for an event without changes), in the page's words."""
    yield CSV_COLUMNS
    titles = library_titles()
    for event in events.iterator(chunk_size=500):
        base = [
            event.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            event.get_source_display(),
            _actor_name(event),
            action_label(event.action),
            target_label(event.target_type),
            event.target_label or event.target_id,
        ]
        changes = [[c.label, c.before, c.after] for c in changes_in_words(event.changes, titles)]
        for change in changes or [["", "", ""]]:
            row = [*base, *change, event.result, event.action]
            yield [_csv_safe(cell) for cell in row]


class _Echo:
    def write(self, value: str) -> str:
        return value


@never_cache
@require_GET
@admin_required
def audit_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    form = AuditFilterForm(request.GET)
    if request.GET and not form.is_valid():
        return HttpResponse(
            "The filters are not valid: "
            + "; ".join(str(error) for error in form.errors.get("__all__", ["check them"])),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    events = (
        form.events() if request.GET else AuditEvent.objects.select_related("actor__plex_account")
    )
    writer = csv.writer(_Echo())
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    return StreamingHttpResponse(
        (writer.writerow(row) for row in csv_rows(events)),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="plexadmin-audit-{stamp}.csv"'},
    )
