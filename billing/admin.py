from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from billing.models import Building, Document, Invoice, InvoiceLine, LedgerEntry, Person, Title, Unit
from portal.admin import ReadOnlyAdminMixin


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin[Building]):
    list_display = ["street", "building_no", "postal_code", "city"]
    search_fields = ["street", "building_no", "city"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin[Unit]):
    list_display = ["external_id", "__str__", "kind", "area_m2", "occupants", "withdrawn_at"]
    list_filter = ["kind", ("withdrawn_at", admin.EmptyFieldListFilter), "building"]
    search_fields = ["external_id", "unit_no", "building__street", "building__city"]
    list_select_related = ["building"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin[Person]):
    list_display = ["external_id", "last_name", "first_name", "company_name", "email"]
    search_fields = ["external_id", "last_name", "first_name", "company_name", "pesel", "email"]


@admin.register(Title)
class TitleAdmin(admin.ModelAdmin[Title]):
    list_display = ["external_id", "unit", "person", "kind", "valid_from", "valid_to"]
    list_filter = ["kind"]
    search_fields = ["external_id", "person__last_name", "unit__external_id"]
    list_select_related = ["unit__building", "person"]
    raw_id_fields = ["unit", "person"]


# The ledger, invoices and documents come from the back-office every night: staff read them here;
# a hand edit would be overwritten by the next import, so there is none.


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[LedgerEntry]):
    list_display = ["external_id", "unit_id", "booked_on", "kind", "component", "amount", "due_on"]
    list_filter = ["kind", ("booked_on", admin.DateFieldListFilter)]
    search_fields = ["external_id", "unit__external_id", "description"]
    date_hierarchy = "booked_on"
    show_full_result_count = False


class InvoiceLineInline(admin.TabularInline[InvoiceLine, Invoice]):
    model = InvoiceLine
    # Shown, never edited: a tuple, so the same names serve as both settings.
    fields = readonly_fields = (
        "line_no",
        "name",
        "quantity",
        "measure_unit",
        "unit_net_price",
        "vat_rate",
        "net",
        "vat",
        "gross",
    )
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[Invoice]):
    list_display = ["number", "unit_id", "buyer", "issued_on", "due_on", "gross", "ksef_number"]
    list_filter = [("issued_on", admin.DateFieldListFilter)]
    search_fields = ["number", "external_id", "unit__external_id", "buyer__last_name", "ksef_number"]
    inlines = [InvoiceLineInline]
    list_select_related = ["buyer"]


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[Document]):
    list_display = ["title", "person", "unit_id", "issued_on", "size"]
    search_fields = ["title", "external_id", "person__last_name"]
    list_select_related = ["person"]
