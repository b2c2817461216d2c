"""Words for the audit trail's action codes."""

from __future__ import annotations

from django import template

register = template.Library()

ACTION_LABELS = {
    "drift.adopt": "Kept plex.tv's value",
    "drift.reapply": "Re-applied the dashboard's value",
    "friend.invite": "Invited a friend",
    "friend.remove": "Removed a friend",
    "home.create_managed": "Created a managed user",
    "home.invite": "Invited into Home",
    "home.invite_cancel": "Cancelled a Home invite",
    "home.remove": "Removed from Home",
    "home.set_pin": "Changed a Home PIN",
    "home.set_profile": "Changed a restriction profile",
    "home.switch": "Switched to a Home member",
    "home_invite.found": "Home invite found on plex.tv",
    "home_invite.gone": "Home invite gone from plex.tv",
    "invite.cancel": "Cancelled an invite",
    "invite.found": "Invite found on plex.tv",
    "invite.gone": "Invite gone from plex.tv",
    "invite.resend": "Resent an invite",
    "person.back": "Back on plex.tv",
    "person.changed": "Changed on plex.tv",
    "person.found": "New on plex.tv",
    "person.missing": "Missing from plex.tv",
    "person.pruned": "Removed after confirmation",
    "person.removed": "Removed",
    "role.ended": "Role ended: left the household",
    "role.granted": "Made co-admin",
    "role.member": "Signed in as a member",
    "role.owner": "Became the owner",
    "role.revoked": "Co-admin role taken back",
    "server.found": "Server found",
    "share.drift": "Share changed on plex.tv",
    "share.edit": "Edited a share",
    "share.expired": "Access expired",
    "share.found": "Share found on plex.tv",
    "share.removed": "Share gone from plex.tv",
    "share.stop": "Stopped sharing a server",
}


@register.filter
def action_label(code: str) -> str:
    """The sentence for an action code; an unknown code reads as its words."""
    return ACTION_LABELS.get(code) or code.replace(".", " ").replace("_", " ").capitalize()
