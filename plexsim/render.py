"""XML and JSON rendering in plex.tv's conventions.

XML is built as strings rather than with ElementTree: `/api/users/` for thousands of users must
stay fast, and attribute order then matches the captures.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from plexsim.model import SimError

XML_TYPE = "application/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n'

_NEEDS_ESCAPE = re.compile('[&<>"\n]')
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;"})


def xml_value(value: object) -> str:
    """plex.tv's attribute encoding: booleans as 1/0, null as the empty string."""
    if value is None:
        return ""
    if value is True:
        return "1"
    if value is False:
        return "0"
    if type(value) is int:
        return str(value)
    text = str(value)
    # Most values need no escaping; `translate` is costly when run on each of the hundreds of
    # thousands of attributes in a large `/api/users/` answer, so only those that do go through.
    if _NEEDS_ESCAPE.search(text) is None:
        return text
    return text.translate(_ESCAPES)


def attrs(values: Mapping[str, object]) -> str:
    return "".join(f' {k}="{xml_value(v)}"' for k, v in values.items())


def element(tag: str, values: Mapping[str, object], children: Iterable[str] = ()) -> str:
    inner = "".join(children)
    if inner:
        return f"<{tag}{attrs(values)}>\n{inner}</{tag}>\n"
    return f"<{tag}{attrs(values)}/>\n"


def container(tag: str, values: Mapping[str, object], children: list[str]) -> str:
    return XML_DECL + f"<{tag}{attrs(values)}>\n" + "".join(children) + f"</{tag}>\n"


def singular(name: str) -> str:
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith("ses"):
        return name[:-2]
    if name.endswith("s"):
        return name[:-1]
    return name


def json_to_xml(tag: str, value: Any) -> str:
    """Render a v2 JSON object in v2's XML style.

    Scalars become attributes, objects become child elements named after their key, and lists
    become a wrapper element holding one singular-named child per entry (the shape of
    `<connections><connection/></connections>` and `<sharedItems><sharedItem/></sharedItems>`).
    """
    if isinstance(value, list):
        return element(tag, {}, [json_to_xml(singular(tag), v) for v in value])
    if not isinstance(value, dict):
        return element(tag, {"id": value})
    scalars = {k: v for k, v in value.items() if not isinstance(v, (dict, list))}
    children = [json_to_xml(k, v) for k, v in value.items() if isinstance(v, (dict, list))]
    return element(tag, scalars, children)


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str | None = XML_TYPE
    headers: dict[str, str] = field(default_factory=dict)


def xml_reply(text: str, status: int = 200) -> Reply:
    if not text.startswith("<?xml"):
        text = XML_DECL + text
    return Reply(status=status, body=text.encode())


def json_reply(value: Any, status: int = 200) -> Reply:
    return Reply(status=status, body=json.dumps(value).encode(), content_type=JSON_TYPE)


def empty_reply(status: int = 204) -> Reply:
    return Reply(status=status, body=b"", content_type=None)


# Errors whose code the protocol notes name for v1 paths too keep the coded v2 body there.
CODED_ON_V1 = {1001, 1003, 1029, 1031, 1041}


def error_reply(error: SimError, wants_json: bool, *, v1: bool = False) -> Reply:
    """An error in the form of the route's family.

    v1 paths answer XML whatever the client accepts. Their captured error forms are
    `<Response code status/>` (400 "already sharing" on the shared_servers POST, 410 on the
    retired invite and friend paths) and `<errors><error>Not found</error></errors>` (404 on
    `/api/servers/None/shared_servers/None`), so an error that does not choose its form takes
    those; the coded errors the notes give for v1 paths (bad token 1001, rate limit 1003, PIN
    1041) keep the coded body, which is ASSUMED.
    """
    style = error.style
    if style == "auto":
        style = _v1_style(error) if v1 else "v2"
    if v1:
        wants_json = False
    if style == "v1":
        return xml_reply(
            element("Response", {"code": error.status, "status": error.message}), error.status
        )
    if style == "v1-missing":
        # The v1 sharing endpoints' bare 404 body, as captured.
        return xml_reply("<errors>\n  <error>Not found</error>\n</errors>\n", error.status)
    if style == "provider":
        values = {
            "error": _reason(error.status),
            "message": error.message,
            "statusCode": error.status,
        }
        return xml_reply(element("Error", values), error.status)
    body = {"code": error.code, "message": error.message, "status": error.status}
    if wants_json:
        return json_reply({"errors": [body]}, error.status)
    return xml_reply(element("errors", {}, [element("error", body)]), error.status)


def _v1_style(error: SimError) -> str:
    if error.code in CODED_ON_V1:
        return "v2"
    return "v1-missing" if error.status == 404 else "v1"


def _reason(status: int) -> str:
    return {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}.get(
        status, "Error"
    )


def iso(epoch: float | None) -> str | None:
    """plex.tv's ISO form for v2 JSON and resources: 2024-03-17T11:34:53Z."""
    if epoch is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def utc_words(epoch: float) -> str:
    """The `subscribedAt` form: 2023-03-24 00:00:00 UTC."""
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(epoch))
