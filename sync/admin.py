from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from portal.admin import ReadOnlyAdminMixin
from sync.models import ConsentChange, ImportProblem, ImportRun, OutboundBundle


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg] # django-stubs: generic in the stubs only
    list_display = ["started_at", "status", "export_id", "kind", "sequence", "as_of", "problem_count", "seconds"]
    list_filter = ["status", "kind", "trigger"]
    search_fields = ["export_id", "bundle", "source"]
    date_hierarchy = "started_at"
    show_full_result_count = False
    fields = readonly_fields = (
        "status",
        "message",
        "problems_link",
        "export_id",
        "source",
        "sequence",
        "kind",
        "as_of",
        "trigger",
        "bundle",
        "archived_to",
        "started_at",
        "finished_at",
        "counts_table",
        "timings_table",
    )

    @admin.display(description=_("czas (s)"))
    def seconds(self, obj: ImportRun) -> str:
        return f"{obj.duration:.1f}" if obj.duration is not None else "—"

    @admin.display(description=_("problemy"))
    def problems_link(self, obj: ImportRun) -> str:
        if not obj.problem_count:
            return "—"
        url = reverse("admin:sync_importproblem_changelist") + f"?run__id__exact={obj.pk}"
        return format_html('<a href="{}">{} — {}</a>', url, obj.problem_count, _("pokaż wszystkie (stronami)"))

    @admin.display(description=_("liczby wierszy w plikach"))
    def counts_table(self, obj: ImportRun) -> str:
        files = {k: v for k, v in (obj.counts or {}).items() if isinstance(v, dict)}
        if not files:
            return "—"
        keys = ["rows", "inserted", "updated", "removed", "withdrawn", "confirmed"]
        head = format_html_join("", "<th>{}</th>", ((k,) for k in ["plik", *keys]))
        body = format_html_join(
            "",
            "<tr><td>{}</td>{}</tr>",
            (
                (stem, format_html_join("", "<td>{}</td>", ((counts.get(k, ""),) for k in keys)))
                for stem, counts in files.items()
            ),
        )
        return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body)

    @admin.display(description=_("czasy etapów (s)"))
    def timings_table(self, obj: ImportRun) -> str:
        return format_html_join(", ", "{}: {}", sorted((obj.timings or {}).items())) or "—"


@admin.register(ImportProblem)
class ImportProblemAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg] # django-stubs: generic in the stubs only
    list_display = ["position", "file", "line", "column", "value", "reason"]
    list_filter = ["code", "file"]
    search_fields = ["value", "reason"]
    list_per_page = 100
    show_full_result_count = False
    list_select_related = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[ImportProblem]:
        return super().get_queryset(request).order_by("run", "position")


@admin.register(OutboundBundle)
class OutboundBundleAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg] # django-stubs: generic in the stubs only
    list_display = ["export_id", "created_at", "readings", "consents", "picked_up_at", "path"]


@admin.register(ConsentChange)
class ConsentChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg] # django-stubs: generic in the stubs only
    list_display = [
        "person_external_id",
        "e_invoice",
        "e_correspondence",
        "changed_at",
        "first_sent_in",
        "confirmed_at",
    ]
    list_filter = [("confirmed_at", admin.EmptyFieldListFilter)]
    search_fields = ["person_external_id"]
    raw_id_fields = ["user"]
