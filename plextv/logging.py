"""A logging filter that keeps Plex tokens out of every log record.

Install it on handlers (not only loggers) so records from any library pass through it::

    LOGGING = {
        "filters": {"plex_tokens": {"()": "plextv.logging.TokenMaskingFilter"}},
        "handlers": {"console": {..., "filters": ["plex_tokens"]}},
    }
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterable
from typing import Any

from plextv.masking import mask_tokens, register_token


class TokenMaskingFilter(logging.Filter):
    """Masks tokens in a record's message, its arguments and its exception text.

    The record is rewritten in place (message rendered and args cleared), and the exception
    traceback is rendered to masked text once, because formatters would otherwise render the
    original exception objects, whose text may contain a token.
    """

    def __init__(self, name: str = "", tokens: Iterable[str] = ()) -> None:
        super().__init__(name)
        for token in tokens:
            register_token(token)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg) + " " + " ".join(repr(a) for a in _args(record.args))
        record.msg = mask_tokens(message)
        record.args = None
        if record.exc_info and record.exc_info[0] is not None:
            rendered = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_text = mask_tokens(rendered)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = mask_tokens(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_tokens(record.stack_info)
        return True


def _args(args: Any) -> tuple[Any, ...]:
    if args is None:
        return ()
    if isinstance(args, tuple):
        return args
    return (args,)
