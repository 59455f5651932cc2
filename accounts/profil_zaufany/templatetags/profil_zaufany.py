from django import template

from accounts.profil_zaufany.conf import is_enabled

register = template.Library()


@register.simple_tag
def pz_enabled() -> bool:
    """Whether the login page offers Profil Zaufany (PZ_ENVIRONMENT is not "off")."""
    return is_enabled()
