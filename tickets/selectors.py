"""Reads of tickets and announcements, scoped to the user who asks."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts import access
from accounts.models import User
from billing.models import Unit
from portal import sql
from tickets.models import Announcement, DownloadForm, Ticket, TicketMessage


def tickets_for_user(user: User) -> QuerySet[Ticket]:
    """Tickets the user filed; nobody else's (a co-owner's tickets stay theirs)."""
    if not user.is_authenticated:
        return Ticket.objects.none()
    return Ticket.objects.filter(reporter=user)


def ticket_for_user(user: User, ticket_id: int) -> Ticket:
    """The user's own ticket; 404 for anyone else's id."""
    ticket = tickets_for_user(user).select_related("unit__building").filter(pk=ticket_id).first()
    if ticket is None:
        raise Http404
    return ticket


def list_since(today: dt.date) -> dt.date:
    """The first day the ticket list shows without a search (D3: at least the last 6 months)."""
    return today - relativedelta(months=settings.TICKETS_LIST_MONTHS)


def tickets_listing(user: User, *, query: str = "", include_older: bool = False) -> QuerySet[Ticket]:
    """The user's tickets for the list page: the last months, or all of them when searching."""
    tickets = tickets_for_user(user).select_related("unit__building").order_by("-created_at", "-id")
    query = query.strip()
    if query:
        tickets = tickets.filter(Q(number__icontains=query) | Q(subject__icontains=query))
    elif not include_older:
        tickets = tickets.filter(created_at__date__gte=list_since(timezone.localdate()))
    return tickets


def public_messages(ticket: Ticket) -> QuerySet[TicketMessage]:
    """What the reporter may read: answers and their own replies, never internal notes."""
    return ticket.messages.filter(kind__in=TicketMessage.PUBLIC_KINDS).order_by("created_at", "id")


def announcements_for_user(user: User, now: dt.datetime | None = None, *, limit: int = 10) -> list[Announcement]:
    """Current announcements addressed to everyone or to a building where the user has a
    unit, newest first. On every dashboard view, so in plain SQL (see ``portal.sql``)."""
    now = now or timezone.now()
    units, params = access.visible_units_condition(user.pk, timezone.localtime(now).date())
    table, links = Announcement._meta.db_table, Announcement.buildings.through._meta.db_table
    query = (
        f"SELECT {sql.columns(Announcement, 'a')} FROM {table} a "  # noqa: S608 - constant SQL
        f"WHERE {Announcement.PERIOD.sql('a')} "
        f"AND (a.for_all OR EXISTS (SELECT 1 FROM {links} ab INNER JOIN {Unit._meta.db_table} u "
        f"ON u.building_id = ab.building_id WHERE ab.announcement_id = a.id AND {units})) "
        "ORDER BY a.valid_from DESC, a.id DESC LIMIT %s"
    )
    return [
        sql.instance(Announcement, row)
        for row in sql.fetch_all(query, [*Announcement.PERIOD.params(now), *params, limit])
    ]


def published_forms() -> QuerySet[DownloadForm]:
    return DownloadForm.objects.filter(is_published=True).order_by("position", "title", "id")
