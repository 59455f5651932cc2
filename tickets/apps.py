from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Zgłoszenia i ogłoszenia")

    def ready(self) -> None:
        # The app's records in the user's personal-data download (accounts.services.personal_data).
        from accounts.services.personal_data import personal_data_part_register
        from tickets.personal_data import PART

        personal_data_part_register(self.label, PART)
