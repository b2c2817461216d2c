"""Driving plexadmin the way an admin does, one generated example at a time.

Each example starts from plexsim's demo household with one share rewritten to the generated
starting state, syncs it into the database, drives one path through its real view and runs
the resulting Operations with the real executor against plexsim over HTTP. The database
changes of an example are rolled back at its end (a savepoint inside the test's transaction)
and plexsim is reset at the start of the next, so examples never see each other.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from sharing import operations
from sharing.forms import ShareEditForm
from sharing.models import Operation, Server, Share
from sharing.sync.runs import run_sync
from tests.invariants.access import FORM_FILTERS, FORM_FLAGS, Access, Snapshot

DEN = "07b33a43085dc2635f0bb026696069991fae76dc"
MOVIES, TV, MUSIC, PHOTOS, KIDS = 118181361, 118181362, 118181363, 118181364, 118181365
DEN_LIBRARIES = (MOVIES, TV, MUSIC, PHOTOS, KIDS)
ALEX, ALEX_SHARE = 1001010, 30006
CHEN_SHARE = 30009
SAM, SAM_DEN_SHARE = 1001004, 30004
HTMX = {"HX-Request": "true"}


@dataclass(frozen=True)
class Start:
    """A generated starting share: its libraries (None: every library) and the person's
    settings, in plexsim's names."""

    libraries: frozenset[int] | None
    settings: dict[str, Any] = field(default_factory=dict)

    def access(self) -> Access:
        libraries = frozenset(DEN_LIBRARIES) if self.libraries is None else self.libraries
        return Access(libraries, self.libraries is None).with_settings(**self.settings)


@dataclass(frozen=True)
class Request:
    """What the admin asks for in a form: libraries, flags and the three filter editors.

    `parts` maps a filter (plexsim's name) to its (allowed ratings, required labels, hidden
    labels), as the form's checkboxes and text fields hold them.
    """

    libraries: frozenset[int]
    flags: dict[str, int] = field(default_factory=dict)
    parts: dict[str, tuple[frozenset[str], frozenset[str], frozenset[str]]] = field(
        default_factory=dict
    )


@contextmanager
def isolated(plexsim: Any, sent: list[Any]) -> Iterator[None]:
    """One generated example: plexsim back to the demo seed, database changes rolled back."""
    plexsim.reset("demo")
    plexsim.clear_faults()
    sent.clear()
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def set_start(plexsim: Any, share_id: int, user_id: int, start: Start) -> None:
    """Rewrite a share at plexsim (its control API, not plexadmin) and sync it in."""
    plexsim.mutate(
        op="set_share_libraries",
        shareId=share_id,
        sectionIds=sorted(start.libraries) if start.libraries is not None else [],
    )
    if start.settings:
        plexsim.mutate(op="set_settings", userId=user_id, settings=start.settings)


def sync() -> None:
    run = run_sync()
    assert run is not None
    assert run.outcome == "succeeded", run.message


def run_operations() -> list[Operation]:
    """Run every queued operation with the real executor, as the worker would."""
    done = []
    for op in Operation.objects.filter(state__in=Operation.PENDING_STATES).order_by("pk"):
        operations.execute(op.pk)
        op.refresh_from_db()
        done.append(op)
    return done


def den() -> Server:
    return Server.objects.get(machine_identifier=DEN)


def share_row(shared_server_id: int) -> Share:
    return Share.objects.select_related("user", "server").get(shared_server_id=shared_server_id)


def access_fields(request: Request) -> dict[str, Any]:
    """The permission and filter fields of the invite, managed-user and edit forms."""
    body: dict[str, Any] = {}
    for sim_name, form_name in FORM_FLAGS.items():
        value = request.flags.get(sim_name, 0)
        if form_name == "allow_tuners":
            body[form_name] = str(value)
        elif value:
            body[form_name] = "on"
    for sim_name, form_name in FORM_FILTERS.items():
        allow, need, hide = request.parts.get(sim_name, (frozenset(), frozenset(), frozenset()))
        body[f"{form_name}__content_ratings"] = sorted(allow)
        body[f"{form_name}__labels"] = ", ".join(sorted(need))
        body[f"{form_name}__excluded_labels"] = ", ".join(sorted(hide))
    return body


def edit_body(share: Share, request: Request) -> dict[str, Any]:
    """The person screen's form for `share` as rendered, filled in with `request`."""
    initial = ShareEditForm.initial_for(
        share, sorted(share.libraries.values_list("global_id", flat=True))
    )
    body = {
        "key": initial["key"],
        "version": initial["version"],
        "expires_at": initial["expires_at"] or "",
        "libraries": sorted(request.libraries),
        **access_fields(request),
    }
    return {k: v for k, v in body.items() if v not in ([], None)}


def hidden_inputs(html: str) -> dict[str, list[str]]:
    """The hidden fields of the first form in `html`, as a browser would post them."""
    form = re.search(r"<form[^>]*>(.*?)</form>", html, re.S)
    assert form is not None, "no form in the page"
    values: dict[str, list[str]] = {}
    for name, value in re.findall(
        r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(1)
    ):
        values.setdefault(name, []).append(value)
    return values


def first_key(html: str, pattern: str) -> str:
    match = re.search(pattern + r'.*?name="key" value="(\w+)"', html, re.S)
    assert match is not None, f"no form key after {pattern!r}"
    return match.group(1)


def snapshot(plexsim: Any) -> Snapshot:
    return Snapshot.read(plexsim)
