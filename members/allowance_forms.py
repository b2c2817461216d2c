"""Forms of allowances (admins) and of a member's own invite links.

The member's form accepts any library id and leaves the judging to
`members.allowances.create_link`, so a crafted POST gets the same clear message as a wrong
tick, and nothing is created."""

from __future__ import annotations

from typing import Any

from django import forms

from members.allowances import Wanted
from members.models import Allowance
from sharing.models import Library


def owner_library_choices() -> list[tuple[str, str]]:
    rows = (
        Library.objects.filter(
            server__owned=True, server__missing_since__isnull=True, missing_since__isnull=True
        )
        .select_related("server")
        .order_by("server__name", "title")
    )
    return [(str(lib.global_id), f"{lib.server.name}: {lib.title}") for lib in rows]


class AllowanceForm(forms.Form):
    max_people = forms.IntegerField(min_value=1, max_value=1000, label="People they may bring in")
    period = forms.ChoiceField(choices=Allowance.PERIODS, initial=Allowance.TOTAL)
    libraries = forms.TypedMultipleChoiceField(
        choices=(), coerce=int, widget=forms.CheckboxSelectMultiple, label="Libraries"
    )
    beyond_own_access = forms.BooleanField(
        required=False, label="Beyond their own access (libraries they do not have themselves)"
    )
    max_access_days = forms.IntegerField(
        min_value=1, max_value=3650, required=False, label="Longest access (days; empty: no limit)"
    )
    needs_approval = forms.BooleanField(
        required=False, initial=True, label="Each person they invite needs an admin's approval"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["libraries"].choices = owner_library_choices()  # type: ignore[attr-defined]

    def wanted(self) -> Wanted:
        ids = set(self.cleaned_data["libraries"])
        found: Wanted = {}
        rows = Library.objects.filter(global_id__in=ids).values_list(
            "server__machine_identifier", "global_id"
        )
        for machine, global_id in rows:
            found.setdefault(machine, set()).add(int(global_id))
        return found


class MemberLinkForm(forms.Form):
    label = forms.CharField(max_length=100, label="Who is it for")
    people = forms.IntegerField(min_value=1, max_value=1000, initial=1, label="People")
    access_days = forms.IntegerField(
        min_value=1, max_value=3650, required=False, label="Access lasts (days)"
    )

    def libraries(self) -> set[int] | None:
        """The library ids posted; None when one is not a number (a clear error, nothing made)."""
        raw = self.data.getlist("libraries") if hasattr(self.data, "getlist") else []
        try:
            ids = {int(value) for value in raw}
        except (TypeError, ValueError):
            return None
        return ids if all(0 < i < 2**62 for i in ids) else None
