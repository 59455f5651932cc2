from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        import warnings

        from django.conf import settings
        from django.db.models.signals import post_migrate
        from django.urls import register_converter
        from PIL import Image

        from portal.converters import IdConverter
        from portal.models import CURRENT_OPERATOR, Operator
        from portal.permissions import permissions_in_polish

        # The operator is kept by each process for a while (portal.memo); a change made here counts at once.
        CURRENT_OPERATOR.clear_when_changed(Operator, uid="portal.operator")
        # Permission names in Polish, renamed after django.contrib.auth creates them (issue 14 item 14).
        post_migrate.connect(permissions_in_polish, dispatch_uid="portal.permissions_in_polish")
        # <id:…> in every urls.py: ids bounded to bigint (portal/converters.py). Registered before
        # any URLconf is imported, which is when the patterns are compiled.
        register_converter(IdConverter, "id")
        # Uploaded images (portal.files): Pillow refuses an image of more pixels than the limit
        # instead of only warning (it refuses at twice the limit otherwise), wherever it opens one.
        Image.MAX_IMAGE_PIXELS = settings.IMAGE_MAX_PIXELS
        warnings.simplefilter("error", Image.DecompressionBombWarning)


class PortalAdminConfig(AdminConfig):
    """Django admin behind django-otp: staff need a confirmed second factor."""

    default_site = "portal.admin_site.PortalAdminSite"
