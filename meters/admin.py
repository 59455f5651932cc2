from django.contrib import admin

from meters.models import Meter, Reading
from portal.admin import ReadOnlyAdminMixin

# Meters and the back-office's readings come with the nightly bundle (read-only here);
# handling tenants' readings in admin belongs to the meters issue.


@admin.register(Meter)
class MeterAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "external_id",
        "unit_id",
        "medium",
        "serial_no",
        "installed_on",
        "legalization_valid_until",
        "withdrawn_at",
    ]
    list_filter = ["medium", ("withdrawn_at", admin.EmptyFieldListFilter)]
    search_fields = ["external_id", "serial_no", "unit__external_id"]


@admin.register(Reading)
class ReadingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["reading_id", "meter_id", "read_on", "value", "source", "status", "submitted_at", "confirmed_at"]
    list_filter = ["status", "source"]
    search_fields = ["reading_id", "meter__external_id", "meter__serial_no"]
    show_full_result_count = False
