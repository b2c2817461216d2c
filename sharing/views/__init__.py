"""Sharing's screens, one module each; access.py holds what they share (getters, refusals,
submitting a form's change). Their URLs are sharing/urls.py."""
