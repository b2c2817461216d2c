"""Every URL pattern of the project, read from Django's resolver, and how to fill its path.

The fuzz tests are generated from `all_routes()`, so a URL added later is covered without
anyone remembering to list it. A pattern whose parameters the fuzz cannot fill makes its test
fail (see `values.py`), never skip.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import (
    IntConverter,
    PathConverter,
    SlugConverter,
    StringConverter,
    UUIDConverter,
)
from django.urls.resolvers import RegexPattern

CONVERTER_KINDS = {
    IntConverter: "int",
    StringConverter: "str",
    PathConverter: "path",
    SlugConverter: "slug",
    UUIDConverter: "uuid",
}
_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")


@dataclass(frozen=True)
class Route:
    """One URL pattern: its full route text, the namespace it lives in, its parameters."""

    route: str
    namespace: str
    name: str
    params: tuple[tuple[str, str], ...]  # (parameter, converter kind)
    regex: bool

    @property
    def label(self) -> str:
        return f"{self.namespace}:{self.name}" if self.namespace else self.name

    def path(self, values: Mapping[str, str]) -> str:
        """The route with each parameter replaced by `values[parameter]`."""
        if self.regex:
            raise ValueError(f"{self.route} is a regular expression: use its example paths")
        return "/" + _PARAM.sub(lambda match: values[match["name"]], self.route)


def _kind(converter: object) -> str:
    for cls, kind in CONVERTER_KINDS.items():
        if type(converter) is cls:
            return kind
    return type(converter).__name__


def _walk(
    resolver: URLResolver,
    prefix: str,
    namespace: str,
    converters: dict[str, object],
    regex: bool,
) -> Iterator[Route]:
    for entry in resolver.url_patterns:
        pattern = entry.pattern
        text = prefix + str(pattern)
        found = {**converters, **getattr(pattern, "converters", {})}
        is_regex = regex or isinstance(pattern, RegexPattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry, text, entry.namespace or namespace, found, is_regex)
        elif isinstance(entry, URLPattern):
            yield Route(
                route=text,
                namespace=namespace,
                name=entry.name or "",
                params=tuple((name, _kind(conv)) for name, conv in found.items()),
                regex=is_regex,
            )


def all_routes() -> list[Route]:
    return list(_walk(get_resolver(), "", "", {}, regex=False))
