"""The tickets' part of a user's personal-data download (RODO art. 15 and 20; registered in
``TicketsConfig.ready``): the tickets they reported, with the answers they saw, attachments and
status changes; staff's internal notes are not included."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.services.personal_data import PersonalDataPart, Section, personal_data_section
from tickets.models import Ticket, TicketAttachment, TicketMessage, TicketStatusChange


def personal_data(user: User) -> list[Section]:
    return [
        personal_data_section(
            "tickets",
            _("Zgłoszenia"),
            Ticket,
            Ticket.objects.filter(reporter=user).select_related("unit__building").order_by("created_at"),
            ["number", "kind", "status", "subject", "description", "unit", "location", "event_date", "created_at"],
        ),
        personal_data_section(
            "ticket_messages",
            _("Wiadomości w zgłoszeniach"),
            TicketMessage,
            TicketMessage.objects.filter(ticket__reporter=user, kind__in=TicketMessage.PUBLIC_KINDS)
            .select_related("ticket")
            .order_by("ticket__created_at", "created_at", "id"),
            ["kind", "body", "created_at"],
            {"ticket": (_("zgłoszenie"), lambda m: m.ticket.number)},
        ),
        personal_data_section(
            "ticket_attachments",
            _("Załączniki zgłoszeń"),
            TicketAttachment,
            TicketAttachment.objects.filter(ticket__reporter=user).select_related("ticket"),
            ["original_name", "content_type", "size", "created_at"],
            {"ticket": (_("zgłoszenie"), lambda a: a.ticket.number)},
        ),
        personal_data_section(
            "ticket_status_changes",
            _("Zmiany statusu zgłoszeń"),
            TicketStatusChange,
            TicketStatusChange.objects.filter(ticket__reporter=user).select_related("ticket"),
            ["from_status", "to_status", "changed_at"],
            {"ticket": (_("zgłoszenie"), lambda c: c.ticket.number)},
        ),
    ]


PART = PersonalDataPart(collect=personal_data)
