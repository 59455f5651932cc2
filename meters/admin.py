"""Staff side of meters and readings (issue 6).

Meters and readings come from the back-office: staff look at them here, they do
not edit them (read-only, as the sync made them). The one change staff make is rejecting a tenant's reading that
waits for confirmation (with a reason the tenant is e-mailed), through the
service, which audits it. Meters due for legalization are listed by building.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from billing.models import Building
from meters import services
from meters.formats import format_quantity
from meters.models import Meter, Reading, ReadingSubmission
from meters.selectors import legalization_warning_ends, meters_due_for_legalization
from portal.admin import OneChoiceFilter, ReadOnlyAdminMixin
from portal.admin_site import staff_member
from portal.files import serve_private_file


class BuildingFilter(admin.SimpleListFilter):
    title = _("budynek")
    parameter_name = "budynek"
    path_to_building = "unit__building"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[Any, StrOrPromise]]:
        return [(str(b.pk), str(b)) for b in Building.objects.all()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(**{f"{self.path_to_building}_id": int(value)})
        return queryset


class ReadingBuildingFilter(BuildingFilter):
    path_to_building = "meter__unit__building"


class WaitingFilter(admin.SimpleListFilter):
    """Quick access to what needs staff: tenant readings waiting, and rejected ones."""

    title = _("stan odczytu")
    parameter_name = "stan"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[Any, StrOrPromise]]:
        return list(Reading.Status.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() in Reading.Status.values:
            return queryset.filter(status=self.value())
        return queryset


class ImplausibleFilter(OneChoiceFilter):
    title = _("nietypowe zużycie potwierdzone przez lokatora")
    parameter_name = "nietypowe"
    choice = ("1", _("tak"))

    def narrow(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        ids = ReadingSubmission.objects.filter(implausible_confirmed=True).values("reading_id")
        return queryset.filter(reading_id__in=ids)


class LegalizationFilter(admin.SimpleListFilter):
    title = _("legalizacja")
    parameter_name = "legalizacja"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[Any, StrOrPromise]]:
        return [
            ("due", _("do legalizacji (wygasła lub wkrótce wygasa)")),
            ("expired", _("wygasła")),
            ("expiring", _("wkrótce wygasa")),
            ("unknown", _("brak daty")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        today = timezone.localdate()
        soon = legalization_warning_ends(today)
        value = self.value()
        if value == "due":
            return queryset.filter(legalization_valid_until__lte=soon)
        if value == "expired":
            return queryset.filter(legalization_valid_until__lt=today)
        if value == "expiring":
            return queryset.filter(legalization_valid_until__gte=today, legalization_valid_until__lte=soon)
        if value == "unknown":
            return queryset.filter(legalization_valid_until__isnull=True)
        return queryset


@admin.register(Meter)
class MeterAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[Meter]):
    list_display = [
        "serial_no",
        "external_id",
        "medium",
        "unit",
        "installed_on",
        "removed_on",
        "legalization_valid_until",
        "legalization_badge",
    ]
    list_filter = [LegalizationFilter, "medium", BuildingFilter, ("withdrawn_at", admin.EmptyFieldListFilter)]
    search_fields = ["serial_no", "external_id", "unit__external_id", "unit__building__street"]
    list_select_related = ["unit__building"]
    ordering = ["unit__building", "unit__unit_no", "medium"]
    change_list_template = "admin/meters/meter/change_list.html"

    @admin.display(description=_("legalizacja"))
    def legalization_badge(self, obj: Meter) -> str:
        status = obj.legalization_status(timezone.localdate())
        return {
            "expired": gettext("wygasła"),
            "expiring": gettext("wkrótce wygasa"),
            "valid": gettext("ważna"),
            "unknown": gettext("brak daty"),
        }[status]

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "legalizacja/",
                self.admin_site.admin_view(self.legalization_view),
                name="meters_meter_legalization",
            )
        ]
        return own + super().get_urls()

    def legalization_view(self, request: HttpRequest) -> TemplateResponse:
        """Meters due for legalization, grouped by building (the list a fitter's round is planned from)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        by_building: dict[Building, list[dict[str, Any]]] = defaultdict(list)
        for meter in meters_due_for_legalization(today):
            by_building[meter.unit.building].append({"meter": meter, "status": meter.legalization_status(today)})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Liczniki do legalizacji według budynków"),
            "buildings": [
                {
                    "building": building,
                    "rows": rows,
                    "expired": sum(1 for r in rows if r["status"] == "expired"),
                    "changelist": reverse("admin:meters_meter_changelist") + f"?legalizacja=due&budynek={building.pk}",
                }
                for building, rows in by_building.items()
            ],
            "warning_days": settings.METERS_LEGALIZATION_WARNING_DAYS,
            "today": today,
        }
        return TemplateResponse(request, "admin/meters/meter/legalization.html", context)


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Powód odrzucenia"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        max_length=2000,
        help_text=_("Lokator otrzyma go e-mailem, np. „Stan niższy niż odczyt inkasenta z 15.11.”."),
    )


