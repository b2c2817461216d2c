"""What the fuzz puts into URL parameters: real objects of the household, and values past range.

`REAL` says, per parameter, which object of the fixture household (see conftest's `cast`)
fills it. A parameter is looked up as (route, name) first, then (namespace, name), then by
name alone, so `pk`
can mean a member under accounts and a Home profile under switch. A route with a parameter
named nowhere here fails its test: add the parameter, never skip the route.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.fuzz.routes import Route

# Values a converter lets through that no object has: zero, the edges of 64 bits, and the
# text a hand-edited address could carry.
PAST_RANGE: dict[str, list[str]] = {
    "int": ["0", str(2**63), str(2**64 + 1)],
    "str": ["0", "-1", str(2**64 + 1), "%00", "²", "x" * 300],
    "path": ["0", "-1", str(2**64 + 1), "%00", "²", "a/b"],
    "slug": ["0", "-1", "x" * 300],
    "uuid": ["00000000-0000-0000-0000-000000000000"],
    "digest": ["0" * 64, "f" * 64],
}

# Example paths for regular-expression patterns, which have no converters to fill.
REGEX_EXAMPLES: dict[str, list[str]] = {
    "django-admin/^(?P<app_label>auth|accounts|sharing|axes)/$": [
        "/django-admin/sharing/",
        "/django-admin/auth/",
    ],
    "django-admin/(?P<url>.*)$": ["/django-admin/nothing-here/", "/django-admin/%C2%B2/"],
}


@dataclass
class Household:
    """The real objects of the fixture household that parameters point at."""

    objects: dict[str, list[str]]


Source = Callable[[Household], list[str]]


def _objects(key: str) -> Source:
    return lambda household: household.objects[key]


REAL: dict[tuple[str, str] | str, Source] = {
    "person_id": _objects("person"),
    "share_id": _objects("share"),
    "invite_id": _objects("invite"),
    "op_id": _objects("operation"),
    "server_id": _objects("server"),
    "library_id": _objects("library"),
    "batch_id": _objects("batch"),
    "device_id": _objects("device"),
    "public_id": _objects("pin"),
    "search_id": _objects("search"),
    "digest": _objects("poster"),
    "cleanup_id": _objects("cleanup"),
    ("notify", "pk"): _objects("channel"),
    ("notifications/messages/<int:pk>/send-again/", "pk"): _objects("delivery"),
    ("accounts", "pk"): _objects("member"),
    ("members", "request_id"): _objects("member_request"),
    ("members", "action_id"): _objects("member_action"),
    ("members", "link_id"): _objects("member_link"),
    ("members", "member_id"): _objects("allowance_member"),
    ("switch", "pk"): _objects("home_person"),
    ("switch/<int:pk>/", "pk"): _objects("home_person"),
    ("admin", "object_id"): _objects("admin_object"),
    ("admin", "content_type_id"): _objects("content_type"),
    ("admin", "id"): _objects("user"),
    ("joins", "link_id"): _objects("join_link"),
    ("joins", "profile_id"): _objects("join_profile"),
    ("joins", "redemption_id"): _objects("redemption"),
    ("joins", "code"): _objects("join_code"),
}


def source_for(route: Route, param: str) -> Source | None:
    return REAL.get((route.route, param)) or REAL.get((route.namespace, param)) or REAL.get(param)


def missing_sources(route: Route) -> list[str]:
    """The parameters of `route` the fuzz cannot fill (and why its test fails)."""
    if route.regex:
        return [] if route.route in REGEX_EXAMPLES else ["(regular expression without examples)"]
    return [name for name, _ in route.params if source_for(route, name) is None]


def paths(route: Route, household: Household) -> tuple[list[str], list[str]]:
    """(paths past range, paths of real objects) for `route`; one each without parameters."""
    if route.regex:
        return REGEX_EXAMPLES[route.route][1:], REGEX_EXAMPLES[route.route][:1]
    if not route.params:
        return [], [route.path({})]
    real: dict[str, list[str]] = {}
    for name, _ in route.params:
        source = source_for(route, name)
        assert source is not None, f"{route.route}: no real value for {name}"
        real[name] = source(household)
    first_real = {name: values[0] for name, values in real.items()}
    past: list[str] = []
    for name, kind in route.params:
        for value in PAST_RANGE.get(kind, PAST_RANGE["str"]):
            past.append(route.path({**first_real, name: value}))
    reals = [
        route.path({name: values[i % len(values)] for name, values in real.items()})
        for i in range(max(len(v) for v in real.values()))
    ]
    return past, reals


def past_variants(route: Route, path: str, kwargs: dict[str, str]) -> list[str]:
    """`path` (of `route`, with `kwargs`) with each parameter in turn past range."""
    return [
        route.path({**kwargs, name: value})
        for name, kind in route.params
        for value in PAST_RANGE.get(kind, PAST_RANGE["str"])
    ]


def describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 300 else text[:300] + "…"
