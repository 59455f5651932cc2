"""Reads of the chat, scoped: a tenant reaches only their own conversations, staff only with
the chat permission; any other id is a 404 (or a closed socket), never data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from billing.selectors import UnitSummary, unit_summaries
from chat.models import Conversation, Message
from chat.services import can_handle_chat
from tickets.models import Ticket


def conversation_for_tenant(user: User, conversation_id: int) -> Conversation:
    """The user's own conversation; 404 for anyone else's id."""
    if not user.is_authenticated:
        raise Http404
    found = Conversation.objects.filter(pk=conversation_id, tenant=user).select_related("unit", "assignee").first()
    if found is None:
        raise Http404
    return found


def conversation_for_staff(user: User, conversation_id: int) -> Conversation:
    """Any conversation for staff with the chat permission; 404 for everyone else."""
    if not can_handle_chat(user):
        raise Http404
    found = Conversation.objects.filter(pk=conversation_id).select_related("tenant", "unit", "assignee").first()
    if found is None:
        raise Http404
    return found


def conversations_of_tenant(user: User, *, months: int | None = None) -> QuerySet[Conversation]:
    """The user's conversations of the last ``months`` (TICKETS_LIST_MONTHS, as their tickets)."""
    months = settings.TICKETS_LIST_MONTHS if months is None else months
    since = timezone.now() - dt.timedelta(days=31 * months)
    return Conversation.objects.filter(tenant=user, created_at__gte=since).select_related("unit", "ticket")


def open_conversation_of_tenant(user: User) -> Conversation | None:
    return Conversation.objects.filter(tenant=user, status__in=Conversation.OPEN_STATUSES).order_by("-id").first()


def messages_after(conversation: Conversation, after_id: int = 0) -> list[Message]:
    """The messages a client has not seen yet (it names the last id it has)."""
    return list(conversation.messages.filter(id__gt=after_id).select_related("author").order_by("id"))


def queue() -> QuerySet[Conversation]:
    """Waiting conversations, the longest waiting first."""
    return (
        Conversation.objects.filter(status=Conversation.Status.WAITING)
        .select_related("tenant", "unit")
        .order_by("created_at", "id")
    )


def conversations_of_clerk(user: User) -> QuerySet[Conversation]:
    return (
        Conversation.objects.filter(status=Conversation.Status.ACTIVE, assignee=user)
        .select_related("tenant", "unit")
        .order_by("taken_at", "id")
    )


def conversations_of_colleagues(user: User) -> QuerySet[Conversation]:
    return (
        Conversation.objects.filter(status=Conversation.Status.ACTIVE)
        .exclude(assignee=user)
        .select_related("tenant", "assignee")
        .order_by("taken_at", "id")
    )


def clerks() -> QuerySet[User]:
    """Staff a conversation may be handed over to."""
    from django.contrib.auth.models import Permission
    from django.db.models import Q

    permission = Permission.objects.filter(content_type__app_label="chat", codename="handle_chat")
    return (
        User.objects.filter(is_active=True, is_staff=True)
        .filter(Q(is_superuser=True) | Q(user_permissions__in=permission) | Q(groups__permissions__in=permission))
        .distinct()
        .order_by("username")
    )


@dataclass(frozen=True)
class TenantContext:
    """What the clerk sees beside a conversation, read through the tenant's scoped selectors."""

    summaries: list[UnitSummary]
    open_tickets: list[Ticket]


def tenant_context(conversation: Conversation) -> TenantContext:
    tenant = conversation.tenant
    tickets = list(Ticket.objects.filter(reporter=tenant, status__in=Ticket.OPEN_STATUSES).order_by("-created_at")[:10])
    return TenantContext(summaries=unit_summaries(tenant), open_tickets=tickets)
