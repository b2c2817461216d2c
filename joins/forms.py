"""Forms of access profiles and invite links. Each declares exactly the fields it accepts."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any, cast

from django import forms
from django.utils import timezone

from joins.models import AccessProfile, InviteLink
from sharing.forms import MOVIE_RATINGS, TUNER_CHOICES, TV_RATINGS, split_labels
from sharing.models import Server

RATINGS = {"filter_movies": MOVIE_RATINGS, "filter_television": TV_RATINGS}
FLAGS = (
    ("allow_sync", "Downloads"),
    ("allow_camera_upload", "Camera upload"),
    ("allow_channels", "Channels"),
)


def owned_servers() -> list[Server]:
    return list(
        Server.objects.filter(owned=True, missing_since__isnull=True)
        .prefetch_related("libraries")
        .order_by("name")
    )


class GrantsForm(forms.Form):
    """Per owned server: libraries, downloads, camera upload, channels, Live TV and the
    content-rating / label filters of movies and TV. Field names carry the server's id."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.servers = owned_servers()
        for server in self.servers:
            p = f"s{server.pk}"
            libraries = [lib for lib in server.libraries.all() if lib.missing_since is None]
            self.fields[f"{p}_libraries"] = forms.TypedMultipleChoiceField(
                choices=[(str(lib.global_id), lib.title) for lib in libraries],
                coerce=int,
                required=False,
                label=f"{server.name}: libraries",
                widget=forms.CheckboxSelectMultiple,
            )
            for flag, label in FLAGS:
                self.fields[f"{p}_{flag}"] = forms.BooleanField(required=False, label=label)
            self.fields[f"{p}_allow_tuners"] = forms.TypedChoiceField(
                choices=TUNER_CHOICES, coerce=int, initial=0, label="Live TV tuners"
            )
            for key, ratings in RATINGS.items():
                what = "Movies" if key == "filter_movies" else "TV shows"
                self.fields[f"{p}_{key}_ratings"] = forms.MultipleChoiceField(
                    choices=[(r, r) for r in ratings],
                    required=False,
                    label=f"{what}: only these ratings",
                    widget=forms.CheckboxSelectMultiple,
                )
                self.fields[f"{p}_{key}_hidden"] = forms.CharField(
                    required=False, max_length=500, label=f"{what}: hide labels"
                )

    def server_fields(self) -> list[tuple[Server, list[forms.BoundField]]]:
        """The bound fields of each server, for the template."""
        return [
            (server, [self[name] for name in self.fields if name.startswith(f"s{server.pk}_")])
            for server in self.servers
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        servers = []
        for server in self.servers:
            p = f"s{server.pk}"
            libraries = sorted(data.get(f"{p}_libraries") or [])
            if not libraries:
                continue
            access: dict[str, Any] = {flag: bool(data.get(f"{p}_{flag}")) for flag, _ in FLAGS}
            access["allow_tuners"] = int(data.get(f"{p}_allow_tuners") or 0)
            for key in RATINGS:
                try:
                    hidden = split_labels(data.get(f"{p}_{key}_hidden") or "")
                except forms.ValidationError as exc:
                    self.add_error(f"{p}_{key}_hidden", exc)
                    hidden = []
                access[key] = {
                    "content_ratings": list(data.get(f"{p}_{key}_ratings") or []),
                    "labels": [],
                    "excluded_labels": hidden,
                }
            servers.append(
                {"machine": server.machine_identifier, "libraries": libraries, "access": access}
            )
        data["grants"] = {"servers": servers}
        return data

    def require_grants(self) -> None:
        if self.is_bound and not self.errors and not self.cleaned_data["grants"]["servers"]:
            self.add_error(None, "Choose at least one library.")

    @classmethod
    def initial_for(cls, grants: dict[str, Any]) -> dict[str, Any]:
        """The form's initial values for stored grants (editing a profile)."""
        by_machine = {s.machine_identifier: s for s in Server.objects.all()}
        initial: dict[str, Any] = {}
        for entry in grants.get("servers", []):
            server = by_machine.get(entry.get("machine"))
            if server is None:
                continue
            p = f"s{server.pk}"
            access = entry.get("access") or {}
            initial[f"{p}_libraries"] = [str(g) for g in entry.get("libraries", [])]
            for flag, _ in FLAGS:
                initial[f"{p}_{flag}"] = bool(access.get(flag))
            initial[f"{p}_allow_tuners"] = int(access.get("allow_tuners") or 0)
            for key in RATINGS:
                parts = access.get(key) or {}
                initial[f"{p}_{key}_ratings"] = list(parts.get("content_ratings") or [])
                initial[f"{p}_{key}_hidden"] = ", ".join(parts.get("excluded_labels") or [])
        return initial


class ProfileForm(GrantsForm):
    name = forms.CharField(max_length=80)
    description = forms.CharField(max_length=200, required=False)
    default_access_days = forms.IntegerField(
        min_value=1,
        max_value=3650,
        required=False,
        label="Default access length (days; empty = forever)",
    )

    def __init__(self, *args: Any, instance: AccessProfile | None = None, **kwargs: Any) -> None:
        self.instance = instance
        super().__init__(*args, **kwargs)

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"]).strip()
        if not name:
            raise forms.ValidationError("Give the profile a name.")
        taken = AccessProfile.objects.filter(name__iexact=name)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError("A profile with this name exists already.")
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.require_grants()
        return data


def home_problem() -> str:
    """Why nobody can join the Home now (no Plex Pass, no room), or ""."""
    from accounts.models import Household
    from sharing.models import HomeInvite, PlexUser

    household = Household.current()
    if household is None or not household.owner.has_plex_pass:
        return "A Plex Home needs Plex Pass."
    members = PlexUser.objects.filter(home=True, removed_locally_at__isnull=True).count()
    if members + HomeInvite.objects.count() >= 15:
        return "Your Plex Home is full (15 members, counting pending invitations)."
    return ""


def end_of_day(day: Any) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


class LinkForm(GrantsForm):
    label = forms.CharField(max_length=100)
    profile = forms.ModelChoiceField(
        queryset=AccessProfile.objects.all(),
        required=False,
        empty_label="Custom access (below)",
        label="Access profile",
    )
    kind = forms.ChoiceField(
        choices=InviteLink.KINDS, initial=InviteLink.FRIEND, required=False, label="Join as"
    )
    expires_on = forms.DateField(required=False, label="Link expires on (empty = never)")
    max_uses = forms.IntegerField(
        min_value=1, max_value=10000, required=False, label="Maximum uses (empty = unlimited)"
    )
    access_days = forms.IntegerField(
        min_value=1, max_value=3650, required=False, label="Access lasts (days after joining)"
    )
    access_until = forms.DateField(required=False, label="…or access ends on")
    needs_approval = forms.BooleanField(required=False, label="An admin approves each join")
    note = forms.CharField(
        max_length=1000, required=False, widget=forms.Textarea, label="Private note"
    )

    def clean_label(self) -> str:
        label = str(self.cleaned_data["label"]).strip()
        if not label:
            raise forms.ValidationError("Give the link a label.")
        return label

    def clean_kind(self) -> str:
        return str(self.cleaned_data.get("kind") or InviteLink.FRIEND)

    def clean_expires_on(self) -> Any:
        day = self.cleaned_data.get("expires_on")
        if day is not None and end_of_day(day) <= timezone.now():
            raise forms.ValidationError("That date has passed.")
        return day

    def clean_access_until(self) -> Any:
        day = self.cleaned_data.get("access_until")
        if day is not None and end_of_day(day) <= timezone.now():
            raise forms.ValidationError("That date has passed.")
        return day

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("access_days") and data.get("access_until"):
            self.add_error("access_until", "Choose a number of days or an end date, not both.")
        if data.get("kind") == InviteLink.HOME:
            problem = home_problem()
            if problem:
                self.add_error("kind", problem)
        profile = cast(AccessProfile | None, data.get("profile"))
        if profile is not None:
            data["grants"] = profile.grants
            if not data.get("access_days") and not data.get("access_until"):
                data["access_days"] = profile.default_access_days
        self.require_grants()
        return data
