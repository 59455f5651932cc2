"""Delivery to open sockets through the channel layer (Redis in production, memory in the
try-out). Only ``chat.services`` publishes, and only after the transaction that stored what it
publishes has committed: a socket never shows what the database does not hold."""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

from chat.models import Conversation, Message

logger = logging.getLogger(__name__)

STAFF_GROUP = "chat-staff"


def conversation_group(conversation_id: int) -> str:
    return f"chat-conversation-{conversation_id}"


def author_name(message: Message) -> str:
    """Who wrote ``message`` as the tenant sees it (socket, page, transcript, personal-data
    download): a clerk by their first name only, as at an office window, or as *pracownik*."""
    author = message.author
    if message.author_kind == Message.Author.STAFF and author is not None:
        return author.first_name or str(Message.Author.STAFF.label)
    if message.author_kind == Message.Author.TENANT and author is not None:
        return author.get_full_name() or author.get_username()
    return str(message.get_author_kind_display())


def message_payload(message: Message) -> dict[str, Any]:
    """What a socket receives about one message (the page renders the same fields)."""
    return {
        "type": "message",
        "id": message.pk,
        "conversation": message.conversation_id,
        "author": message.author_kind,
        "author_name": author_name(message),
        "html": str(message.body_html()),
        "created_at": message.created_at.isoformat(),
        "client_id": message.client_id,
        "time": f"{timezone.localtime(message.created_at):%H:%M}",
    }


def _send(group: str, event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, event)
    except Exception:
        # The message is stored: a client that missed the push reads it when it reconnects.
        logger.exception("chat: delivery to %s failed", group)


def publish_message(message: Message) -> None:
    payload = message_payload(message)
    transaction.on_commit(
        lambda: _send(conversation_group(message.conversation_id), {"type": "chat.event", "data": payload})
    )


def publish_status(conversation: Conversation) -> None:
    """The conversation's state changed (taken, handed over, closed, ticket): its sockets and
    every clerk's console (the queue) hear of it."""
    data = {
        "type": "status",
        "conversation": conversation.pk,
        "status": conversation.status,
        "status_label": str(conversation.get_status_display()),
        "assignee": conversation.assignee_id,
    }
    transaction.on_commit(lambda: _send(conversation_group(conversation.pk), {"type": "chat.event", "data": data}))
    transaction.on_commit(lambda: _send(STAFF_GROUP, {"type": "chat.event", "data": {**data, "type": "queue"}}))
