"""Forms of the sharing console. Each declares exactly the fields it accepts; nothing else in
a POST reaches a model or plex.tv."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time
from typing import Any

from django import forms
from django.utils import timezone

from sharing.models import Library, Share
from sharing.operations.shares import FILTER_FIELDS, FLAG_FIELDS, filter_parts

MOVIE_RATINGS = ("G", "PG", "PG-13", "R", "NC-17", "NR")
TV_RATINGS = ("TV-Y", "TV-Y7", "TV-G", "TV-PG", "TV-14", "TV-MA")
TUNER_CHOICES = [("0", "No Live TV"), ("1", "Live TV"), ("2", "Live TV and DVR")]
FILTER_TITLES = {
    "filter_movies": "Movies",
    "filter_television": "TV shows",
    "filter_music": "Music",
}
LABEL_RE = re.compile(r"^[^,\x00-\x1f]{1,100}$")


def new_key() -> str:
    return uuid.uuid4().hex


def split_labels(text: str) -> list[str]:
    """Labels typed one per line or separated by commas (plex.tv has no way to escape one)."""
    parts = [part.strip() for part in re.split(r"[,\n]", text)]
    labels = [part for part in parts if part]
    for label in labels:
        if not LABEL_RE.match(label):
            raise forms.ValidationError(f"“{label[:40]}” is not a label plex.tv can store.")
    return list(dict.fromkeys(labels))


class OperationForm(forms.Form):
    """Every action form carries a one-time key so a resent POST does not act twice."""

    key = forms.CharField(widget=forms.HiddenInput, max_length=64, min_length=16)

    def clean_key(self) -> str:
        key: str = self.cleaned_data["key"]
        if not re.fullmatch(r"[0-9a-f]{16,64}", key):
            raise forms.ValidationError("This form is out of date; reload the page.")
        return key


class ShareEditForm(OperationForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    libraries = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple, label="Libraries"
    )
    allow_sync = forms.BooleanField(required=False, label="Allow downloads")
    allow_camera_upload = forms.BooleanField(required=False, label="Camera upload")
    allow_channels = forms.BooleanField(required=False, label="Channels")
    allow_tuners = forms.TypedChoiceField(choices=TUNER_CHOICES, coerce=int, label="Live TV tuners")
    expires_at = forms.DateField(
        required=False, label="Access ends on", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, share: Share, libraries: list[Library], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.share = share
        self.fields["libraries"].choices = [(lib.global_id, lib.title) for lib in libraries]
        for name in FILTER_FIELDS:
            known = MOVIE_RATINGS if name != "filter_television" else TV_RATINGS
            held = filter_parts(getattr(share, name))["content_ratings"]
            choices = [(r, r) for r in dict.fromkeys([*known, *held])]
            title = FILTER_TITLES[name]
            self.fields[f"{name}__content_ratings"] = forms.MultipleChoiceField(
                choices=choices,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                label=f"{title}: only these ratings",
            )
            self.fields[f"{name}__labels"] = forms.CharField(
                required=False, max_length=1000, label=f"{title}: only with labels"
            )
            self.fields[f"{name}__excluded_labels"] = forms.CharField(
                required=False, max_length=1000, label=f"{title}: hide labels"
            )

    @classmethod
    def initial_for(cls, share: Share, library_ids: list[int]) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "key": new_key(),
            "version": share.version,
            "libraries": library_ids,
            "allow_sync": share.allow_sync,
            "allow_camera_upload": share.allow_camera_upload,
            "allow_channels": share.allow_channels,
            "allow_tuners": str(share.allow_tuners),
            "expires_at": timezone.localtime(share.expires_at).date() if share.expires_at else None,
        }
        for name in FILTER_FIELDS:
            parts = filter_parts(getattr(share, name))
            initial[f"{name}__content_ratings"] = parts["content_ratings"]
            initial[f"{name}__labels"] = ", ".join(parts["labels"])
            initial[f"{name}__excluded_labels"] = ", ".join(parts["excluded_labels"])
        return initial

    def filter_groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (
                FILTER_TITLES[name],
                [
                    self[f"{name}__{part}"]
                    for part in ("content_ratings", "labels", "excluded_labels")
                ],
            )
            for name in FILTER_FIELDS
        ]

    def clean_libraries(self) -> list[int]:
        chosen: list[int] = self.cleaned_data["libraries"]
        if not chosen:
            raise forms.ValidationError("Pick at least one library, or stop sharing this server.")
        return sorted(chosen)

    def clean_expires_at(self) -> Any:
        value = self.cleaned_data.get("expires_at")
        if value is not None and value <= timezone.localdate():
            raise forms.ValidationError("The end of access must be a day after today.")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name in FILTER_FIELDS:
            for part in ("labels", "excluded_labels"):
                field = f"{name}__{part}"
                if field in data:
                    try:
                        data[field] = split_labels(data[field])
                    except forms.ValidationError as exc:
                        self.add_error(field, exc)
        if self.share.user.restriction_profile and self._sets_filters(data):
            raise forms.ValidationError(
                "plex.tv does not allow rating or label filters for a managed user with a "
                "restriction profile: the profile already decides what they see. Clear the "
                "filters, or remove the profile first."
            )
        return data

    def _sets_filters(self, data: dict[str, Any]) -> bool:
        return any(
            data.get(f"{name}__{part}")
            for name in FILTER_FIELDS
            for part in ("content_ratings", "labels", "excluded_labels")
        )

    def submitted_state(self) -> dict[str, Any]:
        data = self.cleaned_data
        state: dict[str, Any] = {name: data[name] for name in FLAG_FIELDS}
        state["libraries"] = data["libraries"]
        for name in FILTER_FIELDS:
            state[name] = {
                part: list(data.get(f"{name}__{part}") or [])
                for part in ("content_ratings", "labels", "excluded_labels")
            }
        expires = data.get("expires_at")
        state["expires_at"] = _end_of_day(expires) if expires else None
        return state


def shown_state(share: Share, library_ids: list[int]) -> dict[str, Any]:
    """The values the edit form shows for `share`, in the shape `submitted_state` returns."""
    state: dict[str, Any] = {name: getattr(share, name) for name in FLAG_FIELDS}
    state["libraries"] = sorted(library_ids)
    for name in FILTER_FIELDS:
        state[name] = filter_parts(getattr(share, name))
    state["expires_at"] = (
        _end_of_day(timezone.localtime(share.expires_at).date()) if share.expires_at else None
    )
    return state


def _end_of_day(day: date) -> str:
    return timezone.make_aware(datetime.combine(day, time(23, 59))).isoformat()
