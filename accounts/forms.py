from __future__ import annotations

from django import forms


class PasswordSignInForm(forms.Form):
    login = forms.CharField(label="Plex username or e-mail", max_length=254)
    password = forms.CharField(label="Password", max_length=512, widget=forms.PasswordInput)
    code = forms.RegexField(
        label="6-digit code",
        regex=r"^\d{6}$",
        required=False,
        error_messages={"invalid": "The code is the 6 digits your authenticator app shows."},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class SetupCodeForm(forms.Form):
    code = forms.CharField(
        label="Set-up code",
        max_length=64,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


class ServerChoiceForm(forms.Form):
    machine_identifier = forms.CharField(max_length=64)


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(required=True, error_messages={"required": "Tick to confirm."})
