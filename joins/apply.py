"""Applying an access profile to people who have shares already, as one explicit batch.

Editing a profile never changes anybody: the admin picks people, sees per person and server
what would change — libraries added and removed, permissions, filters — and starts a batch of
the same edit-share operations the person screen and the matrix use. A change that takes
anything away (a library, a permission, a looser filter) is marked as narrowing, and the batch
starts only when the admin confirmed exactly the preview they saw (its digest).

Only the servers the profile names are touched, and only existing, accepted shares: a server
the person has that the profile leaves out keeps what it has, and one the person lacks is an
invite made from their page, not a side effect of a bulk change.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from accounts.models import User
from joins import grants
from joins.models import AccessProfile, Redemption
from sharing.matrix import busy_shares, countdowns, pace_seconds, people, shared_ids
from sharing.models import Operation, OperationBatch, PlexUser, Server, Share
from sharing.operations import submit
from sharing.operations.shares import EDIT_SHARE
from sharing.share_state import filter_parts

FLAG_WORDS = {**grants.FLAG_WORDS}
TUNER_WORDS = {0: "no Live TV", **grants.TUNER_WORDS}
FILTER_NAMES = {"filter_movies": "Movies", "filter_television": "TV shows"}


@dataclass
class ServerChange:
    share: Share
    changes: dict[str, Any]
    before: dict[str, Any]
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    wider: list[str] = field(default_factory=list)
    narrower: list[str] = field(default_factory=list)

    @property
    def narrows(self) -> bool:
        return bool(self.removed or self.narrower)


@dataclass
class PersonPlan:
    person: PlexUser
    servers: list[ServerChange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def narrows(self) -> bool:
        return any(change.narrows for change in self.servers)


@dataclass
class Plan:
    profile: AccessProfile
    people: list[PersonPlan]

    @property
    def changes(self) -> list[ServerChange]:
        return [change for person in self.people for change in person.servers]

    @property
    def narrowing(self) -> list[PersonPlan]:
        return [person for person in self.people if person.narrows]

    @property
    def digest(self) -> str:
        """What the admin confirms: every share's planned change, in a stable form."""
        body = [(c.share.pk, c.share.version, c.changes) for c in self.changes]
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:32]


def candidates() -> list[PlexUser]:
    """People with an accepted share of an owned server: the ones a profile can be applied to."""
    return list(
        PlexUser.objects.filter(
            removed_locally_at__isnull=True,
            shares__shared_server_id__isnull=False,
            shares__pending=False,
            shares__server__owned=True,
        )
        .distinct()
        .order_by("title", "username")
    )


def recipients(profile: AccessProfile) -> list[PlexUser]:
    """People who joined through a link made from `profile`."""
    plex_ids = Redemption.objects.filter(link__profile=profile, state=Redemption.DONE).values(
        "plex_id"
    )
    return [p for p in candidates() if p.plex_id in {row["plex_id"] for row in plex_ids}]


def _flag_change(change: ServerChange, name: str, have: Any, want: Any) -> None:
    if have == want:
        return
    change.changes[name] = want
    change.before[name] = have
    if name == "allow_tuners":
        words = f"Live TV: {TUNER_WORDS.get(have, have)} → {TUNER_WORDS.get(want, want)}"
        (change.wider if want > have else change.narrower).append(words)
    else:
        word = FLAG_WORDS[name]
        (change.wider if want else change.narrower).append(
            f"{'Allows' if want else 'Takes away'} {word}"
        )


def _filter_narrows(have: dict[str, list[str]], want: dict[str, list[str]]) -> bool:
    """Whether `want` hides something `have` shows (an empty list restricts nothing)."""
    had_ratings, new_ratings = set(have["content_ratings"]), set(want["content_ratings"])
    if new_ratings and (not had_ratings or not new_ratings >= had_ratings):
        return True
    if set(want["excluded_labels"]) - set(have["excluded_labels"]):
        return True
    had_labels, new_labels = set(have["labels"]), set(want["labels"])
    return bool(new_labels) and (not had_labels or not new_labels >= had_labels)


def _describe_filter(parts: dict[str, list[str]]) -> str:
    words = []
    if parts["content_ratings"]:
        words.append(f"rated {', '.join(parts['content_ratings'])} only")
    if parts["labels"]:
        words.append(f"only labels {', '.join(parts['labels'])}")
    if parts["excluded_labels"]:
        words.append(f"without labels {', '.join(parts['excluded_labels'])}")
    return "; ".join(words) or "no filter"


def _filter_change(change: ServerChange, name: str, access: dict[str, Any]) -> None:
    have = filter_parts(getattr(change.share, name))
    wanted = access.get(name) or {}
    want = {part: list(wanted.get(part) or []) for part in have}
    if {k: sorted(v) for k, v in have.items()} == {k: sorted(v) for k, v in want.items()}:
        return
    change.changes[name] = want
    change.before[name] = have
    words = f"{FILTER_NAMES[name]}: {_describe_filter(have)} → {_describe_filter(want)}"
    (change.narrower if _filter_narrows(have, want) else change.wider).append(words)


