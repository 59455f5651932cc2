from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.models import AuditEntry, EmailAttachment, EmailMessage, Operator
from portal.services.audit import audit_log
from portal.services.mail import email_resend


class ReadOnlyAdminMixin:
    """For records nobody may write by hand (the audit trail)."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "actor_label", "action", "object_type", "object_repr", "ip_address"]
    list_filter = ["action", "object_type", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["actor_label", "object_repr", "object_id", "ip_address"]
    date_hierarchy = "created_at"
    list_select_related = False
    show_full_result_count = False


class EmailAttachmentInline(admin.TabularInline):
    model = EmailAttachment
    fields = ["filename", "content_type"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(EmailMessage)
class EmailMessageAdmin(admin.ModelAdmin):
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

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=_("do"))
    def recipients(self, obj: EmailMessage) -> str:
        return ", ".join(obj.to)

    @admin.action(description=_("Wyślij ponownie zaznaczone (nieudane) wiadomości"))
    def resend(self, request: HttpRequest, queryset) -> None:
        count = 0
        for message in queryset.exclude(status=EmailMessage.Status.SENT):
            email_resend(message=message)
            audit_log(action="email.resend", request=request, obj=message)
            count += 1
        self.message_user(
            request,
            ngettext("Ponownie wysyłana: %(n)d wiadomość.", "Ponownie wysyłane: %(n)d wiadomości.", count)
            % {"n": count},
            messages.SUCCESS,
        )


@admin.register(Operator)
class OperatorAdmin(admin.ModelAdmin):
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

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        audit_log(action="operator.change" if change else "operator.create", request=request, obj=obj)
