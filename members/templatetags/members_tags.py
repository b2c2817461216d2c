from django import template

register = template.Library()


@register.simple_tag
def member_requests_waiting() -> int:
    """How many members' requests wait for an admin (the top bar's count)."""
    from members.services import pending_count

    return pending_count()
