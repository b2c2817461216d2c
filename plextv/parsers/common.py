"""What every parser shares: checking the decoded answer's form, and small value helpers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from xml.etree.ElementTree import Element

from plextv.answers import Payload
from plextv.values import Source, changed, child_object, child_objects, opt_bool, opt_int


def element(payload: Payload, what: str) -> Element:
    if not isinstance(payload, Element):
        raise changed(f"{what}: expected XML")
    return payload


def json_object(payload: Payload, what: str) -> Mapping[str, Any]:
    if not isinstance(payload, dict):
        raise changed(f"{what}: expected a JSON object")
    return payload


def json_list(payload: Payload, what: str) -> list[Mapping[str, Any]]:
    if not isinstance(payload, list) or not all(isinstance(i, dict) for i in payload):
        raise changed(f"{what}: expected a JSON list of objects")
    return payload


def required_id(src: Source, what: str) -> int:
    """The `id` of a thing plex.tv described; one without it means the answer's shape changed."""
    value = opt_int(src, "id")
    if value is None:
        raise changed(f"{what} without id")
    return value


def csv_values(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def none_if_empty(value: str | None) -> str | None:
    return value or None


def media_container(payload: Payload, what: str) -> tuple[Source, list[Source]]:
    """A MediaContainer and its items, from XML or `{"MediaContainer": {"Metadata": [...]}}`."""
    if isinstance(payload, Element):
        return payload, [el for el in payload if el.tag in ("Video", "Directory", "Track")]
    data = json_object(payload, what)
    container = child_object(data, "MediaContainer") or {}
    return container, list(child_objects(container, "Metadata"))


def parse_bool_answer(payload: Payload, key: str) -> bool:
    """`<pong>true</pong>`, `{"pong": true}`, `{"consent": false}` and the like."""
    if isinstance(payload, Element):
        value = payload.get(key)
        if value is None:
            value = (payload.text or "").strip()
        result = opt_bool({key: value}, key)
    elif isinstance(payload, dict):
        result = opt_bool(payload, key)
    else:
        result = opt_bool({key: payload}, key)
    if result is None:
        raise changed(f"no {key} in the answer")
    return result
