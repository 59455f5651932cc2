from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProfilZaufanyConfig(AppConfig):
    name = "accounts.profil_zaufany"
    label = "profil_zaufany"
    verbose_name = _("Profil Zaufany (login.gov.pl)")
