from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Lokale i rozliczenia")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from billing.ledger_cache import ledger_written
        from billing.models import Invoice, LedgerEntry

        for model in (LedgerEntry, Invoice):  # what the kept pages show (billing.ledger_cache)
            post_save.connect(ledger_written, sender=model, dispatch_uid=f"billing.kept.{model.__name__}.save")
            post_delete.connect(ledger_written, sender=model, dispatch_uid=f"billing.kept.{model.__name__}.delete")
