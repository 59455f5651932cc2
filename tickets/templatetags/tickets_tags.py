"""Template tags of the tickets app (the dashboard's announcements panel)."""

from typing import Any

from django import template
from django.template import Context

from tickets.selectors import announcements_for_user

register = template.Library()


@register.inclusion_tag("tickets/_announcements_panel.html", takes_context=True)
def current_announcements(context: Context) -> dict[str, Any]:
    """Current announcements addressed to the logged-in user (everyone's and their buildings')."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"announcements": []}
    return {"announcements": announcements_for_user(user, limit=10)}
