"""Forms of the sharing console. Each declares exactly the fields it accepts; nothing else in
a POST reaches a model or plex.tv."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time
from typing import Any, cast

from django import forms
from django.core import validators
from django.db.models import Q
from django.utils import timezone

from accounts.models import PlexAccount
from sharing import restriction_profiles
from sharing.models import HomeInvite, Invite, Library, PlexUser, Share
from sharing.share_state import (
    FILTER_FIELDS,
    FILTER_PARTS,
    access_from_form,
    access_of_share,
    filter_parts,
)

MOVIE_RATINGS = ("G", "PG", "PG-13", "R", "NC-17", "NR")
TV_RATINGS = ("TV-Y", "TV-Y7", "TV-G", "TV-PG", "TV-14", "TV-MA")
TUNER_CHOICES = [("0", "No Live TV"), ("1", "Live TV"), ("2", "Live TV and DVR")]
FILTER_TITLES = {
    "filter_movies": "Movies",
    "filter_television": "TV shows",
    "filter_music": "Music",
}
LABEL_RE = re.compile(r"^[^,\x00-\x1f]{1,100}$")
# How long a new person's access lasts, counted from when it starts (lifecycle applies it).
ACCESS_DAYS = [
    ("", "No end"),
    ("7", "7 days"),
    ("30", "30 days"),
    ("90", "90 days"),
    ("365", "A year"),
]

MAX_ACCESS_DAYS = 3650


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


class AccessForm(OperationForm):
    """Permissions and the typed filter editor, shared by "edit a share" and "invite"."""

    allow_sync = forms.BooleanField(required=False, label="Allow downloads")
    allow_camera_upload = forms.BooleanField(required=False, label="Camera upload")
    allow_channels = forms.BooleanField(required=False, label="Channels")
    allow_tuners = forms.TypedChoiceField(choices=TUNER_CHOICES, coerce=int, label="Live TV tuners")

    def add_filter_fields(self, held: dict[str, str | None]) -> None:
        for name in FILTER_FIELDS:
            known = MOVIE_RATINGS if name != "filter_television" else TV_RATINGS
            kept = filter_parts(held.get(name))["content_ratings"]
            choices = [(r, r) for r in dict.fromkeys([*known, *kept])]
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

    def filter_groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (FILTER_TITLES[name], [self[f"{name}__{part}"] for part in FILTER_PARTS])
            for name in FILTER_FIELDS
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for name in FILTER_FIELDS:
            for part in ("labels", "excluded_labels"):
                field = f"{name}__{part}"
                if field in data:
                    try:
                        data[field] = split_labels(data[field])
                    except forms.ValidationError as exc:
                        self.add_error(field, exc)
        return data

    def sets_filters(self) -> bool:
        data = self.cleaned_data
        return any(data.get(f"{name}__{part}") for name in FILTER_FIELDS for part in FILTER_PARTS)

    def access_state(self) -> dict[str, Any]:
        return access_from_form(self.cleaned_data)


class ShareEditForm(AccessForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    libraries = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple, label="Libraries"
    )
    expires_at = forms.DateField(
        required=False, label="Access ends on", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, share: Share, libraries: list[Library], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.share = share
        cast(forms.ChoiceField, self.fields["libraries"]).choices = [
            (lib.global_id, lib.title) for lib in libraries
        ]
        self.add_filter_fields({name: getattr(share, name) for name in FILTER_FIELDS})

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
        super().clean()
        data = self.cleaned_data
        if self.share.user.restriction_profile and self.sets_filters():
            raise forms.ValidationError(
                "plex.tv does not allow rating or label filters for a managed user with a "
                "restriction profile: the profile already decides what they see. Clear the "
                "filters, or remove the profile first."
            )
        return data

    def submitted_state(self) -> dict[str, Any]:
        state = self.access_state()
        state["libraries"] = self.cleaned_data["libraries"]
        expires = self.cleaned_data.get("expires_at")
        state["expires_at"] = _end_of_day(expires) if expires else None
        return state


def shown_state(share: Share, library_ids: list[int]) -> dict[str, Any]:
    """The values the edit form shows for `share`, in the shape `submitted_state` returns."""
    state = access_of_share(share)
    state["libraries"] = sorted(library_ids)
    state["expires_at"] = (
        _end_of_day(timezone.localtime(share.expires_at).date()) if share.expires_at else None
    )
    return state


def _end_of_day(day: date) -> str:
    return timezone.make_aware(datetime.combine(day, time(23, 59))).isoformat()


USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def clean_address(value: str) -> str:
    """An e-mail address or a Plex username, as plex.tv's invite accepts either."""
    value = value.strip()
    if "@" in value:
        validators.validate_email(value)
        return value.lower()
    if not USERNAME_RE.match(value):
        raise forms.ValidationError(
            "Enter an e-mail address or a Plex username (letters, digits, dots, dashes)."
        )
    return value


