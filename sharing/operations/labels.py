"""What each kind of operation is called on screen."""

KIND_LABELS: dict[str, str] = {
    "share.edit": "Edit share",
    "share.stop": "Stop sharing a server",
    "friend.invite": "Invite a friend",
    "friend.remove": "Remove a friend",
    "invite.cancel": "Cancel an invite",
    "invite.resend": "Resend an invite",
}
