from django import template
from django.template import Context

from accounts.models import TermsVersion
from accounts.selectors import LoginInfo, login_info

register = template.Library()


@register.simple_tag(takes_context=True)
def account_login_info(context: Context) -> LoginInfo | None:
    """{% account_login_info as info %}: the previous login and failed attempts since (dashboard)."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return None
    return login_info(user)


@register.simple_tag
def current_terms() -> TermsVersion | None:
    """{% current_terms as terms %}: the regulations in force (None before any is published)."""
    return TermsVersion.current()
