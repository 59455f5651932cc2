from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Konta i dostęp")

    def ready(self) -> None:
        from accounts import signals  # noqa: F401 - connects the audit receivers
        from accounts.models import TermsVersion
        from accounts.selectors import CURRENT_TERMS_ID

        # Which terms version is current is kept by each process for a while (portal.memo).
        CURRENT_TERMS_ID.clear_when_changed(TermsVersion, uid="accounts.terms")
