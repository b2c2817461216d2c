"""Forms of the lifecycle screens; each declares exactly the fields it accepts."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils import timezone

from lifecycle.renewal import EXTENSIONS, FOREVER, Renewal
from sharing.forms import OperationForm
from sharing.models import Share

SHOW_CHOICES = [
    ("inactive", "Inactive"),
    ("expiring", "Access ending within 30 days"),
    ("all", "Everyone"),
]
EXTEND_CHOICES = [
    ("30", "+30 days"),
    ("90", "+90 days"),
    ("date", "Until a date"),
    (FOREVER, "Forever"),
]


def _after_today(value: date | None, what: str) -> date | None:
    if value is not None and value <= timezone.localdate():
        raise forms.ValidationError(f"{what} must be a day after today.")
    return value


class ListForm(forms.Form):
    """The lifecycle page's filter (GET): bad values fall back to the defaults."""

    show = forms.ChoiceField(choices=SHOW_CHOICES, required=False)
    days = forms.IntegerField(
        min_value=1, max_value=3650, required=False, label="Inactive for more than"
    )

    def values(self) -> tuple[str, int]:
        default = int(settings.LIFECYCLE_INACTIVE_DAYS)
        if not self.is_valid():
            return "inactive", default
        return self.cleaned_data.get("show") or "inactive", self.cleaned_data.get("days") or default


class RenewForm(OperationForm):
    """One click: the pressed button names the extension; "until a date" reads the date."""

    extend = forms.ChoiceField(choices=EXTEND_CHOICES, label="Renew")
    until = forms.DateField(
        required=False, label="Until", widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_until(self) -> date | None:
        return _after_today(self.cleaned_data.get("until"), "The new end")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("extend") == "date" and not data.get("until") and "until" not in self.errors:
            self.add_error("until", "Pick the day access should last until.")
        return data

    def renewal(self) -> Renewal:
        choice = self.cleaned_data["extend"]
        if choice == FOREVER:
            return Renewal(forever=True)
        if choice == "date":
            return Renewal(until=self.cleaned_data["until"])
        return Renewal(days=EXTENSIONS[choice])


class SharesField(forms.TypedMultipleChoiceField):
    def __init__(self, **kw: Any) -> None:
        super().__init__(coerce=int, required=True, widget=forms.CheckboxSelectMultiple, **kw)
        self.error_messages["required"] = "Tick at least one person first."
        self.error_messages["invalid_choice"] = (
            "Someone ticked is no longer shared with; reload the page."
        )


class BatchRenewForm(RenewForm):
    shares = SharesField(label="People")

    def __init__(self, *args: Any, shares: list[Share], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.share_rows = {share.pk: share for share in shares}
        cast(forms.ChoiceField, self.fields["shares"]).choices = [
            (pk, pk) for pk in self.share_rows
        ]

    def picked(self) -> list[Share]:
        return [self.share_rows[pk] for pk in self.cleaned_data["shares"]]


class CleanUpForm(OperationForm):
    shares = SharesField(label="People")
    ends_on = forms.DateField(
        label="Access ends on, unless they watch something",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    days = forms.IntegerField(min_value=1, max_value=3650, widget=forms.HiddenInput)

    def __init__(self, *args: Any, shares: list[Share], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.share_rows = {share.pk: share for share in shares}
        cast(forms.ChoiceField, self.fields["shares"]).choices = [
            (pk, pk) for pk in self.share_rows
        ]

    @staticmethod
    def default_end() -> date:
        return timezone.localdate() + timedelta(days=int(settings.LIFECYCLE_GRACE_DAYS))

    def clean_ends_on(self) -> date | None:
        return _after_today(self.cleaned_data.get("ends_on"), "The end of the grace period")

    def picked(self) -> list[Share]:
        return [self.share_rows[pk] for pk in self.cleaned_data["shares"]]
