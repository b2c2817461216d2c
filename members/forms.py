from __future__ import annotations

from django import forms

from activity.devices import LinkRefused, normalize_code
from members.services import MORE_TIME


class LibraryRequestForm(forms.Form):
    library = forms.IntegerField(min_value=1)
    message = forms.CharField(max_length=500, required=False)


class TimeRequestForm(forms.Form):
    days = forms.TypedChoiceField(choices=list(MORE_TIME.items()), coerce=int)
    message = forms.CharField(max_length=500, required=False)


class DenyForm(forms.Form):
    note = forms.CharField(max_length=500, required=False)


class LinkTvForm(forms.Form):
    code = forms.CharField(max_length=12, label="Code on the TV")

    def clean_code(self) -> str:
        try:
            return normalize_code(self.cleaned_data["code"])
        except LinkRefused as refused:
            raise forms.ValidationError(refused.message) from None
