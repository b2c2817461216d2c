"""Operations on the owner's plex.tv account: remove a device, turn view-state sync on or off.

The account page submits them like any other change, so the web request never waits on
plex.tv for a write. Both are safe to repeat: a device already gone is the outcome wanted, and
setting the consent flag twice leaves it as set.
"""

from __future__ import annotations

import contextlib

from django.conf import settings

from plextv import PlexTV
from plextv.errors import NotFound
from sharing.models import Operation
from sharing.operations.executor import Applied, OperationFailed, handler

REMOVE_DEVICE = "account.remove_device"
SET_VIEW_STATE_SYNC = "account.view_state_sync"

TARGET_DEVICE = "device"
TARGET_ACCOUNT = "account"


@handler(REMOVE_DEVICE, label="Remove a device")
def remove_device(client: PlexTV, op: Operation) -> Applied:
    """Remove a player device from the account; servers are never removed from here.

    The device list is read first: it names the device for the trail and refuses a server
    (whose id a crafted form could carry).
    """
    device_id = op.target_id
    label = str(op.params.get("label") or f"device {device_id}")
    device = next((d for d in client.devices() if d.id == device_id), None)
    if device is None:
        return Applied(
            label=label,
            message="The device is not on the account (already removed?); nothing was sent.",
        )
    if "server" in device.provides:
        raise OperationFailed(
            f"{device.name} is a Plex Media Server; remove servers from the server itself."
        )
    if device.client_identifier == settings.PLEX_CLIENT_IDENTIFIER:
        raise OperationFailed(
            "That is this dashboard's own sign-in; removing it would cut the dashboard off "
            "from plex.tv. Use “Sign out of plex.tv too” instead."
        )
    with contextlib.suppress(NotFound):  # removed meanwhile: the outcome wanted
        client.remove_device(device.id)
    return Applied(
        label=device.name or label,
        message=f"Removed {device.name} from the Plex account.",
        changes=[{"field": "device", "before": device.name, "after": None}],
    )


@handler(SET_VIEW_STATE_SYNC, label="View-state sync")
def set_view_state_sync(client: PlexTV, op: Operation) -> Applied:
    consent = bool(op.params.get("consent"))
    client.set_view_state_sync(consent)
    state = "on" if consent else "off"
    return Applied(
        label="View-state sync",
        message=f"View-state sync is {state}.",
        changes=[{"field": "view_state_sync", "before": None, "after": consent}],
    )
