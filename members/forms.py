from __future__ import annotations

import re

from django import forms

from members.services import MORE_TIME

# plex.tv/link codes: four characters from an alphabet without 0, O, 1 and I.
DEVICE_CODE = re.compile(r"^[A-HJ-NP-Z2-9]{4}$")


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
        code = re.sub(r"[\s-]", "", self.cleaned_data["code"]).upper()
        if not DEVICE_CODE.match(code):
            raise forms.ValidationError(
                "Enter the 4 characters the Plex app shows (letters and digits, e.g. K7PX)."
            )
        return code
