"""Template helpers of the activity screens."""

from __future__ import annotations

import uuid
from datetime import datetime

from django import template
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def when(moment: datetime | None, empty: str = "never") -> SafeString:
    """ "3 days ago", with the exact time on hover."""
    if moment is None:
        return format_html('<span class="muted">{}</span>', empty)
    local = timezone.localtime(moment)
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        local.isoformat(),
        local.strftime("%Y-%m-%d %H:%M %Z"),
        naturaltime(moment),
    )


@register.simple_tag
def form_key() -> str:
    """A fresh one-time key for an action form."""
    return uuid.uuid4().hex


@register.simple_tag
def poster_src(digest: str | None) -> str:
    """Our cached poster (or the placeholder): never a third party's address."""
    if not digest:
        return static("img/poster-placeholder.svg")
    return reverse("activity:poster", args=[digest])


@register.filter
def get_item(mapping: dict[str, object] | None, key: str) -> object:
    return (mapping or {}).get(key)
