from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import UnitGrant, User


class UnitGrantInline(admin.TabularInline):
    model = UnitGrant
    extra = 0
    autocomplete_fields = ["unit"]
    fields = ["unit", "since", "until", "source"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "is_staff", "is_active", "blocked_at"]
    list_filter = ["is_staff", "is_active", "must_change_password"]
    search_fields = ["username", "email", "first_name", "last_name"]
    inlines = [UnitGrantInline]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (
            _("e-BOK"),
            {
                "fields": [
                    "phone",
                    "person",
                    "must_change_password",
                    "blocked_at",
                    "blocked_reason",
                    "closed_at",
                    "consent_e_invoice",
                    "consent_e_correspondence",
                    "consent_newsletter",
                    "notify_announcements",
                    "notify_reading_reminders",
                ]
            },
        ),
    )
    raw_id_fields = ["person"]