def _server_change(share: Share, entry: dict[str, Any]) -> ServerChange | str:
    libraries = [lib for lib in share.server.libraries.all() if lib.missing_since is None]
    titles = {lib.global_id: lib.title for lib in share.server.libraries.all()}
    want = sorted({int(g) for g in entry["libraries"]} & {lib.global_id for lib in libraries})
    if not want:
        return f"{share.server.name}: none of the profile's libraries is there any more."
    have = sorted(shared_ids(share, list(share.server.libraries.all())))
    change = ServerChange(share=share, changes={}, before={})
    if want != have:
        change.changes["libraries"] = want
        change.before["libraries"] = have
        change.added = [titles[g] for g in want if g not in have]
        change.removed = [titles.get(g, f"library {g}") for g in have if g not in want]
    access = entry.get("access") or {}
    for name in FLAG_WORDS:
        _flag_change(change, name, bool(getattr(share, name)), bool(access.get(name)))
    _flag_change(change, "allow_tuners", share.allow_tuners, int(access.get("allow_tuners") or 0))
    for name in FILTER_NAMES:
        _filter_change(change, name, access)
    return change


def _person_plan(
    person: PlexUser, entries: list[dict[str, Any]], busy: set[str], servers: dict[str, Server]
) -> PersonPlan:
    plan = PersonPlan(person=person)
    shares = {
        share.server.machine_identifier: share
        for share in person.shares.select_related("server", "user").prefetch_related(
            "libraries", "server__libraries"
        )
    }
    for entry in entries:
        share = shares.get(entry["machine"])
        server = servers.get(entry["machine"])
        name = server.name if server is not None else "A server that is gone"
        if server is None or not server.owned or server.missing_since is not None:
            plan.notes.append(f"{name} is not one of your servers any more: skipped.")
        elif share is None or share.shared_server_id is None:
            plan.notes.append(
                f"{name} is not shared with them: left as it is (invite them to it from their "
                "page; applying a profile only changes shares they have)."
            )
        elif share.pending:
            plan.notes.append(f"{name}: their invite is not accepted yet, left as it is.")
        elif str(share.pk) in busy:
            plan.notes.append(f"{name}: another change to them is still running, skipped.")
        else:
            result = _server_change(share, entry)
            if isinstance(result, str):
                plan.notes.append(result)
            elif result.changes:
                plan.servers.append(result)
            else:
                plan.notes.append(f"{name}: already has exactly this.")
    named = {entry["machine"] for entry in entries}
    settings_change = any(set(c.changes) - {"libraries"} for c in plan.servers)
    for machine, share in shares.items():
        if machine not in named and share.shared_server_id and share.server.owned:
            note = f"{share.server.name} is not in the profile: its libraries are left as they are"
            if settings_change:
                # plex.tv keeps permissions and filters per person, not per server.
                note += " (plex.tv keeps permissions and filters per person: they apply to it too)"
            plan.notes.append(f"{note}.")
    return plan


def plan(profile: AccessProfile, persons: list[PlexUser]) -> Plan:
    entries = grants.entries(profile.grants)
    busy = busy_shares()
    machines = [entry["machine"] for entry in entries]
    servers = {
        s.machine_identifier: s for s in Server.objects.filter(machine_identifier__in=machines)
    }
    return Plan(profile=profile, people=[_person_plan(p, entries, busy, servers) for p in persons])


def batch_title(profile: AccessProfile, count: int) -> str:
    return f"Apply the profile “{profile.name}” to {people(count)}"


def started(key: str) -> OperationBatch | None:
    """The batch a confirmation with this key started already (a resent form)."""
    prior = Operation.objects.filter(idempotency_key__startswith=f"{key}:").first()
    return prior.batch if prior is not None else None


def start(planned: Plan, actor: User | None, key: str) -> OperationBatch:
    """One paced edit-share operation per changed share, grouped in one batch. A resent form
    (the same key) finds the batch it started."""
    prior = started(key)
    if prior is not None:
        return prior
    changed = [person for person in planned.people if person.servers]
    due = countdowns([c.share.server_id for c in planned.changes], pace_seconds())
    with transaction.atomic():
        batch = OperationBatch.objects.create(
            title=batch_title(planned.profile, len(changed)), actor=actor
        )
        for change, countdown in zip(planned.changes, due, strict=True):
            share = change.share
            params = {
                "label": f"Apply “{planned.profile.name}” to {share.user.display_name} on "
                f"{share.server.name}",
                "changes": change.changes,
                "before": change.before,
            }
            submit(
                EDIT_SHARE,
                share,
                params,
                actor,
                f"{key}:{share.pk}",
                batch,
                countdown,
            )
    return batch