@admin.register(Reading)
class ReadingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[Reading]):
    list_display = [
        "reading_id",
        "meter",
        "unit",
        "read_on",
        "value",
        "source",
        "status",
        "submitted_by",
        "submitted_at",
        "confirmed_at",
    ]
    list_filter = ["source", WaitingFilter, ReadingBuildingFilter, ImplausibleFilter]
    search_fields = ["reading_id", "meter__serial_no", "meter__external_id", "meter__unit__external_id"]
    list_select_related = ["meter__unit__building", "submitted_by"]
    show_full_result_count = False  # millions of readings: no second COUNT(*) per page
    actions = ["reject_selected"]
    readonly_fields = ["submission", "reject_link"]

    @admin.display(description=_("lokal"))
    def unit(self, obj: Reading) -> str:
        return str(obj.meter.unit)

    @admin.display(description=_("zgłoszenie lokatora"))
    def submission(self, obj: Reading) -> str:
        submission = ReadingSubmission.objects.filter(reading_id=obj.reading_id).first()
        if submission is None:
            return "—"
        parts = []
        if submission.implausible_confirmed:
            parts.append(
                format_html(
                    "<strong>{}</strong> ({})",
                    gettext("Lokator potwierdził nietypowe zużycie"),
                    gettext("%(per_day)s dziennie wobec średnio %(average)s")
                    % {
                        "per_day": format_quantity(submission.consumption_per_day)
                        if submission.consumption_per_day is not None
                        else "—",
                        "average": format_quantity(submission.average_per_day),
                    },
                )
            )
        if submission.photo:
            parts.append(
                format_html(
                    '<a href="{}">{}</a>',
                    reverse("admin:meters_reading_photo", args=[obj.pk]),
                    gettext("zdjęcie licznika: %(name)s") % {"name": submission.photo_name or submission.reading_id},
                )
            )
        return format_html("<br>".join(["{}"] * len(parts)), *parts) if parts else gettext("bez zdjęcia")

    @admin.display(description=_("odrzucenie"))
    def reject_link(self, obj: Reading) -> str:
        if obj.status != Reading.Status.WAITING:
            return "—"
        return format_html(
            '<a class="button" href="{}">{}</a>',
            reverse("admin:meters_reading_reject") + f"?ids={obj.pk}",
            gettext("Odrzuć odczyt"),
        )

    def get_urls(self) -> list[URLPattern]:
        own = [
            path("odrzuc/", self.admin_site.admin_view(self.reject_view), name="meters_reading_reject"),
            path("<id:pk>/zdjecie/", self.admin_site.admin_view(self.photo_view), name="meters_reading_photo"),
        ]
        return own + super().get_urls()

    @admin.action(description=_("Odrzuć zaznaczone odczyty lokatorów (z powodem)"))
    def reject_selected(self, request: HttpRequest, queryset: QuerySet[Reading]) -> HttpResponseRedirect:
        ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True))
        return HttpResponseRedirect(reverse("admin:meters_reading_reject") + f"?ids={ids}")

    def reject_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request) or not request.user.has_perm("meters.change_reading"):
            raise PermissionDenied
        raw = request.GET.get("ids", "")
        ids = [int(x) for x in raw.split(",") if x.strip().isdigit()]
        readings = list(Reading.objects.filter(pk__in=ids).select_related("meter__unit__building", "submitted_by"))
        waiting = [r for r in readings if r.is_rejectable]
        skipped = [r for r in readings if r not in waiting]
        form = RejectForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and waiting and form.is_valid():
            rejected = 0
            for reading in waiting:
                try:
                    services.reading_reject(
                        reading=reading, by=staff_member(request), reason=form.cleaned_data["reason"], request=request
                    )
                except ValidationError as exc:
                    self.message_user(request, "; ".join(exc.messages), messages.WARNING)
                else:
                    rejected += 1
            self.message_user(
                request,
                gettext("Odrzucone odczyty: %(n)s. Lokatorzy otrzymają e-mail z powodem.") % {"n": rejected},
            )
            return HttpResponseRedirect(reverse("admin:meters_reading_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Odrzuć odczyty lokatorów"),
            "waiting": waiting,
            "skipped": skipped,
            "form": form,
        }
        return TemplateResponse(request, "admin/meters/reading/reject.html", context)

    def photo_view(self, request: HttpRequest, pk: int) -> FileResponse:
        reading = get_object_or_404(Reading, pk=pk)
        if not self.has_view_permission(request, reading):
            raise PermissionDenied
        submission = get_object_or_404(ReadingSubmission.objects.exclude(photo=""), reading_id=reading.reading_id)
        return serve_private_file(
            submission.photo,
            filename=submission.photo_download_name,
            content_type=submission.photo_content_type,
        )
