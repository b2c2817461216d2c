"""Forms of the activity screens: filters (GET) and the one-time key of every action (POST)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms

from sharing.models import Server

MONTH_RE = re.compile(r"(\d{4})-(\d{2})")
RATING_KEY_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


class ActionForm(forms.Form):
    """Every action form carries a one-time key, so a resent POST does not act twice."""

    key = forms.CharField(max_length=64, min_length=16)

    def clean_key(self) -> str:
        key: str = self.cleaned_data["key"]
        if not re.fullmatch(r"[0-9a-f]{16,64}", key):
            raise forms.ValidationError("This form is out of date; reload the page.")
        return key


class RatingKeyField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=64, **kwargs)

    def clean(self, value: Any) -> str:
        text: str = super().clean(value)
        if not RATING_KEY_RE.fullmatch(text):
            raise forms.ValidationError("That is not a title plex.tv knows.")
        return text


class RemoveForm(ActionForm):
    rating_key = RatingKeyField()


class RemoveDownloadForm(ActionForm):
    client_id = forms.CharField(max_length=200)
    item_id = forms.IntegerField(min_value=1, max_value=2**62)


class LinkDeviceForm(ActionForm):
    code = forms.CharField(max_length=20, label="Code", strip=True)

    def clean_code(self) -> str:
        from activity.devices import LinkRefused, normalize_code

        try:
            return normalize_code(self.cleaned_data["code"])
        except LinkRefused as refused:
            raise forms.ValidationError(refused.message) from None


class AddForm(ActionForm):
    search = forms.IntegerField(min_value=1, max_value=2**62)
    rating_key = RatingKeyField()


def _owned_servers() -> Any:
    return Server.objects.filter(owned=True).order_by("name")


class PlaysFilterForm(forms.Form):
    since = forms.DateField(required=False, label="From", widget=forms.DateInput({"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput({"type": "date"}))
    server = forms.ModelChoiceField(
        queryset=Server.objects.none(), required=False, empty_label="All servers"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["server"].queryset = _owned_servers()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError("The “from” date is after the “to” date.")
        for name in ("since", "until"):
            value = data.get(name)
            if value is not None and not date(1990, 1, 1) <= value <= date(2200, 1, 1):
                self.add_error(name, "Choose a date between 1990 and 2200.")
        return data


INACTIVE_CHOICES = [("", "Anyone"), ("30", "No activity for 30+ days"), ("90", "90+ days")]
PEOPLE_SORTS = [
    ("quiet", "Least recently active"),
    ("active", "Most recently active"),
    ("name", "Name A to Z"),
]


class HouseholdForm(forms.Form):
    month = forms.CharField(required=False, max_length=7)
    inactive = forms.ChoiceField(choices=INACTIVE_CHOICES, required=False)
    sort = forms.ChoiceField(choices=PEOPLE_SORTS, required=False)

    def clean_month(self) -> date | None:
        text = self.cleaned_data.get("month") or ""
        if not text:
            return None
        match = MONTH_RE.fullmatch(text)
        if not match or not 1 <= int(match[2]) <= 12 or not 1990 <= int(match[1]) <= 2200:
            raise forms.ValidationError("Choose a month as YYYY-MM, for example 2026-11.")
        return date(int(match[1]), int(match[2]), 1)


WATCHLIST_TYPES = [("", "Movies and shows"), ("movie", "Movies"), ("show", "Shows")]
WATCHLIST_SORTS = [
    ("added", "Recently added"),
    ("title", "Title A to Z"),
    ("released", "Newest releases"),
    ("rating", "Highest rated"),
]


class WatchlistFilterForm(forms.Form):
    type = forms.ChoiceField(choices=WATCHLIST_TYPES, required=False)
    sort = forms.ChoiceField(choices=WATCHLIST_SORTS, required=False)


class DiscoverForm(forms.Form):
    q = forms.CharField(max_length=100, required=True, label="Search", strip=True)
    type = forms.ChoiceField(choices=WATCHLIST_TYPES, required=False)

    def clean_q(self) -> str:
        text: str = self.cleaned_data["q"]
        if CONTROL_RE.search(text):
            raise forms.ValidationError("The search contains characters that cannot be searched.")
        if len(text.strip()) < 2:
            raise forms.ValidationError("Type at least 2 characters.")
        return text
