"""Never more than asked (RELIABILITY.md scenario 41), over every path that changes a share.

From generated starting shares (libraries, flags, filters) and generated requests, each path
is driven through its real view and its Operations run with the real executor against
plexsim. Afterwards plexsim must grant a subset of what the admin asked and of what the
person had plus what was asked: never an extra library, a wider flag or a looser filter;
nothing the person had is narrowed unless the request asked for it; nobody else's share
changes; and no request ever carries an empty library selection (plex.tv reads one as
"every library"). Explicit examples make every run try the empty-selection edge of each path.

The examples are derandomized (the same ones every run, no example database) and few enough
for CI; `PLEXADMIN_INVARIANT_EXAMPLES` multiplies them for a deeper local search. A failing
example is reported as found, not shrunk: each one drives plexsim over HTTP, and shrinking
would take minutes. Every test also checks that its change was really made when one was
asked, so an example that quietly did nothing cannot pass for one that kept the rule.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from sharing.models import Library, PlexUser, Share
from sharing.operations.expiry import submit_expired
from tests.invariants.access import (
    FILTERS,
    FLAGS,
    Access,
    join,
    less_than,
    looser,
    more_than,
    untouched,
)
from tests.invariants.strategies import (
    ASK_MOVIES,
    ASK_NOTHING,
    EVERYTHING,
    HORROR,
    ONLY_MOVIES,
    asked_by_form,
    asked_new,
    requests,
    start_settings,
    starts,
)
from tests.invariants.world import (
    ALEX,
    ALEX_SHARE,
    CHEN_SHARE,
    DEN,
    DEN_LIBRARIES,
    HTMX,
    MOVIES,
    SAM,
    SAM_DEN_SHARE,
    TV,
    Request,
    Start,
    access_fields,
    den,
    edit_body,
    first_key,
    hidden_inputs,
    isolated,
    run_operations,
    set_start,
    share_row,
    snapshot,
    sync,
)

pytestmark = pytest.mark.django_db

SCALE = max(1, int(os.environ.get("PLEXADMIN_INVARIANT_EXAMPLES", "1")))
INVARIANT = settings(
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=False,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


def examples(count: int) -> settings:
    return settings(INVARIANT, max_examples=count * SCALE)


def exactly(after: Access | None, asked: Access | None, what: str) -> None:
    """`after` grants no more than `asked`, and (unless `asked` is gone) no less."""
    if asked is None:
        assert after is None, f"{what}: the share should be gone, plex.tv still grants {after}"
        return
    assert after is not None, f"{what}: the share is gone, but nobody asked to stop it"
    assert more_than(after, asked) == [], f"{what}: granted more than asked"
    assert less_than(after, asked) == [], f"{what}: narrowed without being asked"


def changes(held: Access | None, asked: Access | None) -> bool:
    if held is None or asked is None:
        return held is not asked
    return bool(more_than(asked, held) or less_than(asked, held))


def made(ops: list[Any], held: Access | None, asked: Access | None, what: str) -> None:
    """When the request changes something, an operation ran and succeeded."""
    if changes(held, asked):
        assert any(op.state == "succeeded" for op in ops), f"{what}: nothing was applied: {ops}"


def nothing_else(
    before: Any, after: Any, targets: set[int], sent: Any, people: frozenset[Any] = frozenset()
) -> None:
    assert sent.empty_selections() == [], "an empty library selection reached plex.tv"
    assert untouched(before, after, targets, people) == [], "a share nobody asked about changed"


# --- the person form ------------------------------------------------------------------------


@examples(25)
@given(start=starts, request=requests, htmx=st.booleans())
@example(start=HORROR, request=ASK_NOTHING, htmx=False)
@example(start=ONLY_MOVIES, request=ASK_NOTHING, htmx=True)
def test_the_person_form(owner, plexsim, sent, start: Start, request: Request, htmx: bool) -> None:
    with isolated(plexsim, sent):
        set_start(plexsim, ALEX_SHARE, ALEX, start)
        sync()
        before = snapshot(plexsim)
        held = before.access(ALEX_SHARE)
        share = share_row(ALEX_SHARE)
        owner.client.post(
            f"/people/shares/{share.pk}/edit/",
            edit_body(share, request),
            headers=HTMX if htmx else {},
        )
        ops = run_operations()
        after = snapshot(plexsim)
        asked = asked_by_form(held, request) if request.libraries else held
        exactly(after.access(ALEX_SHARE), asked, "person form")
        made(ops, held, asked, "person form")
        nothing_else(before, after, {ALEX_SHARE}, sent)


# --- a matrix cell --------------------------------------------------------------------------


@examples(25)
@given(
    start=starts,
    library=st.sampled_from(DEN_LIBRARIES),
    htmx=st.booleans(),
    confirm=st.booleans(),
)
@example(start=ONLY_MOVIES, library=MOVIES, htmx=True, confirm=False)
@example(start=ONLY_MOVIES, library=MOVIES, htmx=True, confirm=True)
@example(start=ONLY_MOVIES, library=MOVIES, htmx=False, confirm=True)
def test_a_matrix_cell(
    owner, plexsim, sent, start: Start, library: int, htmx: bool, confirm: bool
) -> None:
    with isolated(plexsim, sent):
        set_start(plexsim, ALEX_SHARE, ALEX, start)
        sync()
        before = snapshot(plexsim)
        held = before.access(ALEX_SHARE)
        server, share = den(), share_row(ALEX_SHARE)
        lib = Library.objects.get(global_id=library)
        page = owner.client.get(f"/matrix/{server.pk}/").content.decode()
        response = owner.client.post(
            f"/matrix/{server.pk}/toggle/",
            {"cell": f"{share.pk}-{lib.pk}", "key": first_key(page, 'id="toggle-form"')},
            headers=HTMX if htmx else {},
        )
        last = held.libraries == {library}
        if last:
            # Nothing may be queued before the admin confirms that the share stops.
            assert not run_operations(), "the last library was unshared without confirming"
            body = response.content.decode()
            assert "Stop sharing Morgan&#x27;s Den with alex.rivera?" in body
            if confirm:
                key = first_key(body, r'action="/matrix/\d+/shares/\d+/stop/"')
                owner.client.post(
                    f"/matrix/{server.pk}/shares/{share.pk}/stop/",
                    {"key": key},
                    headers=HTMX if htmx else {},
                )
        ops = run_operations()
        after = snapshot(plexsim)
        if last:
            asked = None if confirm else held
        elif library in held.libraries:
            asked = held.with_libraries(held.libraries - {library})
        else:
            asked = held.with_libraries(held.libraries | {library})
        exactly(after.access(ALEX_SHARE), asked, "matrix cell")
        made(ops, held, asked, "matrix cell")
        nothing_else(before, after, {ALEX_SHARE}, sent)


# --- a bulk change --------------------------------------------------------------------------


@examples(20)
@given(
    start=starts,
    library=st.sampled_from(DEN_LIBRARIES),
    grant=st.booleans(),
    audience=st.sampled_from(["friends", "everyone", "selected"]),
    stop_last=st.booleans(),
    htmx=st.booleans(),
)
@example(
    start=ONLY_MOVIES, library=MOVIES, grant=False, audience="friends", stop_last=False, htmx=True
)
@example(
    start=ONLY_MOVIES, library=MOVIES, grant=False, audience="everyone", stop_last=True, htmx=False
)
def test_a_bulk_change(
    owner,
    plexsim,
    sent,
    settings,
    start: Start,
    library: int,
    grant: bool,
    audience: str,
    stop_last: bool,
    htmx: bool,
) -> None:
    settings.BULK_PACE_SECONDS = 0
    with isolated(plexsim, sent):
        set_start(plexsim, ALEX_SHARE, ALEX, start)
        sync()
        before = snapshot(plexsim)
        server = den()
        form: dict[str, Any] = {
            "library": Library.objects.get(global_id=library).pk,
            "action": "grant" if grant else "revoke",
            "audience": audience,
            "key": "b" * 32,
        }
        if audience == "selected":
            form["selected"] = [share_row(ALEX_SHARE).pk, share_row(CHEN_SHARE).pk]
        preview = owner.client.post(
            f"/matrix/{server.pk}/bulk/", form, headers=HTMX if htmx else {}
        ).content.decode()
        assert not run_operations(), "the preview changed something"
        apply = preview[preview.index('<section id="bulk-preview"') :]
        data: dict[str, Any] = hidden_inputs(apply)
        if 'name="last" value="stop"' in apply and stop_last:
            data["last"] = "stop"
        owner.client.post(f"/matrix/{server.pk}/bulk/apply/", data, headers=HTMX if htmx else {})
        ops = run_operations()
        after = snapshot(plexsim)
        on_den = {sid for sid, found in before.shares.items() if found["machineIdentifier"] == DEN}
        for sid in sorted(on_den):
            had, now = before.access(sid), after.access(sid)
            assert had is not None
            asked = bulk_asked(had, library, grant, stop_last)
            # Whoever the audience left out keeps their share as it was; alex is always in it.
            if sid == ALEX_SHARE or now != had:
                exactly(now, asked, f"bulk change, share {sid}")
            if sid == ALEX_SHARE:
                made(ops, had, asked, "bulk change")
        nothing_else(before, after, on_den, sent)


def bulk_asked(had: Access, library: int, grant: bool, stop_last: bool) -> Access | None:
    if grant:
        return (
            had.with_libraries(had.libraries | {library}) if library not in had.libraries else had
        )
    if library not in had.libraries:
        return had
    if had.libraries == {library}:
        return None if stop_last else had
    return had.with_libraries(had.libraries - {library})


# --- drift: re-apply ours -------------------------------------------------------------------

REAPPLIABLE = {
    "libraries": None,
    "allow_sync": "allowSync",
    "allow_camera_upload": "allowCameraUpload",
    "allow_channels": "allowChannels",
    "allow_tuners": "allowTuners",
    "filter_movies": "filterMovies",
    "filter_television": "filterTelevision",
    "filter_music": "filterMusic",
}


@examples(25)
@given(
    start=starts,
    drift=starts,
    fields=st.frozensets(st.sampled_from(sorted(REAPPLIABLE)), min_size=1),
    forget_libraries=st.booleans(),
    htmx=st.booleans(),
)
@example(
    start=HORROR, drift=HORROR, fields=frozenset({"libraries"}), forget_libraries=True, htmx=True
)
@example(
    start=HORROR,
    drift=Start(frozenset({TV}), {"allowSync": False, "filterMovies": "label!=Horror|year>=1990"}),
    fields=frozenset(REAPPLIABLE),
    forget_libraries=False,
    htmx=False,
)
def test_drift_re_apply_ours(
    owner,
    plexsim,
    sent,
    start: Start,
    drift: Start,
    fields: frozenset[str],
    forget_libraries: bool,
    htmx: bool,
) -> None:
    with isolated(plexsim, sent):
        set_start(plexsim, ALEX_SHARE, ALEX, start)
        sync()
        ours = snapshot(plexsim).access(ALEX_SHARE)
        assert ours is not None
        share = share_row(ALEX_SHARE)
        if forget_libraries:
            # What the old over-share left behind: "ours" is an empty library list.
            Share.objects.filter(pk=share.pk).update(desired={**share.desired, "libraries": []})
        set_start(plexsim, ALEX_SHARE, ALEX, drift)
        sync()
        before = snapshot(plexsim)
        theirs = before.access(ALEX_SHARE)
        assert theirs is not None
        owner.client.post(
            f"/drift/{share.pk}/reapply/",
            {"field": sorted(fields), "key": "c" * 32},
            headers=HTMX if htmx else {},
        )
        ops = run_operations()
        after = snapshot(plexsim)
        asked = theirs
        if not (forget_libraries and "libraries" in fields):
            # An empty "ours" cannot be re-applied: the whole change is refused, not half made.
            for name in fields:
                sim_name = REAPPLIABLE[name]
                if sim_name is None:
                    asked = asked.with_libraries(ours.libraries)
                elif sim_name in FILTERS:
                    asked = asked.with_settings(**{sim_name: ours.filters.get(sim_name)})
                else:
                    asked = asked.with_settings(**{sim_name: ours.flags.get(sim_name)})
        exactly(after.access(ALEX_SHARE), asked, "drift re-apply")
        made(ops, theirs, asked, "drift re-apply")
        nothing_else(before, after, {ALEX_SHARE}, sent)


# --- invites --------------------------------------------------------------------------------


def invite(owner, request: Request, who: str, htmx: bool) -> None:  # type: ignore[no-untyped-def]
    page = owner.client.get("/people/invite/").content.decode()
    owner.client.post(
        "/people/invite/send/",
        {
            "who": who,
            "key": first_key(page, 'action="/people/invite/send/"'),
            "libraries": sorted(request.libraries),
            **access_fields(request),
        },
        headers=HTMX if htmx else {},
    )
    run_operations()


@examples(15)
@given(request=requests, htmx=st.booleans())
@example(request=ASK_NOTHING, htmx=False)
def test_an_invite_to_someone_new(owner, plexsim, sent, request: Request, htmx: bool) -> None:
    with isolated(plexsim, sent):
        sync()
        before = snapshot(plexsim)
        invite(owner, request, "new.friend@example.com", htmx)
        after = snapshot(plexsim)
        new = after.share_of(None, DEN, "new.friend@example.com")
        if not request.libraries:
            assert new is None, "an invite with no library shared something"
        else:
            found = after.access(new) if new is not None else None
            assert found is not None, "the invite made no share"
            assert more_than(found, asked_new(request)) == [], "invite: granted more than asked"
        invitee = frozenset({(None, "new.friend@example.com")})
        nothing_else(before, after, {new} if new else set(), sent, invitee)


def _invite_existing(owner, plexsim, sent, start: Start, request: Request, htmx: bool):  # type: ignore[no-untyped-def]
    set_start(plexsim, ALEX_SHARE, ALEX, start)
    sync()
    before = snapshot(plexsim)
    held = before.access(ALEX_SHARE)
    assert held is not None
    invite(owner, request, "alex.rivera", htmx)
    after = snapshot(plexsim)
    found = after.access(ALEX_SHARE)
    assert found is not None, "inviting alex again took his share away"
    # Never more than what he had plus what was asked: libraries and flags.
    assert more_than(found, join(held, asked_new(request)), filters=False) == []
    nothing_else(before, after, {ALEX_SHARE}, sent)
    return held, found


@examples(15)
@given(start=starts, request=requests, htmx=st.booleans())
@example(start=HORROR, request=ASK_NOTHING, htmx=True)
@example(start=EVERYTHING, request=ASK_MOVIES, htmx=False)
def test_an_invite_to_someone_already_shared_never_grants_more(
    owner, plexsim, sent, start: Start, request: Request, htmx: bool
) -> None:
    with isolated(plexsim, sent):
        _invite_existing(owner, plexsim, sent, start, request, htmx)


@examples(15)
@given(start=starts, request=requests, htmx=st.booleans())
@example(start=EVERYTHING, request=ASK_MOVIES, htmx=False)
def test_an_invite_to_someone_already_shared_keeps_what_they_had(
    owner, plexsim, sent, start: Start, request: Request, htmx: bool
) -> None:
    with isolated(plexsim, sent):
        held, found = _invite_existing(owner, plexsim, sent, start, request, htmx)
        # An invite asks to add; it never asks to take a library, a flag or a filter away.
        assert less_than(found, held, filters=False) == [], "invite narrowed the share"
        for name in FILTERS:
            assert looser(found.filters.get(name), held.filters.get(name)) == [], name


# --- Plex Home ------------------------------------------------------------------------------


@examples(15)
@given(
    request=requests,
    profile=st.sampled_from(["", "little_kid", "teen"]),
    htmx=st.booleans(),
)
@example(request=ASK_NOTHING, profile="", htmx=False)
def test_creating_a_managed_user(
    owner, plexsim, sent, request: Request, profile: str, htmx: bool
) -> None:
    with isolated(plexsim, sent):
        sync()
        before = snapshot(plexsim)
        page = owner.client.get("/people/home/new/").content.decode()
        owner.client.post(
            "/people/home/new/create/",
            {
                "name": "Robin",
                "profile": profile,
                "key": first_key(page, 'action="/people/home/new/create/"'),
                "libraries": sorted(request.libraries),
                **access_fields(request),
            },
            headers=HTMX if htmx else {},
        )
        run_operations()
        after = snapshot(plexsim)
        robin = next(
            (a["id"] for a in plexsim.state()["accounts"] if a.get("title") == "Robin"), None
        )
        new = after.share_of(robin, DEN) if robin is not None else None
        if new is not None:
            found = after.access(new)
            assert found is not None
            assert more_than(found, asked_new(request)) == [], "managed user: more than asked"
        else:
            refused = profile and any(any(p) for p in request.parts.values())
            assert not request.libraries or refused, "the managed user got no share"
        nothing_else(before, after, {new} if new else set(), sent, frozenset({(robin, None)}))


@examples(10)
@given(
    libraries=st.frozensets(st.sampled_from(DEN_LIBRARIES), min_size=1),
    flags=start_settings(filters=False),
    action=st.sampled_from(["profile", "pin", "remove"]),
    profile=st.sampled_from(["", "little_kid", "older_kid", "teen"]),
)
def test_home_actions_on_a_managed_user(
    owner,
    plexsim,
    sent,
    libraries: frozenset[int],
    flags: dict[str, Any],
    action: str,
    profile: str,
) -> None:
    with isolated(plexsim, sent):
        set_start(plexsim, SAM_DEN_SHARE, SAM, Start(libraries, flags))
        sync()
        before = snapshot(plexsim)
        held = before.access(SAM_DEN_SHARE)
        sam = PlexUser.objects.get(plex_id=SAM)
        page = owner.client.get(f"/people/{sam.pk}/").content.decode()
        if action == "profile":
            url, body = f"/people/{sam.pk}/profile/", {"profile": profile}
        elif action == "pin":
            url, body = f"/people/{sam.pk}/pin/", {"pin": "4321"}
        else:
            url, body = f"/people/{sam.pk}/home/remove/", {}
        owner.client.post(url, {**body, "key": first_key(page, f'action="{url}"')})
        ops = run_operations()
        assert [op.state for op in ops] == ["succeeded"], f"{action} was not applied"
        after = snapshot(plexsim)
        exactly(after.access(SAM_DEN_SHARE), None if action == "remove" else held, action)
        targets = {sid for sid, s in before.shares.items() if s["userId"] == SAM}
        nothing_else(before, after, targets if action == "remove" else {SAM_DEN_SHARE}, sent)


# --- expiry ---------------------------------------------------------------------------------


@examples(5)
@given(start=starts)
@example(start=ONLY_MOVIES)
def test_an_expired_share(owner, plexsim, sent, start: Start) -> None:
    with isolated(plexsim, sent):
        set_start(plexsim, ALEX_SHARE, ALEX, start)
        sync()
        before = snapshot(plexsim)
        Share.objects.filter(shared_server_id=ALEX_SHARE).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
        assert len(submit_expired()) == 1
        run_operations()
        after = snapshot(plexsim)
        exactly(after.access(ALEX_SHARE), None, "expiry")
        nothing_else(before, after, {ALEX_SHARE}, sent)


def test_the_flags_and_filters_compared_are_all_of_plex_tvs() -> None:
    # A new flag or filter in plexsim's model must be compared too, or it could widen unseen.
    from plexsim.model import FILTER_KEYS, FLAG_KEYS

    assert set(FLAGS) == {*FLAG_KEYS, "allowTuners"}
    assert set(FILTERS) == set(FILTER_KEYS)
