"""No 500 for any input, and no plex.tv call for a refused request (RELIABILITY 12, 13, 15).

Generated from the URLconf: every URL pattern, for owner, co-admin, member, outsider and anonymous,
with GET, HEAD and POST, with its path filled by real objects of the fixture household and by values
past range (0, 2**63, 2**64+1, NUL, "²"…). Then hypothesis posts odd values into the fields of
the forms the pages really render (text with unicode and NUL, overlong text, huge and negative
numbers, impossible dates) plus fields no form has (`is_superuser`, `owner`, `plex_token`,
`uses`, `max_uses`, `expires_at`, `created_by`), which must be ignored.

The number of hypothesis examples per URL is PLEXADMIN_FUZZ_EXAMPLES (default 6), so the
whole module stays at a couple of minutes; raise it for a deeper run.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.urls import resolve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.conftest import Cast
from tests.fuzz.forms import (
    ODD_IDS,
    ODD_TEXT,
    Field,
    Form,
    body_for,
    odd_values,
    parse_forms,
    route_of,
)
from tests.fuzz.harness import EXTRA_FIELDS, Fuzzer, Sent
from tests.fuzz.routes import Route, all_routes
from tests.fuzz.values import missing_sources, past_variants, paths

pytestmark = pytest.mark.django_db

ROUTES = all_routes()
BY_ROUTE = {route.route: route for route in ROUTES}
METHODS = ("GET", "HEAD", "POST")
EXAMPLES = int(os.environ.get("PLEXADMIN_FUZZ_EXAMPLES", "6"))
# The query parameters the views read (grep request.GET), tried on every page that answers GET.
COMMON_QUERY = ("next", "page", "q", "sort", "server", "kind")
# "next" values that are not a path of this site, or not one a redirect can take.
ODD_NEXT = [
    "logout",
    "0",
    "²",
    "//evil.example",
    "https:evil.example",
    "/\\evil.example",
    "/" + "x" * 600,
    " /",
    "javascript:alert(1)",
]

# Which pages render a form for which route: {route: {(persona, page route)}}. Read once per
# test session (the household is the same in every test; only its ids differ).
_FORM_PAGES: dict[str, set[tuple[str, str]]] = {}
_FIELD_POOL: set[str] = set()


def _crawl(cast: Cast) -> None:
    if _FORM_PAGES:
        return
    for page in ROUTES:
        if page.regex or page.namespace == "admin":
            continue
        real = paths(page, cast.household)[1][0]
        for name in ("anonymous", "member", "owner"):
            response = cast.by_name(name).client.get(real)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            for form in parse_forms(response.content.decode(), real):
                target = route_of(form.action)
                if target is not None:
                    _FORM_PAGES.setdefault(target, set()).add((name, page.route))
                    _FIELD_POOL.update(form.fields)
    assert _FORM_PAGES, "the crawl found no form at all"


def _forms_for(route: Route, cast: Cast) -> list[Form]:
    """The forms for `route` as the pages render them now (this test's ids and keys)."""
    found: list[Form] = []
    for name, page_route in sorted(_FORM_PAGES.get(route.route, ())):
        page = paths(BY_ROUTE[page_route], cast.household)[1][0]
        response = cast.by_name(name).client.get(page)
        found.extend(
            form
            for form in parse_forms(response.content.decode(), page)
            if route_of(form.action) == route.route
        )
    return found


def _generic_forms(route: Route, real: str) -> list[Form]:
    """For a route no page shows a form for: every field name seen anywhere, as text."""
    names = sorted(_FIELD_POOL | set(COMMON_QUERY))
    fields = {name: Field(name, "text") for name in names}
    return [Form(real, "get", fields), Form(real, "post", fields)]


def _past_the_door(sent: Sent) -> bool:
    """The view itself answered: not a sign-in redirect, a 403, a 405 or a rate limit.

    A 400 or 404 counts: the view read the request (an empty form, an object out of reach).
    """
    return sent.status not in {403, 405, 429} and "?next=" not in sent.location


def _every_persona_method_and_path(
    fuzzer: Fuzzer, route: Route, cast: Cast, past: list[str], real: list[str]
) -> tuple[list[str], list[str]]:
    """Every persona and method on the real objects, the least privileged first; then the
    values past range for those who got past the door, and for an anonymous visitor.

    Returns who got past the door at all, and who got past it with a GET.
    """
    admitted: list[str] = []
    reads: list[str] = []
    for persona in cast.personas:
        for method in METHODS:
            for path in real:
                sent = fuzzer.send(persona, method, path, label=route.label)
                if not _past_the_door(sent):
                    continue
                if persona.name not in admitted:
                    admitted.append(persona.name)
                if method == "GET" and persona.name not in reads:
                    reads.append(persona.name)
    for persona in cast.personas:
        if persona.name == "anonymous" or persona.name in admitted:
            for method in METHODS:
                for path in past:
                    fuzzer.send(persona, method, path, label=route.label)
    return admitted, reads


def _hypothesis_bodies(
    fuzzer: Fuzzer, route: Route, cast: Cast, forms: list[Form], fuzz_as: list[str]
) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def fuzz(data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(fuzz_as), label="persona")
        form = data.draw(st.sampled_from(forms), label="form")
        method = "GET" if form.method == "get" else "POST"
        extras = (
            {k: v for k, v in EXTRA_FIELDS.items() if k not in form.fields}
            if method == "POST"
            else {}
        )
        body = data.draw(body_for(form.fields, extras), label="body")
        htmx = data.draw(st.booleans(), label="htmx")
        cast.sign_in_again(name)
        fuzzer.problems.clear()
        sent = fuzzer.send(
            cast.by_name(name), method, form.action, body, label=route.label, htmx=htmx
        )
        if any(key in EXTRA_FIELDS for key in body):
            fuzzer.check_extras_ignored(sent)
        assert not fuzzer.problems, "\n".join(fuzzer.problems)

    fuzz()


def _one_field_at_a_time(
    fuzzer: Fuzzer, route: Route, cast: Cast, forms: list[Form], name: str
) -> None:
    """Each known-bad value in each field, the rest of the form as rendered; then the form
    as rendered sent to its address with each parameter past range."""
    persona = cast.by_name(name)
    for form in forms:
        method = "GET" if form.method == "get" else "POST"
        kwargs = {k: str(v) for k, v in resolve(form.action).kwargs.items()}
        for path in [] if route.regex else past_variants(route, form.action, kwargs):
            cast.sign_in_again(name)
            fuzzer.send(persona, method, path, form.filled(), label=route.label)
        for field_name, item in form.fields.items():
            for value in odd_values(item):
                cast.sign_in_again(name)
                body = {**form.filled(), field_name: [value]}
                fuzzer.send(persona, method, form.action, body, label=route.label)


def _odd_queries(fuzzer: Fuzzer, route: Route, cast: Cast, path: str, name: str) -> None:
    """Each known-bad value in each query parameter the views read."""
    persona = cast.by_name(name)
    for key in COMMON_QUERY:
        for value in ODD_NEXT if key == "next" else sorted({*ODD_IDS, *ODD_TEXT[:2]}):
            cast.sign_in_again(name)
            fuzzer.send(persona, "GET", path, {key: value}, label=route.label)


@pytest.mark.parametrize("route", ROUTES, ids=[route.route for route in ROUTES])
def test_no_input_gets_a_500_or_a_refused_plex_tv_call(
    route: Route, cast: Cast, plexsim: Any
) -> None:
    assert not missing_sources(route), (
        f"{route.route}: the fuzz cannot fill {missing_sources(route)}; "
        "name a real object for it in tests/fuzz/values.py"
    )
    _crawl(cast)
    fuzzer = Fuzzer(plexsim, cast.owner_id)
    past, real = paths(route, cast.household)

    admitted, reads = _every_persona_method_and_path(fuzzer, route, cast, past, real)
    assert not fuzzer.problems, "\n".join(fuzzer.problems)
    if reads:
        _odd_queries(fuzzer, route, cast, real[0], reads[-1])
        assert not fuzzer.problems, "\n".join(fuzzer.problems)

    rendered = _forms_for(route, cast)
    forms = rendered or _generic_forms(route, real[0])
    fuzz_as = admitted or ["anonymous", "owner"]  # the most privileged last
    _hypothesis_bodies(fuzzer, route, cast, forms, fuzz_as)
    if rendered:
        _one_field_at_a_time(fuzzer, route, cast, rendered, fuzz_as[-1])
        assert not fuzzer.problems, "\n".join(fuzzer.problems)

    # The forms as rendered, submitted untouched and with every box ticked, by every persona
    # (the owner last).
    for persona in cast.personas:
        for form in rendered:
            if form.method == "post":
                for body in (form.defaults(), form.filled()):
                    cast.sign_in_again(persona.name)
                    fuzzer.send(persona, "POST", form.action, body, label=route.label)
    assert not fuzzer.problems, "\n".join(fuzzer.problems)


def test_every_url_pattern_is_fuzzed() -> None:
    """A URL added later is in the parametrisation above; one the fuzz cannot fill fails here."""
    unfilled = {route.route: missing_sources(route) for route in ROUTES if missing_sources(route)}
    assert not unfilled, f"add real values for these parameters in tests/fuzz/values.py: {unfilled}"
    assert len({route.route for route in ROUTES}) == len(ROUTES)


def test_the_crawl_finds_the_forms_the_views_use(cast: Cast) -> None:
    _crawl(cast)
    for route in (
        "people/shares/<int:share_id>/edit/",
        "people/invite/send/",
        "people/home/new/create/",
        "sharing/sync/prune/",
        "audit/",
        "accounts/sign-in/password/",
        "accounts/account/devices/<str:device_id>/remove/",
        "matrix/<int:server_id>/toggle/",
    ):
        assert route in _FORM_PAGES, f"no page renders a form for {route}"
    edit = _forms_for(BY_ROUTE["people/shares/<int:share_id>/edit/"], cast)
    assert edit
    assert {"key", "libraries"} <= set(edit[0].fields)
