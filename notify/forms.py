"""Forms of the notifications page. Each declares exactly the fields it accepts."""

from __future__ import annotations

from typing import Any

from django import forms

from notify import catalogue, channels
from notify.models import Channel


def _event_field(label: str, choices: list[tuple[str, str]]) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple
    )


class ChannelForm(forms.Form):
    name = forms.CharField(label="Name", max_length=80, widget=forms.TextInput(attrs={"size": 40}))
    kind = forms.ChoiceField(label="Kind", choices=Channel.KINDS, widget=forms.RadioSelect)
    address = forms.EmailField(
        label="E-mail address",
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"size": 40}),
    )
    url = forms.CharField(
        label="Apprise URL",
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "size": 70}),
    )
    events = _event_field("Tell me when", catalogue.choices())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checked: channels.Checked | None = None

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if not name or any(ord(c) < 32 for c in name):
            raise forms.ValidationError("Give the channel a name you will recognise.")
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind == Channel.EMAIL:
            if not channels.email_available():
                raise forms.ValidationError(
                    "E-mail is not set up on this server (EMAIL_HOST); use a chat or push "
                    "channel, or ask whoever runs plexadmin to configure SMTP."
                )
            if not data.get("address"):
                self.add_error("address", "Enter the address to send to.")
        elif kind == Channel.APPRISE:
            url = (data.get("url") or "").strip()
            if not url:
                self.add_error("url", "Paste the service's Apprise URL.")
            elif any(ord(c) < 32 or c.isspace() for c in url):
                self.add_error("url", "A URL has no spaces or line breaks.")
            else:
                try:
                    self.checked = channels.check_url(url)
                except channels.SendFailed as exc:
                    self.add_error("url", exc.message)
        return data


class SubscriptionForm(forms.Form):
    events = _event_field("Tell me when", catalogue.choices())


class MemberNoticesForm(forms.Form):
    events = _event_field("E-mail people when", catalogue.member_choices())
