"""The forms the pages really render, read from their HTML, and hypothesis strategies for them.

Reading the rendered pages (rather than a list kept by hand) means a field or a form added
later is fuzzed too. Each form is keyed by the route its `action` resolves to.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.urls import Resolver404, resolve
from hypothesis import strategies as st

from sharing.forms import new_key

# The test client does not check CSRF tokens; fuzzing the token field would test nothing.
NOT_FUZZED = {"csrfmiddlewaretoken"}
# An action form's one-time key (sharing.forms.new_key): a resent key finds the first
# submission's row and does nothing, so each submission gets a fresh one, as a reload would.
ONE_TIME_KEY = re.compile(r"[0-9a-f]{32}")


@dataclass
class Field:
    name: str
    kind: str
    values: list[str] = field(default_factory=list)  # every value it offers or holds
    chosen: list[str] = field(default_factory=list)  # what the page has ticked or selected
    multiple: bool = False

    @property
    def one_time(self) -> bool:
        return self.kind == "hidden" and any(ONE_TIME_KEY.fullmatch(v) for v in self.values)


@dataclass
class Form:
    action: str  # the path it posts to
    method: str
    fields: dict[str, Field] = field(default_factory=dict)

    def defaults(self) -> dict[str, list[str]]:
        """What a browser would submit without the user touching anything."""
        body: dict[str, list[str]] = {}
        for f in self.fields.values():
            if f.one_time:
                body[f.name] = [new_key()]
            elif f.kind in {"checkbox", "radio"}:
                if f.chosen:
                    body[f.name] = list(f.chosen)
            elif f.kind == "select":
                picked = f.chosen or f.values[:1]
                if picked:
                    body[f.name] = list(picked)
            elif f.kind != "submit":
                body[f.name] = f.values[:1] or [""]
        return body

    def filled(self) -> dict[str, list[str]]:
        """The defaults with a box ticked in every group, as someone who confirms would."""
        body = self.defaults()
        for f in self.fields.values():
            if f.kind in {"checkbox", "radio"} and f.name not in body:
                body[f.name] = f.values[:1] or ["on"]
        return body


class _FormParser(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self.by_id: dict[str, Form] = {}
        self.current: Form | None = None
        self.select: Field | None = None

    def _form_of(self, attrs: dict[str, str]) -> Form | None:
        if "form" in attrs:
            return self.by_id.get(attrs["form"])
        return self.current

    def _add(self, form: Form | None, item: Field) -> Field:
        if form is None:
            return item
        known = form.fields.get(item.name)
        if known is None:
            form.fields[item.name] = item
            return item
        known.multiple = True
        known.values.extend(v for v in item.values if v not in known.values)
        known.chosen.extend(v for v in item.chosen if v not in known.chosen)
        return known

    def handle_starttag(self, tag: str, raw: list[tuple[str, str | None]]) -> None:
        attrs = {k: v or "" for k, v in raw}
        if tag == "form":
            action = attrs.get("action") or attrs.get("hx-post") or attrs.get("hx-get") or self.page
            method = "post" if "hx-post" in attrs else attrs.get("method", "get").lower()
            self.current = Form(action=urlsplit(action).path or self.page, method=method)
            self.forms.append(self.current)
            if attrs.get("id"):
                self.by_id[attrs["id"]] = self.current
            return
        if tag == "option":
            if self.select is not None:
                value = attrs.get("value", "")
                self.select.values.append(value)
                if "selected" in attrs:
                    self.select.chosen.append(value)
            return
        form = self._form_of(attrs)
        if attrs.get("hx-vals") and form is not None:
            try:
                extra = json.loads(attrs["hx-vals"])
            except ValueError:
                extra = {}
            for name, value in extra.items():
                self._add(form, Field(name, "hidden", [str(value)], [str(value)]))
        name = attrs.get("name")
        if not name or name in NOT_FUZZED:
            return
        if tag == "input":
            kind = attrs.get("type", "text").lower()
            value = attrs.get("value", "on" if kind in {"checkbox", "radio"} else "")
            chosen = [value] if kind not in {"checkbox", "radio"} or "checked" in attrs else []
            self._add(form, Field(name, kind, [value], chosen))
        elif tag == "textarea":
            self._add(form, Field(name, "textarea", [""], [""]))
        elif tag == "button" and "value" in attrs:
            # A submit button with a value (a matrix cell): pressing it sends that value.
            self._add(form, Field(name, "radio", [attrs["value"]], []))
        elif tag == "select":
            self.select = self._add(
                form, Field(name, "select", [], [], multiple="multiple" in attrs)
            )

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None


def parse_forms(html: str, page: str) -> list[Form]:
    parser = _FormParser(page)
    parser.feed(html)
    return parser.forms


def route_of(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.route


# Values that have broken web apps before: control characters, NUL, right-to-left marks,
# look-alike letters, spreadsheet formulas, markup, and lengths past every column.
NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "%00",
    "\u202eevil",
    "\uff4d\uff4f\uff52\uff47\uff41\uff4e",  # full-width letters
    "m\u03bfrgan",  # a Greek omicron
    '=HYPERLINK("http://evil.example")',
    "<script>alert(1)</script>",
    "'; DROP TABLE sharing_share; --",
    "../../etc/passwd",
    "//evil.example",
    "https://evil.example/",
    "\r\nSet-Cookie: x=1",
    "²",
    "٣",
    "🦊" * 40,
]
NUMBERS = [
    "0",
    "-1",
    "1",
    str(2**31),
    str(2**63),
    str(2**64 + 1),
    "9" * 25,
    "1e9",
    "NaN",
    "inf",
    "0x10",
    " 7 ",
    "1.5",
    "²",
    "-0",
]
DATES = [
    "0001-01-01",
    "1970-01-01",
    "2000-02-30",
    "2026-13-45",
    "9999-12-31",
    "yesterday",
    "-1",
    "2024-01-01T00:00:00Z",
]


# Tried in every field of every form, one field at a time, the rest as rendered: the values
# that broke views before (a digit int() refuses, numbers past 64 bits, NUL, overlong text).
ODD_IDS = ["²", "9" * 25, str(2**64 + 1), "-1", "a\x00b"]
ODD_TEXT = ["a\x00b", "é" * 3000, "<script>alert(1)</script>", "\u202eevil", "²"]
ODD_DATES = ["2026-13-45", "0001-01-01", "9999-12-31", "-1", "a\x00b"]


def odd_values(item: Field) -> list[str]:
    if item.kind in {"date", "datetime-local"}:
        return ODD_DATES
    if item.kind in {"number", "range", "checkbox", "radio", "select", "hidden"}:
        return ODD_IDS
    return ODD_TEXT


def nasty_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(NASTY),
        st.text(max_size=40),
        st.text(max_size=10).map(lambda text: text + "\x00"),
        st.integers(min_value=201, max_value=3000).map(lambda n: "é" * n),
    )


def value_for(item: Field) -> st.SearchStrategy[str]:
    """A value a hand-crafted request could carry for `item`; its real values are among them."""
    if item.one_time:
        real = st.builds(new_key)
    else:
        real = st.sampled_from(item.values) if item.values else st.just("")
    if item.kind in {"number", "range"}:
        bad = st.one_of(st.sampled_from(NUMBERS), st.integers(-(2**70), 2**70).map(str))
    elif item.kind in {"date", "datetime-local"}:
        bad = st.one_of(
            st.sampled_from(DATES),
            st.dates(min_value=date(1, 1, 1)).map(date.isoformat),
        )
    elif item.kind in {"checkbox", "radio", "select"}:
        bad = st.one_of(st.sampled_from(["on", "off", "true", "1", "0"]), st.sampled_from(NUMBERS))
    else:
        bad = st.just("")
    return st.one_of(real, bad, nasty_text())


def body_for(fields: dict[str, Field], extras: dict[str, str]) -> st.SearchStrategy[dict]:
    """A whole submitted body: each field real, odd, repeated or left out, plus extra fields."""
    per_field = {
        name: st.one_of(
            st.lists(value_for(item), min_size=1, max_size=3 if item.multiple else 1),
            st.just([]),  # left out
        )
        for name, item in fields.items()
    }
    chosen_extras = st.dictionaries(
        st.sampled_from(sorted(extras)) if extras else st.nothing(),
        st.just(""),
        max_size=len(extras),
    ).map(lambda picked: {name: [extras[name]] for name in picked})
    return st.fixed_dictionaries(per_field).flatmap(
        lambda body: chosen_extras.map(
            lambda extra: {k: v for k, v in {**body, **extra}.items() if v}
        )
    )
