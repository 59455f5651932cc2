from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_stubs_ext import StrOrPromise

from portal.admin_site import staff_member
from portal.formats import format_date
from portal.models import AuditEntry, EmailAttachment, EmailMessage, Operator
from portal.services.audit_display import (
    audit_action_label,
    audit_details_lines,
    audit_object_label,
    audit_object_type_label,
    audit_object_url,
)
from portal.services.mail import email_resend
from portal.services.operator import operator_save


class ReadOnlyAdminMixin:
    """For records nobody may write by hand (the audit trail)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OneChoiceFilter(admin.SimpleListFilter):
    """A list filter of one choice (``choice``: its value in the URL and its label) that narrows
    the list to the rows ``narrow`` keeps; any other value leaves the list whole."""

    choice: tuple[str, StrOrPromise]

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[Any, StrOrPromise]]:
        return [self.choice]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return self.narrow(queryset) if self.value() == self.choice[0] else queryset

    def narrow(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        raise NotImplementedError


class AuditActionFilter(admin.SimpleListFilter):
    """The actions that occur, named in Polish (the stored value stays the machine name)."""

    title = _("czynność")
    parameter_name = "action"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[Any, StrOrPromise]]:
        actions = AuditEntry.objects.order_by().values_list("action", flat=True).distinct()
        return sorted(((action, audit_action_label(action)) for action in actions), key=lambda pair: pair[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(action=self.value()) if self.value() else queryset


class AuditObjectTypeFilter(admin.SimpleListFilter):
    title = _("rodzaj obiektu")
    parameter_name = "object_type"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[Any, StrOrPromise]]:
        types = AuditEntry.objects.exclude(object_type="").order_by().values_list("object_type", flat=True).distinct()
        return sorted(((value, audit_object_type_label(value)) for value in types), key=lambda pair: pair[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(object_type=self.value()) if self.value() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[AuditEntry]):
    """Read in words: Polish action names, the object by kind and name, details as lines,
    every time in the portal's time zone (issue 14 item 15)."""

    list_display = ["when", "actor_label", "action_label", "object_label", "ip_address"]
    list_filter = [AuditActionFilter, AuditObjectTypeFilter, ("created_at", admin.DateFieldListFilter)]
    search_fields = ["actor_label", "object_repr", "object_id", "ip_address"]
    date_hierarchy = "created_at"
    list_select_related = False
    show_full_result_count = False
    # Shown, never edited: a tuple, so the same names serve as both settings.
    fields = readonly_fields = ("when", "actor_label", "action_label", "object_label", "ip_address", "details_view")

    @admin.display(description=_("kiedy"), ordering="created_at")
    def when(self, obj: AuditEntry) -> str:
        return format_date(obj.created_at, with_time=True)

    @admin.display(description=_("czynność"), ordering="action")
    def action_label(self, obj: AuditEntry) -> str:
        return audit_action_label(obj.action)

    @admin.display(description=_("obiekt"))
    def object_label(self, obj: AuditEntry) -> str:
        return audit_object_label(obj)

    @admin.display(description=_("szczegóły"))
    def details_view(self, obj: AuditEntry) -> str:
        return render_to_string(
            "admin/portal/audit_details.html",
            {"lines": audit_details_lines(obj), "object_url": audit_object_url(obj), "entry": obj},
        )


class EmailAttachmentInline(admin.TabularInline[EmailAttachment, EmailMessage]):
    model = EmailAttachment
    # Shown, never edited: a tuple, so the same names serve as both settings.
    fields = readonly_fields = ("filename", "content_type")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(EmailMessage)
class EmailMessageAdmin(admin.ModelAdmin[EmailMessage]):
    list_display = ["created_at", "recipients", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["subject", "to"]
    readonly_fields = [
        "created_at",
        "to",
        "subject",
        "body_text",
        "body_html",
        "status",
        "attempts",
        "last_error",
        "last_attempt_at",
        "sent_at",
        "dedup_key",
        "user",
    ]
    inlines = [EmailAttachmentInline]
    actions = ["resend"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("do"))
    def recipients(self, obj: EmailMessage) -> str:
        return ", ".join(obj.to)

    @admin.action(description=_("Wyślij ponownie zaznaczone (nieudane) wiadomości"))
    def resend(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        count = 0
        for message in queryset.exclude(status=EmailMessage.Status.SENT):
            count += email_resend(message=message, by=staff_member(request), request=request)
        self.message_user(
            request,
            ngettext("Ponownie wysyłana: %(n)d wiadomość.", "Ponownie wysyłane: %(n)d wiadomości.", count)
            % {"n": count},
            messages.SUCCESS,
        )


@admin.register(Operator)
class OperatorAdmin(admin.ModelAdmin[Operator]):
    list_display = ["name", "nip", "city", "email", "phone"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "short_name",
                    ("street", "postal_code", "city"),
                    "nip",
                    "bank_account",
                    ("email", "phone"),
                    "office_hours",
                    "logo",
                ]
            },
        ),
        (
            _("Deklaracja dostępności"),
            {
                "description": _(
                    "Puste pola zastępują domyślne treści portalu (zob. stronę „Deklaracja dostępności”)."
                ),
                "fields": [
                    ("accessibility_contact_name", "accessibility_contact_email", "accessibility_contact_phone"),
                    ("accessibility_published_on", "accessibility_updated_on"),
                    ("accessibility_prepared_on", "accessibility_reviewed_on"),
                    "accessibility_known_issues",
                    "accessibility_architecture",
                    "accessibility_mobile_apps",
                ],
            },
        ),
    ]

    def save_model(self, request: HttpRequest, obj: Operator, form: forms.ModelForm[Operator], change: bool) -> None:
        operator_save(operator=obj, by=staff_member(request), request=request)
