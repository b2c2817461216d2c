"""Signals accounts sends for the apps that build on it (accounts imports none of them)."""

from django.dispatch import Signal

# Sent once, when the owner has picked their server and the household exists.
# Arguments: household, user (the owner's dashboard user).
household_created = Signal()

# Sent whenever someone's role changes: granted or revoked co-admin, a member's first sign-in,
# the owner set up, or a role ended because they left the household.
# Arguments: account (PlexAccount), before and after (a Member.Role value or None),
# actor (the User who made the change, None when plexadmin did it on its own).
role_changed = Signal()

# Sent when plex.tv stops accepting an account's token (it is marked "needs re-link").
# Arguments: account.
token_needs_relink = Signal()
