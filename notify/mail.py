"""The mailer of an installation without SMTP: it refuses to send, saying why.

Production without EMAIL_HOST has no way to send e-mail. Django wants a "default" mailer all
the same, and a development backend (console, dummy) would lose messages without a word, so
this one raises instead; notifications check NOTIFY_EMAIL first and never get here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend


class EmailNotConfigured(OSError):
    pass


class NoEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[Any]) -> int:
        if not email_messages:
            return 0
        raise EmailNotConfigured(
            "E-mail is not set up on this server: set EMAIL_HOST (and the other EMAIL_ "
            "variables) to send it."
        )