def is_owner(owner: PlexAccount | None, address: str) -> bool:
    if owner is None:
        return False
    return address.casefold() in {owner.username.casefold(), owner.email.casefold()} - {""}


def find_person(address: str) -> PlexUser | None:
    """The person plexadmin knows by this username or e-mail (not removed here), if any."""
    return (
        PlexUser.objects.filter(removed_locally_at__isnull=True)
        .filter(Q(username__iexact=address) | Q(email__iexact=address))
        .order_by("pk")
        .first()
    )


class LibraryPickerMixin(forms.Form):
    """A choice of libraries across the owned servers (the invite and managed-user forms).

    `library_rows` are the libraries offered; `servers()` turns the chosen ones into the
    operation's parameters, grouped by server.
    """

    libraries = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple, label="Libraries"
    )
    library_rows: list[Library]

    def offer_libraries(self, libraries: list[Library]) -> None:
        self.library_rows = libraries
        cast(forms.ChoiceField, self.fields["libraries"]).choices = [
            (lib.global_id, f"{lib.server.name} · {lib.title}") for lib in libraries
        ]

    def servers(self) -> list[dict[str, Any]]:
        """The chosen libraries by server, as the operation's parameters."""
        chosen = set(self.cleaned_data.get("libraries") or [])
        by_server: dict[str, dict[str, Any]] = {}
        for lib in self.library_rows:
            if lib.global_id in chosen:
                machine = lib.server.machine_identifier
                entry = by_server.setdefault(
                    machine, {"machine": machine, "name": lib.server.name, "libraries": []}
                )
                entry["libraries"].append(lib.global_id)
        return list(by_server.values())


