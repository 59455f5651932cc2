from django.contrib import admin

from billing.models import Building, Person, Title, Unit


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ["street", "building_no", "postal_code", "city"]
    search_fields = ["street", "building_no", "city"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["external_id", "__str__", "kind", "area_m2", "occupants"]
    list_filter = ["kind", "building"]
    search_fields = ["external_id", "unit_no", "building__street", "building__city"]
    list_select_related = ["building"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["external_id", "last_name", "first_name", "company_name", "email"]
    search_fields = ["external_id", "last_name", "first_name", "company_name", "pesel", "email"]


@admin.register(Title)
class TitleAdmin(admin.ModelAdmin):
    list_display = ["external_id", "unit", "person", "kind", "valid_from", "valid_to"]
    list_filter = ["kind"]
    search_fields = ["external_id", "person__last_name", "unit__external_id"]
    list_select_related = ["unit__building", "person"]
    raw_id_fields = ["unit", "person"]
