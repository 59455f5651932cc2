from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MetersConfig(AppConfig):
    name = "meters"
    verbose_name = _("Liczniki i odczyty")

    def ready(self) -> None:
        # The app's records in the user's personal-data download (accounts.services.personal_data).
        from accounts.services.personal_data import personal_data_part_register
        from meters.personal_data import PART

        personal_data_part_register(self.label, PART)