class InviteForm(LibraryPickerMixin, AccessForm):
    access_days = forms.TypedChoiceField(
        choices=ACCESS_DAYS, coerce=int, empty_value=None, required=False, label="Access for"
    )
    who = forms.CharField(
        max_length=254,
        label="E-mail or Plex username",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(
        self,
        *args: Any,
        libraries: list[Library],
        share_room: int,
        owner: PlexAccount | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        self.offer_libraries(libraries)
        self.share_room = share_room
        self.owner = owner
        # The person found to have a share already, for the page's "edit their access" link.
        self.has_access: PlexUser | None = None
        self.add_filter_fields({})
        self.offer_access_days()

    def offer_access_days(self) -> None:
        """A starting point (an access profile) may last a number of days the list lacks:
        that number, and only a sane one, becomes a choice too (posted back, it validates)."""
        field = cast(forms.ChoiceField, self.fields["access_days"])
        source = self.data if self.is_bound else self.initial
        value = str(source.get("access_days") or "")
        known = {key for key, _ in ACCESS_DAYS}
        digits = value.isascii() and value.isdigit()
        if digits and value not in known and 1 <= int(value) <= MAX_ACCESS_DAYS:
            field.choices = [*ACCESS_DAYS, (value, f"{value} days")]

    def clean_who(self) -> str:
        address = clean_address(self.cleaned_data["who"])
        if is_owner(self.owner, address):
            raise forms.ValidationError(
                "That's you: the servers are yours already. Enter the friend's e-mail or "
                "Plex username."
            )
        taken = Invite.objects.filter(Q(email__iexact=address) | Q(username__iexact=address))
        if taken.exists():
            raise forms.ValidationError(
                f"{address} already has a pending invite: resend or cancel it from People."
            )
        return address

    def check_existing_access(self, address: str) -> None:
        """An invite would replace the share a person has: send them to edit it instead."""
        person = find_person(address)
        if person is None:
            return
        chosen = {entry["machine"] for entry in self.servers()}
        servers = list(
            Share.objects.filter(
                user=person, server__machine_identifier__in=chosen, shared_server_id__isnull=False
            )
            .order_by("server__name")
            .values_list("server__name", flat=True)
        )
        if servers:
            self.has_access = person
            raise forms.ValidationError(
                f"{person.display_name} already has access to {' and '.join(servers)}. "
                "An invite would replace what they have: edit their access instead."
            )

    def clean_libraries(self) -> list[int]:
        chosen: list[int] = self.cleaned_data["libraries"]
        if not chosen:
            raise forms.ValidationError("Pick at least one library to share.")
        return sorted(chosen)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("who") and data.get("libraries"):
            self.check_existing_access(data["who"])
        if self.share_room <= 0:
            raise forms.ValidationError(
                "plex.tv allows sharing with about 100 people and that limit is reached: "
                "remove someone before inviting a new person."
            )
        return data


PROFILE_CHOICES = restriction_profiles.CHOICES
PROFILE_REFUSES_FILTERS = (
    "plex.tv does not allow rating or label filters for a managed user with a restriction "
    "profile: the profile already decides what they see. Clear the filters, or choose no "
    "profile."
)


def clean_pin(value: str) -> str:
    if value and not re.fullmatch(r"[0-9]{4}", value):
        raise forms.ValidationError("A Home PIN is exactly 4 digits.")
    return value


class ManagedUserForm(LibraryPickerMixin, AccessForm):
    access_days = forms.TypedChoiceField(
        choices=ACCESS_DAYS, coerce=int, empty_value=None, required=False, label="Access for"
    )
    name = forms.CharField(max_length=50, label="Name")
    profile = forms.ChoiceField(
        choices=PROFILE_CHOICES, required=False, label="Restriction profile"
    )
    pin = forms.CharField(
        required=False,
        max_length=4,
        label="PIN (optional)",
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, libraries: list[Library], home_room: int, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.offer_libraries(libraries)
        self.home_room = home_room
        self.add_filter_fields({})

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name or any(ord(ch) < 32 for ch in name):
            raise forms.ValidationError("Give the profile a name (no control characters).")
        return name

    def clean_pin(self) -> str:
        return clean_pin(self.cleaned_data.get("pin") or "")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.home_room <= 0:
            raise forms.ValidationError(
                "Your Plex Home has 15 members, the most plex.tv allows: remove someone first."
            )
        if data.get("profile") and self.sets_filters():
            raise forms.ValidationError(PROFILE_REFUSES_FILTERS)
        return data


class HomeInviteForm(OperationForm):
    who = forms.CharField(max_length=254, label="E-mail or Plex username")

    def __init__(
        self,
        *args: Any,
        plex_pass: bool,
        home_room: int,
        owner: PlexAccount | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        self.plex_pass = plex_pass
        self.home_room = home_room
        self.owner = owner
        # A pending invitation found for this address, for the page's "cancel it" link.
        self.pending: HomeInvite | None = None

    def clean_who(self) -> str:
        address = clean_address(self.cleaned_data["who"])
        if is_owner(self.owner, address):
            raise forms.ValidationError(
                "That's you: you are the admin of this Home. Enter the account to invite."
            )
        person = find_person(address)
        if person is not None and person.home:
            raise forms.ValidationError(f"{person.display_name} is already in your Home.")
        self.pending = next((i for i in HomeInvite.objects.all() if i.matches(address)), None)
        if self.pending is not None:
            raise forms.ValidationError(
                f"{address} already has a pending invitation into your Home. Wait for them "
                "to accept it, or cancel it to send a new one."
            )
        return address

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not self.plex_pass:
            raise forms.ValidationError(
                "Inviting an existing Plex account into your Home needs Plex Pass on the "
                "owner's account. Managed users can be created without it."
            )
        if self.home_room <= 0:
            raise forms.ValidationError(
                "Your Plex Home has 15 members, the most plex.tv allows: remove someone first."
            )
        return data


class ProfileForm(OperationForm):
    profile = forms.ChoiceField(
        choices=PROFILE_CHOICES, required=False, label="Restriction profile"
    )


class PinForm(OperationForm):
    pin = forms.CharField(
        required=False,
        max_length=4,
        label="New PIN",
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    remove = forms.BooleanField(required=False, label="Remove the PIN")

    def clean_pin(self) -> str:
        return clean_pin(self.cleaned_data.get("pin") or "")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("remove") and not data.get("pin") and "pin" not in self.errors:
            raise forms.ValidationError("Enter a 4-digit PIN, or tick “Remove the PIN”.")
        if data.get("remove") and data.get("pin"):
            raise forms.ValidationError("Either set a new PIN or remove it, not both.")
        return data
