"""Staff see online payments (read-only: only the gateway and the import change them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin

from payments.models import Payment
from portal.admin import ReadOnlyAdminMixin

# ModelAdmin is generic in django-stubs only: subscripting it at run time fails.
if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[Payment]
else:
    _ModelAdmin = admin.ModelAdmin


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdminMixin, _ModelAdmin):
    list_display = (
        "created_at",
        "payment_id",
        "unit",
        "invoice_number",
        "amount",
        "fee",
        "state",
        "order_id",
        "paid_at",
        "booked_at",
    )
    list_filter = (
        "state",
        ("unit", admin.RelatedOnlyFieldListFilter),
        ("created_at", admin.DateFieldListFilter),
        ("paid_at", admin.DateFieldListFilter),
    )
    search_fields = ("payment_id", "session_id", "order_id", "unit__external_id", "invoice_number", "user__username")
    list_select_related = ("unit", "unit__building")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Payment._meta.fields]
    autocomplete_fields = ()
    raw_id_fields = ("unit", "invoice", "user")
