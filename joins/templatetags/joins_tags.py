from django import template

register = template.Library()


@register.simple_tag
def join_requests_waiting() -> int:
    """How many join requests wait for an admin (the top bar's count)."""
    from joins.services import waiting_count

    return waiting_count()
