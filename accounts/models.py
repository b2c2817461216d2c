from __future__ import annotations

from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """A person who can sign in to the dashboard.

    Its own model from the start, because swapping the user model after the first migration is
    one of the few things Django cannot do gracefully. Plex identities and roles hang off it.
    """
