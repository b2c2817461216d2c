"""QR codes as inline SVG, drawn on the server (segno: pure Python, no dependencies)."""

from __future__ import annotations

import segno
from django.utils.safestring import SafeString, mark_safe


def svg(text: str) -> SafeString:
    """An SVG element for `text`; segno escapes nothing but draws only paths, and the text
    itself never appears in the markup (only its modules)."""
    code = segno.make(text, error="m", micro=False)
    markup = code.svg_inline(
        scale=4, border=2, dark="#111", light="#fff", title="QR code of the invite link"
    )
    return mark_safe(markup)  # noqa: S308 - generated paths, no user text in the markup
