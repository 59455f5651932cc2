"""Staff side of tickets (D4), announcements, forms to download and newsletters (D5).

Admin runs on the OTP admin site, so every page here needs a confirmed second factor.
Changes go through the services, which audit them and e-mail the reporter.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.http import FileResponse, HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import linebreaks_filter
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import User
from billing.models import Building
from portal import files
from portal.files import serve_attachment
from portal.formats import format_date
from portal.services.audit import audit_log
from portal.workdays import working_days_between
from tickets import services
from tickets.models import Announcement, DownloadForm, Newsletter, Ticket, TicketAttachment, TicketMessage

# --- the queue's filters ------------------------------------------------------------------------


def earliest_created_with_age_at_most(days: int, today: dt.date) -> dt.date:
    """The earliest creation date whose age in working days is at most ``days`` today."""
    day = today
    while working_days_between(day - dt.timedelta(days=1), today) <= days:
        day -= dt.timedelta(days=1)
    return day


class AgeFilter(admin.SimpleListFilter):
    title = _("wiek (dni robocze)")
    parameter_name = "wiek"
    BUCKETS = {"0-2": (0, 2), "3-5": (3, 5), "6-10": (6, 10), "11+": (11, None)}

    def lookups(self, request, model_admin):
        return [
            ("0-2", _("do 2 dni roboczych")),
            ("3-5", _("3–5 dni roboczych")),
            ("6-10", _("6–10 dni roboczych")),
            ("11+", _("ponad 10 dni roboczych")),
        ]

    def queryset(self, request, queryset):
        bucket = self.BUCKETS.get(self.value() or "")
        if bucket is None:
            return queryset
        low, high = bucket
        today = timezone.localdate()
        if high is not None:
            queryset = queryset.filter(created_at__date__gte=earliest_created_with_age_at_most(high, today))
        if low > 0:
            queryset = queryset.filter(created_at__date__lt=earliest_created_with_age_at_most(low - 1, today))
        return queryset


class BuildingFilter(admin.SimpleListFilter):
    title = _("budynek")
    parameter_name = "budynek"

    def lookups(self, request, model_admin):
        buildings = Building.objects.filter(units__tickets__isnull=False).distinct()
        return [("brak", _("bez lokalu (np. awaria bez konta)")), *[(str(b.pk), str(b)) for b in buildings]]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "brak":
            return queryset.filter(unit__isnull=True)
        if value and value.isdigit():
            return queryset.filter(unit__building_id=int(value))
        return queryset


class AssigneeFilter(admin.SimpleListFilter):
    title = _("przypisane do")
    parameter_name = "przypisane"

    def lookups(self, request, model_admin):
        staff = User.objects.filter(is_staff=True, is_active=True).order_by("last_name", "username")
        return [
            ("moje", _("do mnie")),
            ("brak", _("nieprzypisane")),
            *[(str(user.pk), user.get_full_name() or user.username) for user in staff],
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "moje":
            return queryset.filter(assignee=request.user)
        if value == "brak":
            return queryset.filter(assignee__isnull=True)
        if value and value.isdigit():
            return queryset.filter(assignee_id=int(value))
        return queryset


class NewReplyFilter(admin.SimpleListFilter):
    title = _("odpowiedź zgłaszającego")
    parameter_name = "odpowiedz"

    def lookups(self, request, model_admin):
        return [("nowa", _("czeka na obsługę"))]

    def queryset(self, request, queryset):
        if self.value() == "nowa":
            return queryset.filter(status__in=Ticket.OPEN_STATUSES, reporter_replied_at__isnull=False).filter(
                Q(staff_answered_at__isnull=True) | Q(reporter_replied_at__gt=F("staff_answered_at"))
            )
        return queryset


# --- tickets ------------------------------------------------------------------------------------


class TicketStaffForm(forms.ModelForm):
    new_status = forms.ChoiceField(label=_("Zmień status na"), required=False)
    public_answer = forms.CharField(
        label=_("Odpowiedź dla zgłaszającego"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5, "cols": 80}),
        help_text=_("Zgłaszający zobaczy ją na stronie statusu i dostanie e-mailem."),
    )
    internal_note = forms.CharField(
        label=_("Notatka wewnętrzna"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text=_("Widoczna tylko dla obsługi; nigdy nie trafia do zgłaszającego."),
    )

    class Meta:
        model = Ticket
        fields = ["assignee"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        ticket = self.instance
        choices = [("", _("— bez zmiany (teraz: %(status)s) —") % {"status": ticket.get_status_display()})]
        choices += [(status, Ticket.Status(status).label) for status in Ticket.TRANSITIONS.get(ticket.status, ())]
        self.fields["new_status"].choices = choices
        self.fields["assignee"].queryset = User.objects.filter(is_staff=True, is_active=True).order_by("username")

    def clean_new_status(self) -> str:
        status = self.cleaned_data["new_status"]
        if status and not self.instance.can_move_to(status):
            raise ValidationError(_("Tej zmiany statusu nie można wykonać."))
        return status


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    form = TicketStaffForm
    list_display = [
        "number",
        "kind",
        "status",
        "subject",
        "building",
        "reporter_column",
        "assignee",
        "created_at",
        "age_column",
        "due_column",
        "reply_column",
    ]
    list_filter = [
        "kind",
        "status",
        BuildingFilter,
        AssigneeFilter,
        AgeFilter,
        NewReplyFilter,
    ]
    search_fields = [
        "number",
        "subject",
        "reporter__username",
        "reporter__last_name",
        "reporter__email",
        "reporter_name",
        "reporter_email",
        "reporter_phone",
        "location",
    ]
    list_select_related = ["unit__building", "reporter", "assignee"]
    list_per_page = 50
    show_full_result_count = False
    actions = ["assign_to_me"]
    readonly_fields = [
        "number",
        "kind",
        "status",
        "created_at",
        "age_column",
        "due_column",
        "reporter_details",
        "unit",
        "location",
        "event_date_details",
        "subject",
        "description",
        "attachments_list",
        "conversation",
        "history",
    ]
    fieldsets = [
        (
            _("Zgłoszenie"),
            {
                "fields": [
                    ("number", "kind", "status"),
                    ("created_at", "age_column", "due_column"),
                    "reporter_details",
                    ("unit", "location"),
                    "event_date_details",
                    "subject",
                    "description",
                    "attachments_list",
                ]
            },
        ),
        (_("Przebieg"), {"fields": ["conversation", "history"]}),
        (_("Obsługa"), {"fields": ["assignee", "new_status", "public_answer", "internal_note"]}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("unit__building", "reporter", "assignee")

    # list columns

    @admin.display(description=_("budynek"), ordering="unit__building")
    def building(self, obj: Ticket):
        return obj.unit.building if obj.unit_id else (obj.location or "—")

    @admin.display(description=_("zgłaszający"))
    def reporter_column(self, obj: Ticket) -> str:
        return obj.reporter_label if obj.reporter_id else f"{obj.reporter_name} ({_('bez konta')})"

    @admin.display(description=_("termin ustawowy"), ordering="due_on")
    def due_column(self, obj: Ticket) -> str:
        """The statutory deadline (an accessibility request: 7 days) and how far it is."""
        if obj.due_on is None:
            return "—"
        days = (obj.due_on - timezone.localdate()).days
        if not obj.is_open:
            return format_date(obj.due_on)
        if days < 0:
            return _("%(date)s — przekroczony o %(days)s dni") % {"date": format_date(obj.due_on), "days": -days}
        return _("%(date)s — zostało dni: %(days)s") % {"date": format_date(obj.due_on), "days": days}

    @admin.display(description=_("wiek (dni rob.)"))
    def age_column(self, obj: Ticket) -> int:
        return obj.age_in_working_days()

    @admin.display(description=_("nowa odpowiedź"), boolean=True)
    def reply_column(self, obj: Ticket) -> bool:
        return bool(
            obj.is_open
            and obj.reporter_replied_at
            and (obj.staff_answered_at is None or obj.reporter_replied_at > obj.staff_answered_at)
        )

    # change form

    @admin.display(description=_("zgłaszający"))
    def reporter_details(self, obj: Ticket):
        if obj.reporter_id:
            user = obj.reporter
            return format_html(
                '<a href="{}">{}</a> — {} {}',
                reverse("admin:accounts_user_change", args=[user.pk]),
                user.get_username(),
                obj.reporter_label,
                user.email or "",
            )
        return format_html("{} ({}) — {} {}", obj.reporter_name, _("bez konta"), obj.reporter_phone, obj.reporter_email)

    @admin.display(description=_("data zdarzenia"))
    def event_date_details(self, obj: Ticket) -> str:
        if obj.event_date is None:
            return "—"
        if obj.kind == Ticket.Kind.COMPLAINT:
            return _("%(event)s (termin na reklamację: %(deadline)s)") % {
                "event": format_date(obj.event_date),
                "deadline": format_date(Ticket.complaint_deadline(obj.event_date)),
            }
        return format_date(obj.event_date)

    @admin.display(description=_("załączniki"))
    def attachments_list(self, obj: Ticket):
        attachments = list(obj.attachments.all())
        if not attachments:
            return "—"
        return format_html_join(
            "",
            '<p><a href="{}">{}</a> ({}, {} B)</p>',
            (
                (
                    reverse("admin:tickets_ticket_attachment", args=[obj.pk, a.pk]),
                    a.original_name,
                    a.get_content_type_display(),
                    a.size,
                )
                for a in attachments
            ),
        )

    @admin.display(description=_("rozmowa i notatki"))
    def conversation(self, obj: Ticket):
        entries = list(obj.messages.select_related("author"))
        if not entries:
            return "—"
        return format_html_join(
            "",
            '<div class="ticket-entry ticket-entry-{}"><p><strong>{}</strong> — {} — {}</p>{}</div>',
            (
                (
                    entry.kind,
                    entry.get_kind_display(),
                    entry.author.get_username() if entry.author else obj.reporter_label,
                    format_date(entry.created_at, with_time=True),
                    # The template filter escapes the text and marks its own <p>/<br> safe;
                    # django.utils.html.linebreaks returns a plain str that format_html would escape again.
                    linebreaks_filter(entry.body, autoescape=True),
                )
                for entry in entries
            ),
        )

    @admin.display(description=_("historia statusu"))
    def history(self, obj: Ticket):
        changes = list(obj.status_changes.select_related("changed_by"))
        if not changes:
            return "—"
        return format_html_join(
            "",
            "<p>{}: {} → {} ({})</p>",
            (
                (
                    format_date(change.changed_at, with_time=True),
                    change.get_from_status_display(),
                    change.get_to_status_display(),
                    change.changed_by.get_username() if change.changed_by else "—",
                )
                for change in changes
            ),
        )

    def save_model(self, request: HttpRequest, obj: Ticket, form: TicketStaffForm, change: bool) -> None:
        data = form.cleaned_data
        try:
            services.ticket_staff_update(
                ticket=obj,
                by=request.user,
                status=data.get("new_status") or None,
                answer=data.get("public_answer", ""),
                note=data.get("internal_note", ""),
                assignee=data.get("assignee"),
                request=request,
            )
        except ValidationError as exc:
            # Someone else changed the ticket in between; nothing was saved.
            self.message_user(request, " ".join(exc.messages), messages.ERROR)

    @admin.action(description=_("Przypisz zaznaczone zgłoszenia do mnie"))
    def assign_to_me(self, request: HttpRequest, queryset) -> None:
        count = 0
        for ticket in queryset:
            services.ticket_staff_update(ticket=ticket, by=request.user, assignee=request.user, request=request)
            count += 1
        self.message_user(
            request,
            ngettext("Przypisano %(n)d zgłoszenie.", "Przypisano %(n)d zgłoszeń.", count) % {"n": count},
            messages.SUCCESS,
        )

    # attachments, served only here (staff with a second factor) and to the reporter

    def get_urls(self):
        return [
            path(
                "<id:ticket_id>/zalaczniki/<id:attachment_id>/",
                self.admin_site.admin_view(self.attachment_view),
                name="tickets_ticket_attachment",
            ),
            *super().get_urls(),
        ]

    def attachment_view(self, request: HttpRequest, ticket_id: int, attachment_id: int) -> FileResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        attachment = get_object_or_404(TicketAttachment, pk=attachment_id, ticket_id=ticket_id)
        audit_log(
            action="ticket.attachment_view",
            request=request,
            obj=attachment.ticket,
            details={"attachment": attachment.pk},
        )
        return serve_attachment(attachment)


@admin.register(TicketMessage)
class TicketMessageAdmin(admin.ModelAdmin):
    """Read-only search over answers, replies and notes (kept with their ticket)."""

    list_display = ["ticket", "kind", "author", "created_at"]
    list_filter = ["kind"]
    search_fields = ["ticket__number", "body"]
    list_select_related = ["ticket", "author"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


# --- announcements ----------------------------------------------------------------------------------


class AnnouncementForm(forms.ModelForm):
    class Meta:
        model = Announcement
        fields = ["title", "body", "valid_from", "valid_until", "for_all", "buildings"]

    def clean(self):
        data = super().clean()
        valid_from, valid_until = data.get("valid_from"), data.get("valid_until")
        if valid_from and valid_until and valid_until <= valid_from:
            self.add_error("valid_until", _("Koniec ważności musi być późniejszy niż jej początek."))
        if not data.get("for_all") and not data.get("buildings"):
            self.add_error("buildings", _("Wskaż budynki albo zaznacz „dla wszystkich”."))
        if data.get("for_all") and data.get("buildings"):
            self.add_error(
                "buildings",
                _("Ogłoszenie „dla wszystkich” nie wskazuje budynków: usuń je albo odznacz „dla wszystkich”."),
            )
        return data


@admin.register(Announcement)
class AnnouncementAdmin(admin.ModelAdmin):
    form = AnnouncementForm
    list_display = ["title", "valid_from", "valid_until", "for_all", "is_current_column", "emailed_at"]
    list_filter = ["for_all", ("valid_from", admin.DateFieldListFilter)]
    search_fields = ["title", "body"]
    autocomplete_fields = ["buildings"]
    readonly_fields = ["created_by", "created_at", "emailed_at"]

    @admin.display(description=_("aktualne"), boolean=True)
    def is_current_column(self, obj: Announcement) -> bool:
        return obj.is_current()

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        services.announcement_saved(announcement=form.instance, by=request.user, created=not change, request=request)

    def delete_model(self, request, obj) -> None:
        audit_log(action="announcement.delete", request=request, obj=obj, details={"title": obj.title})
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        for announcement in queryset:
            self.delete_model(request, announcement)


# --- forms to download --------------------------------------------------------------------------------


class DownloadFormForm(forms.ModelForm):
    class Meta:
        model = DownloadForm
        fields = ["title", "description", "file", "is_published", "position"]

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is not None and hasattr(upload, "content_type"):  # a new upload, not the stored file
            files.detect_content_type(upload, (files.PDF,))
        return upload


@admin.register(DownloadForm)
class DownloadFormAdmin(admin.ModelAdmin):
    form = DownloadFormForm
    list_display = ["title", "is_published", "position", "size", "updated_at"]
    list_editable = ["is_published", "position"]
    search_fields = ["title", "description"]

    def save_model(self, request, obj, form, change) -> None:
        replaced = None
        if "file" in form.changed_data and obj.file:
            obj.size = obj.file.size
            if change:
                replaced = DownloadForm.objects.filter(pk=obj.pk).values_list("file", flat=True).first()
        super().save_model(request, obj, form, change)
        audit_log(
            action="download_form.change" if change else "download_form.upload",
            request=request,
            obj=obj,
            details={"changed": form.changed_data},
        )
        if replaced and replaced != obj.file.name:
            _delete_file_after_commit(replaced)

    def delete_model(self, request, obj) -> None:
        audit_log(action="download_form.delete", request=request, obj=obj, details={"title": obj.title})
        name = obj.file.name
        super().delete_model(request, obj)
        _delete_file_after_commit(name)

    def delete_queryset(self, request, queryset) -> None:
        for form in queryset:
            self.delete_model(request, form)


def _delete_file_after_commit(name: str) -> None:
    """Remove a stored file once the row that pointed at it is gone for good."""
    transaction.on_commit(lambda: default_storage.delete(name))


# --- newsletter -----------------------------------------------------------------------------------------


@admin.register(Newsletter)
class NewsletterAdmin(admin.ModelAdmin):
    list_display = ["subject", "created_at", "sent_at", "recipients"]
    search_fields = ["subject", "body"]
    actions = ["send"]
    change_form_template = "admin/tickets/newsletter/change_form.html"

    def get_readonly_fields(self, request, obj=None):
        common = ["created_by", "created_at", "sent_at", "sent_by", "recipients", "consenting_now"]
        if obj is not None and obj.sent_at:
            return ["subject", "body", *common]
        return common

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # what was sent stays on record

    @admin.display(description=_("użytkownicy ze zgodą na newsletter (teraz)"))
    def consenting_now(self, obj: Newsletter | None) -> int:
        return services.newsletter_recipients().count()

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        audit_log(action="newsletter.change" if change else "newsletter.create", request=request, obj=obj)

    def response_change(self, request, obj):
        if "_send" in request.POST:
            self._send(request, obj)
            return HttpResponseRedirect(reverse("admin:tickets_newsletter_change", args=[obj.pk]))
        return super().response_change(request, obj)

    def response_add(self, request, obj, post_url_continue=None):
        if "_send" in request.POST:
            self._send(request, obj)
            return HttpResponseRedirect(reverse("admin:tickets_newsletter_change", args=[obj.pk]))
        return super().response_add(request, obj, post_url_continue)

    def _send(self, request: HttpRequest, newsletter: Newsletter) -> bool:
        try:
            sent = services.newsletter_send(newsletter=newsletter, by=request.user, request=request)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return False
        self.message_user(
            request,
            ngettext(
                "Newsletter „%(subject)s” wysłano do %(n)d adresata.",
                "Newsletter „%(subject)s” wysłano do %(n)d adresatów.",
                sent.recipients,
            )
            % {"subject": sent.subject, "n": sent.recipients},
            messages.SUCCESS,
        )
        return True

    @admin.action(description=_("Wyślij zaznaczone newslettery do użytkowników ze zgodą"))
    def send(self, request: HttpRequest, queryset) -> None:
        for newsletter in queryset:
            self._send(request, newsletter)
