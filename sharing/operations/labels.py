"""What each kind of operation is called on screen."""

KIND_LABELS: dict[str, str] = {
    "share.edit": "Edit share",
    "share.stop": "Stop sharing a server",
    "friend.invite": "Invite a friend",
    "friend.remove": "Remove a friend",
    "invite.cancel": "Cancel an invite",
    "invite.resend": "Resend an invite",
    "home.create_managed": "Create a managed user",
    "home.invite": "Invite into Home",
    "home.invite_cancel": "Cancel a Home invite",
    "home.set_profile": "Change restriction profile",
    "home.set_pin": "Set or remove PIN",
    "home.remove": "Remove from Home",
    "account.remove_device": "Remove a device",
    "account.view_state_sync": "View-state sync",
}
