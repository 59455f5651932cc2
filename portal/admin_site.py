from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.contrib.admin import ModelAdmin
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminSite

from accounts.forms import AdminLoginForm
from portal import admin_grammar

if TYPE_CHECKING:
    from accounts.models import User


def staff_member(request: HttpRequest) -> User:
    """The staff member behind an admin request: the admin site lets no one else in (an
    anonymous or non-staff user is sent to the login page), so services get a ``User``."""
    return cast("User", request.user)


class PolishAdminMixin(ModelAdmin[Any]):
    """Headings in Polish with the model's name declined (portal.admin_grammar): "Wybierz
    użytkownika do zmiany", "Dodaj fakturę". Django puts ``title`` into the page's context
    before ``extra_context``, so a title passed there wins."""

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        kind = "select_change" if self.has_change_permission(request) else "select_view"
        heading = admin_grammar.title(kind, self.opts)
        if heading and not (extra_context or {}).get("title"):
            extra_context = {**(extra_context or {}), "title": heading}
        return super().changelist_view(request, extra_context)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if object_id is None:
            kind = "add"
        else:
            obj = self.get_object(request, object_id)
            kind = "change" if obj is not None and self.has_change_permission(request, obj) else "view"
        heading = admin_grammar.title(kind, self.opts)
        if heading and not (extra_context or {}).get("title"):
            extra_context = {**(extra_context or {}), "title": heading}
        return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # "Czy chcesz skasować użytkownika …?": the confirmation takes the accusative, and Django
        # lets extra_context replace the nominative it puts there.
        if admin_grammar.polish_active() and admin_grammar.noun(self.opts):
            extra_context = {"object_name": admin_grammar.accusative(self.opts), **(extra_context or {})}
        return super().delete_view(request, object_id, extra_context)


class PortalAdminSite(OTPAdminSite):  # django-otp has no type hints
    """Every admin page requires a user verified by TOTP or a static token (A13)."""

    site_header = _("e-BOK — panel obsługi")
    site_title = _("e-BOK — panel obsługi")
    index_title = _("Administracja")
    login_template = "admin/otp_login.html"
    # The password is checked under the account's lockout lock (issue 3, accounts.lockout).
    login_form = AdminLoginForm

    def register(
        self, model_or_iterable: Any, admin_class: type[ModelAdmin[Any]] | None = None, **options: Any
    ) -> None:
        """Every model admin — the portal's and the third-party ones (auth, axes, django-otp)
        alike — speaks Polish with declined names, without each class having to remember it."""
        admin_class = admin_class or ModelAdmin
        if not issubclass(admin_class, PolishAdminMixin):
            admin_class = type(
                admin_class.__name__, (PolishAdminMixin, admin_class), {"__module__": admin_class.__module__}
            )
        super().register(model_or_iterable, admin_class, **options)
