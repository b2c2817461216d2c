"""Small display helpers of the sharing console templates."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.utils import timezone
from django.utils.html import format_html

from sharing.operations.executor import kind_label
from sharing.restriction_profiles import profile_label

register = template.Library()


@register.filter
def operation_label(kind: str) -> str:
    return kind_label(kind)


@register.filter
def restriction_profile(value: str | None) -> str:
    """plex.tv's restriction profile value in the words every screen uses."""
    return profile_label(value)


@register.simple_tag
def ago(moment: datetime | None) -> str:
    """ "3 days ago", with the exact time on hover."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        local.isoformat(),
        local.strftime("%Y-%m-%d %H:%M:%S %Z"),
        naturaltime(moment),
    )
