"""Strict readers for attribute and key values.

Missing values are fine (None or a default); a value of the wrong type is not: it means
plex.tv changed what it sends, and is reported as `ApiChanged` instead of silently becoming
a wrong value.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from xml.etree.ElementTree import Element

from plextv.errors import ApiChanged

Source = Element | Mapping[str, Any]


def changed(what: str) -> ApiChanged:
    return ApiChanged(
        "plex.tv's answer is not in the expected format; plexadmin needs an update.",
        plex_message=what,
    )


def raw(src: Source, key: str) -> Any:
    return src.get(key)


def opt_str(src: Source, key: str) -> str | None:
    value = src.get(key)
    if value is None:
        return None
    if isinstance(value, bool | dict | list):
        raise changed(f"{key} is not text")
    return str(value)


def text(src: Source, key: str, default: str = "") -> str:
    value = opt_str(src, key)
    return default if value is None else value


def opt_int(src: Source, key: str) -> int | None:
    value = src.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise changed(f"{key} is not a number")
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except ValueError:
        raise changed(f"{key} is not a number") from None


def opt_float(src: Source, key: str) -> float | None:
    value = src.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise changed(f"{key} is not a number")
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        raise changed(f"{key} is not a number") from None


def integer(src: Source, key: str, default: int = 0) -> int:
    value = opt_int(src, key)
    return default if value is None else value


_TRUE = {"1", "true"}
_FALSE = {"0", "false"}


def opt_bool(src: Source, key: str) -> bool | None:
    value = src.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    lowered = str(value).lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise changed(f"{key} is not a yes/no value")


def flag(src: Source, key: str, default: bool = False) -> bool:
    value = opt_bool(src, key)
    return default if value is None else value


def opt_time(src: Source, key: str) -> datetime | None:
    """Epoch seconds, ISO 8601 (`…Z`) or `YYYY-MM-DD HH:MM:SS UTC`, all as aware UTC times."""
    value = src.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise changed(f"{key} is not a time")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    textual = str(value).strip()
    if textual.lstrip("-").isdigit():
        return datetime.fromtimestamp(int(textual), UTC)
    if textual.endswith(" UTC"):
        textual = textual[:-4] + "+00:00"
    elif textual.endswith("Z"):
        textual = textual[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(textual)
    except ValueError:
        raise changed(f"{key} is not a time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def child_objects(src: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = src.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise changed(f"{key} is not a list of objects")
    return value


def child_object(src: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    value = src.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise changed(f"{key} is not an object")
    return value
