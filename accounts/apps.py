from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Konta i dostęp")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from accounts import signals  # noqa: F401 - connects the audit receivers
        from accounts.models import TermsVersion
        from accounts.selectors import CURRENT_TERMS_ID

        # Which terms version is current is kept by each process for a while (portal.memo).
        post_save.connect(CURRENT_TERMS_ID.clear, sender=TermsVersion, dispatch_uid="accounts.terms.save")
        post_delete.connect(CURRENT_TERMS_ID.clear, sender=TermsVersion, dispatch_uid="accounts.terms.delete")
