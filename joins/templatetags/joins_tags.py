from django import template

register = template.Library()


@register.inclusion_tag("joins/_joined_via.html")
def joined_via(plex_id: int) -> dict[str, object]:
    """How a person joined: the invite links they used, who made them, and until when."""
    from joins.models import Redemption

    used = (
        Redemption.objects.filter(plex_id=plex_id)
        .exclude(state=Redemption.DENIED)
        .select_related("link", "link__created_by")
        .order_by("created_at")
    )
    return {"redemptions": list(used)}
