"""Signals accounts sends for the apps that build on it (accounts imports none of them)."""

from django.dispatch import Signal

# Sent once, when the owner has picked their server and the household exists.
# Arguments: household, user (the owner's dashboard user).
household_created = Signal()

# Sent when plex.tv stops accepting an account's token (it is marked "needs re-link").
# Arguments: account.
token_needs_relink = Signal()
