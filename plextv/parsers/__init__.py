"""Payload → model conversion for every answer plextv reads, one module per client family.

Each parser takes what the transport decoded: an XML root `Element`, or JSON (dict/list)
when plex.tv answered in JSON. Both forms are accepted wherever plex.tv is known to send both.
The names below are the ones callers import from `plextv.parsers`.
"""

from plextv.parsers.account import parse_account, parse_auth_token, parse_pin
from plextv.parsers.common import parse_bool_answer
from plextv.parsers.home import parse_created_user_id, parse_home_invites, parse_home_users
from plextv.parsers.media import parse_discover, parse_sync_items, parse_user_state, parse_watchlist
from plextv.parsers.resources import parse_devices, parse_resources
from plextv.parsers.servers import parse_history, parse_server_devices
from plextv.parsers.sharing import (
    parse_invites,
    parse_one_shared_server,
    parse_server_sections,
    parse_shared_servers,
    parse_users,
    parse_v2_shared_server,
    share_settings,
    user_kind,
)

__all__ = [
    "parse_account",
    "parse_auth_token",
    "parse_bool_answer",
    "parse_created_user_id",
    "parse_devices",
    "parse_discover",
    "parse_history",
    "parse_home_invites",
    "parse_home_users",
    "parse_invites",
    "parse_one_shared_server",
    "parse_pin",
    "parse_resources",
    "parse_server_devices",
    "parse_server_sections",
    "parse_shared_servers",
    "parse_sync_items",
    "parse_user_state",
    "parse_users",
    "parse_v2_shared_server",
    "parse_watchlist",
    "share_settings",
    "user_kind",
]
