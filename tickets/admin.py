"""Staff side of tickets (D4), announcements, forms to download and newsletters (D5).

Admin runs on the OTP admin site, so every page here needs a confirmed second factor.
Changes go through the services, which audit them and e-mail the reporter.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Q, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_stubs_ext import StrOrPromise

from accounts.models import User
from billing.models import Building
from portal import files
from portal.admin import OneChoiceFilter, ReadOnlyAdminMixin
from portal.admin_site import staff_member
from portal.files import serve_attachment
from portal.formats import format_date
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

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[Any, StrOrPromise]]:
        return [
            ("0-2", _("do 2 dni roboczych")),
            ("3-5", _("3–5 dni roboczych")),
            ("6-10", _("6–10 dni roboczych")),
            ("11+", _("ponad 10 dni roboczych")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
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

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[Any, StrOrPromise]]:
        buildings = Building.objects.filter(units__tickets__isnull=False).distinct()
        return [("brak", _("bez lokalu (np. awaria bez konta)")), *[(str(b.pk), str(b)) for b in buildings]]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value == "brak":
            return queryset.filter(unit__isnull=True)
        if value and value.isdigit():
            return queryset.filter(unit__building_id=int(value))
        return queryset


class AssigneeFilter(admin.SimpleListFilter):
    title = _("przypisane do")
    parameter_name = "przypisane"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[Any, StrOrPromise]]:
        staff = User.objects.filter(is_staff=True, is_active=True).order_by("last_name", "username")
        return [
            ("moje", _("do mnie")),
            ("brak", _("nieprzypisane")),
            *[(str(user.pk), user.get_full_name() or user.username) for user in staff],
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value == "moje":
            return queryset.filter(assignee=request.user)
        if value == "brak":
            return queryset.filter(assignee__isnull=True)
        if value and value.isdigit():
            return queryset.filter(assignee_id=int(value))
        return queryset


class NewReplyFilter(OneChoiceFilter):
    title = _("odpowiedź zgłaszającego")
    parameter_name = "odpowiedz"
    choice = ("nowa", _("czeka na obsługę"))

    def narrow(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(status__in=Ticket.OPEN_STATUSES, reporter_replied_at__isnull=False).filter(
            Q(staff_answered_at__isnull=True) | Q(reporter_replied_at__gt=F("staff_answered_at"))
        )


# --- tickets ------------------------------------------------------------------------------------


class TicketStaffForm(forms.ModelForm[Ticket]):
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ticket = self.instance
        choices: list[tuple[str, StrOrPromise]] = [
            ("", _("— bez zmiany (teraz: %(status)s) —") % {"status": ticket.get_status_display()})
        ]
        choices += [
            (status, Ticket.Status(status).label) for status in Ticket.TRANSITIONS.get(Ticket.Status(ticket.status), ())
        ]
        # The two fields are declared above (new_status) and made from the model's foreign key (assignee).
        new_status = cast(forms.ChoiceField, self.fields["new_status"])
        assignee = cast("forms.ModelChoiceField[User]", self.fields["assignee"])
        new_status.choices = choices
        assignee.queryset = User.objects.filter(is_staff=True, is_active=True).order_by("username")

    def clean_new_status(self) -> str:
        status: str = self.cleaned_data["new_status"]
        if status and not self.instance.can_move_to(status):
            raise ValidationError(_("Tej zmiany statusu nie można wykonać."))
        return status


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin[Ticket]):
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

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("unit__building", "reporter", "assignee")

    # list columns

    @admin.display(description=_("budynek"), ordering="unit__building")
    def building(self, obj: Ticket) -> str:
        return str(obj.unit.building) if obj.unit is not None else (obj.location or "—")

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
    def reporter_details(self, obj: Ticket) -> SafeString:
        user = obj.reporter
        if user is not None:
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
    def attachments_list(self, obj: Ticket) -> str:
        attachments = list(obj.attachments.all())
        return _panel("attachments.html", attachments, {"ticket": obj, "attachments": attachments})

    @admin.display(description=_("rozmowa i notatki"))
    def conversation(self, obj: Ticket) -> str:
        entries = list(obj.messages.select_related("author"))
        return _panel("conversation.html", entries, {"ticket": obj, "entries": entries})

    @admin.display(description=_("historia statusu"))
    def history(self, obj: Ticket) -> str:
        changes = list(obj.status_changes.select_related("changed_by"))
        return _panel("history.html", changes, {"changes": changes})

    def save_model(self, request: HttpRequest, obj: Ticket, form: TicketStaffForm, change: bool) -> None:
        data = form.cleaned_data
        try:
            services.ticket_staff_update(
                ticket=obj,
                by=staff_member(request),
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
    def assign_to_me(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        count = 0
        for ticket in queryset:
            services.ticket_staff_update(
                ticket=ticket, by=staff_member(request), assignee=request.user, request=request
            )
            count += 1
        self.message_user(
            request,
            ngettext("Przypisano %(n)d zgłoszenie.", "Przypisano %(n)d zgłoszeń.", count) % {"n": count},
            messages.SUCCESS,
        )

    # attachments, served only here (staff with a second factor) and to the reporter

    def get_urls(self) -> list[URLPattern]:
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
        services.ticket_attachment_open(attachment=attachment, by=staff_member(request), request=request)
        return serve_attachment(attachment)


def _panel(template: str, rows: list[Any], context: dict[str, Any]) -> str:
    """A read-only panel of the ticket's change form (templates/admin/tickets/ticket/), or a
    dash when it has no rows to show."""
    return render_to_string(f"admin/tickets/ticket/{template}", context) if rows else "—"


@admin.register(TicketMessage)
class TicketMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[TicketMessage]):
    """Read-only search over answers, replies and notes (kept with their ticket)."""

    list_display = ["ticket", "kind", "author", "created_at"]
    list_filter = ["kind"]
    search_fields = ["ticket__number", "body"]
    list_select_related = ["ticket", "author"]


# --- announcements ----------------------------------------------------------------------------------


class AnnouncementForm(forms.ModelForm[Announcement]):
    class Meta:
        model = Announcement
        fields = ["title", "body", "valid_from", "valid_until", "for_all", "buildings"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        valid_from, valid_until = data.get("valid_from"), data.get("valid_until")
        if valid_from and valid_until and valid_until <= valid_from:
            self.add_error("valid_until", _("Koniec ważności musi być późniejszy niż jej początek."))
        if "buildings" in data:
            try:
                services.announcement_audience_check(
                    for_all=bool(data.get("for_all")), building_count=len(data["buildings"])
                )
            except ValidationError as exc:
                self.add_error(None, exc)
        return data


@admin.register(Announcement)
class AnnouncementAdmin(admin.ModelAdmin[Announcement]):
    form = AnnouncementForm
    list_display = ["title", "valid_from", "valid_until", "for_all", "is_current_column", "emailed_at"]
    list_filter = ["for_all", ("valid_from", admin.DateFieldListFilter)]
    search_fields = ["title", "body"]
    autocomplete_fields = ["buildings"]
    readonly_fields = ["created_by", "created_at", "emailed_at"]

    @admin.display(description=_("aktualne"), boolean=True)
    def is_current_column(self, obj: Announcement) -> bool:
        return obj.is_current()

    def save_model(self, request: HttpRequest, obj: Announcement, form: AnnouncementForm, change: bool) -> None:
        services.announcement_save(
            announcement=obj, buildings=form.cleaned_data["buildings"], by=staff_member(request), request=request
        )

    def save_related(self, request: HttpRequest, form: AnnouncementForm, formsets: list[Any], change: bool) -> None:
        # The buildings were saved with the announcement by the service; only inlines are left.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request: HttpRequest, obj: Announcement) -> None:
        services.announcement_delete(announcement=obj, by=staff_member(request), request=request)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Announcement]) -> None:
        for announcement in queryset:
            self.delete_model(request, announcement)


# --- forms to download --------------------------------------------------------------------------------


class DownloadFormForm(forms.ModelForm[DownloadForm]):
    class Meta:
        model = DownloadForm
        fields = ["title", "description", "file", "is_published", "position"]

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload is not None and hasattr(upload, "content_type"):  # a new upload, not the stored file
            files.detect_content_type(upload, (files.PDF,))
        return upload


@admin.register(DownloadForm)
class DownloadFormAdmin(admin.ModelAdmin[DownloadForm]):
    form = DownloadFormForm
    list_display = ["title", "is_published", "position", "size", "updated_at"]
    list_editable = ["is_published", "position"]
    search_fields = ["title", "description"]

    def save_model(self, request: HttpRequest, obj: DownloadForm, form: DownloadFormForm, change: bool) -> None:
        services.download_form_save(
            download_form=obj, changed=form.changed_data, by=staff_member(request), request=request
        )

    def delete_model(self, request: HttpRequest, obj: DownloadForm) -> None:
        services.download_form_delete(download_form=obj, by=staff_member(request), request=request)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[DownloadForm]) -> None:
        for download_form in queryset:
            self.delete_model(request, download_form)


# --- newsletter -----------------------------------------------------------------------------------------


@admin.register(Newsletter)
class NewsletterAdmin(admin.ModelAdmin[Newsletter]):
    list_display = ["subject", "created_at", "sent_at", "recipients"]
    search_fields = ["subject", "body"]
    actions = ["send"]
    change_form_template = "admin/tickets/newsletter/change_form.html"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        common = ["created_by", "created_at", "sent_at", "sent_by", "recipients", "consenting_now"]
        if obj is not None and obj.sent_at:
            return ["subject", "body", *common]
        return common

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # what was sent stays on record

    @admin.display(description=_("użytkownicy ze zgodą na newsletter (teraz)"))
    def consenting_now(self, obj: Newsletter | None) -> int:
        return services.newsletter_recipients().count()

    def save_model(
        self, request: HttpRequest, obj: Newsletter, form: forms.ModelForm[Newsletter], change: bool
    ) -> None:
        services.newsletter_save(newsletter=obj, by=staff_member(request), request=request)

    def response_change(self, request: HttpRequest, obj: Any) -> HttpResponse:
        if "_send" in request.POST:
            self._send(request, obj)
            return HttpResponseRedirect(reverse("admin:tickets_newsletter_change", args=[obj.pk]))
        return super().response_change(request, obj)

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: str | None = None) -> HttpResponse:
        if "_send" in request.POST:
            self._send(request, obj)
            return HttpResponseRedirect(reverse("admin:tickets_newsletter_change", args=[obj.pk]))
        return super().response_add(request, obj, post_url_continue)

    def _send(self, request: HttpRequest, newsletter: Newsletter) -> bool:
        try:
            sent = services.newsletter_send(newsletter=newsletter, by=staff_member(request), request=request)
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
    def send(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for newsletter in queryset:
            self._send(request, newsletter)
