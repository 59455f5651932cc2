from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminSite

from accounts.forms import AdminLoginForm


class PortalAdminSite(OTPAdminSite):
    """Every admin page requires a user verified by TOTP or a static token (A13)."""

    site_header = _("e-BOK — panel obsługi")
    site_title = _("e-BOK — panel obsługi")
    index_title = _("Administracja")
    login_template = "admin/otp_login.html"
    # The password is checked under the account's lockout lock (issue 3, accounts.lockout).
    login_form = AdminLoginForm
