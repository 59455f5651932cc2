"""The chat's part of a user's personal-data download (RODO art. 15 and 20; registered in
``ChatConfig.ready``): the user's conversations and every message in them, with its time and
author as the chat showed it — a clerk by first name only, nothing else about staff.

When the account is closed its open conversations end (they leave the clerks' queue); the
transcripts stay, as the account's tickets do, until ``CHAT_RETENTION_DAYS`` after they ended
(``chat.services.retention_conversations``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.services.personal_data import PersonalDataPart, Section, personal_data_section
from chat import live, services
from chat.models import Conversation, Message


def personal_data(user: User) -> list[Section]:
    return [
        personal_data_section(
            "chat_conversations",
            _("Rozmowy na czacie"),
            Conversation,
            Conversation.objects.filter(tenant=user).select_related("unit__building", "ticket").order_by("id"),
            ["id", "unit", "status", "created_at", "taken_at", "closed_at", "tenant_seen_at"],
            {"ticket": (_("zgłoszenie"), lambda c: c.ticket.number if c.ticket else None)},
            labels={"id": _("numer rozmowy")},
        ),
        personal_data_section(
            "chat_messages",
            _("Wiadomości na czacie"),
            Message,
            Message.objects.filter(conversation__tenant=user).select_related("author").order_by("conversation", "id"),
            ["created_at", "body"],
            {
                "conversation": (_("numer rozmowy"), lambda m: m.conversation_id),
                "author": (_("autor"), live.author_name),
            },
        ),
    ]


PART = PersonalDataPart(collect=personal_data, account_closed=services.conversations_end_for_closed_account)
