"""The chat's sockets. A tenant's socket serves one conversation of theirs
(``/ws/czat/<id>/``); a clerk's console socket (``/ws/czat/obsluga/``) subscribes to the
conversations it shows and hears the queue. Every frame a client sends is checked here and
handed to ``chat.services``; who wrote a message is the socket's user, never a field of the frame.

Close codes: 4401 no session, 4403 not allowed (no chat permission or no second factor),
4404 no such conversation for this user, 4400 a malformed or forged frame, 4429 a flood."""

from __future__ import annotations

import json
import time
from collections import deque
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from chat import live, selectors, services
from chat.models import Conversation

# A frame is at most a message of CHAT_MESSAGE_MAX_CHARS characters with its JSON around it; a
# bigger one is not a message (UTF-8 may take 4 bytes a character).
FRAME_OVERHEAD = 512
# More frames than this within FLOOD_WINDOW seconds close the socket (the per-minute message
# limit of chat.services refuses messages; this stops a client hammering the server with frames).
FLOOD_FRAMES, FLOOD_WINDOW = 30, 5.0


def _db(function: Any) -> Any:
    """``function`` in a worker thread of its own: the sockets' database work runs in parallel
    (each thread has its own connection) instead of queueing in the one thread Django's
    request handling uses (``thread_sensitive``): nothing here shares state between calls."""
    return database_sync_to_async(function, thread_sensitive=False)


# Keys a client may send; anything else (e.g. "author": "staff") is a forged frame.
TENANT_KEYS = {"type", "body", "client_id", "after"}
STAFF_KEYS = {"type", "body", "client_id", "after", "conversation"}


def _error(message: str) -> str:
    return json.dumps({"type": "error", "message": message})


class _ChatSocket(AsyncWebsocketConsumer):
    allowed_keys: set[str] = set()

    async def connect(self) -> None:
        self.groups_joined: set[str] = set()
        self.frames: deque[float] = deque()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        # A blocked or closed account, or one that must change its first password, gets no socket
        # (for pages accounts.middleware.AccountStateMiddleware says the same).
        if user.is_shut_out or user.must_change_password:
            await self.close(code=4403)
            return
        self.user = user
        await self.open()

    async def open(self) -> None:  # pragma: no cover - every socket defines it
        raise NotImplementedError

    async def join(self, group: str) -> None:
        if group not in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.add(group)

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", ()):
            await self.channel_layer.group_discard(group, self.channel_name)

    def after_from_query(self) -> int:
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        return _as_id(query.get("after", ["0"])[0]) or 0

    async def send_missed(self, conversation: Conversation, after: int) -> None:
        messages = await _db(lambda: [live.message_payload(m) for m in selectors.messages_after(conversation, after)])()
        for payload in messages:
            await self.send(text_data=json.dumps(payload))

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        now = time.monotonic()
        self.frames.append(now)
        while self.frames and self.frames[0] < now - FLOOD_WINDOW:
            self.frames.popleft()
        if len(self.frames) > FLOOD_FRAMES:
            await self.send(text_data=_error(_("Za dużo wiadomości naraz. Połączenie zostało zamknięte.")))
            await self.close(code=4429)
            return
        from django.conf import settings

        if text_data is None or len(text_data) > 4 * settings.CHAT_MESSAGE_MAX_CHARS + FRAME_OVERHEAD:
            await self.send(text_data=_error(_("Wiadomość jest za długa.")))
            await self.close(code=4400)
            return
        try:
            frame = json.loads(text_data)
        except ValueError:
            frame = None
        if not isinstance(frame, dict) or not set(frame) <= self.allowed_keys:
            await self.send(text_data=_error(_("Nieprawidłowa ramka. Połączenie zostało zamknięte.")))
            await self.close(code=4400)
            return
        await self.handle(frame)

    async def handle(self, frame: dict[str, Any]) -> None:  # pragma: no cover - every socket defines it
        raise NotImplementedError

    async def post(self, conversation: Conversation, frame: dict[str, Any]) -> None:
        try:
            await _db(services.message_post)(
                conversation=conversation,
                author=self.user,
                body=frame.get("body"),
                client_id=frame.get("client_id", ""),
            )
        except ValidationError as exc:
            await self.send(text_data=_error(" ".join(exc.messages)))

    async def chat_event(self, event: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(event["data"]))


def _as_id(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value))
    except ValueError:
        return None
    return number if 0 <= number < 2**62 else None


class TenantChatConsumer(_ChatSocket):
    """``/ws/czat/<conversation_id>/?after=<last message id seen>``."""

    allowed_keys = TENANT_KEYS

    async def open(self) -> None:
        conversation_id = _as_id(self.scope["url_route"]["kwargs"]["conversation_id"])
        try:
            self.conversation = await _db(selectors.conversation_for_tenant)(self.user, conversation_id or 0)
        except Http404:
            await self.close(code=4404)
            return
        await self.accept()
        # Joined before the missed messages are read: a message stored in between arrives twice
        # (the page keeps one per id), never not at all.
        await self.join(live.conversation_group(self.conversation.pk))
        await self.send_missed(self.conversation, self.after_from_query())
        await _db(services.tenant_seen)(conversation=self.conversation)

    async def handle(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "message":
            await self.post(self.conversation, frame)
        elif kind == "resume":
            await self.send_missed(self.conversation, _as_id(frame.get("after")) or 0)
        elif kind == "ping":
            await _db(services.tenant_seen)(conversation=self.conversation)
        else:
            await self.send(text_data=_error(_("Nieprawidłowa ramka. Połączenie zostało zamknięte.")))
            await self.close(code=4400)

    async def disconnect(self, code: int) -> None:
        await super().disconnect(code)
        if hasattr(self, "conversation"):
            await _db(services.tenant_left)(conversation=self.conversation)


def _second_factor_verified(user: Any, session: Any) -> bool:
    """The admin's second factor, as django_otp's middleware checks it for a request."""
    persistent_id = session.get(DEVICE_ID_SESSION_KEY) if session is not None else None
    if not persistent_id:
        return False
    device = Device.from_persistent_id(persistent_id)
    return device is not None and device.user_id == user.pk and device.confirmed


class StaffChatConsumer(_ChatSocket):
    """``/ws/czat/obsluga/``: the clerk's console."""

    allowed_keys = STAFF_KEYS

    async def open(self) -> None:
        allowed = await _db(
            lambda: (
                services.can_handle_chat(self.user) and _second_factor_verified(self.user, self.scope.get("session"))
            )
        )()
        if not allowed:
            await self.close(code=4403)
            return
        # Conversations this console subscribed to, as the scoped selector returned them: an
        # answer to one of them needs no second read (message_post re-reads its state anyway).
        self.subscribed: dict[int, Conversation] = {}
        await self.accept()
        await self.join(live.STAFF_GROUP)
        await _db(services.presence_seen)(user=self.user)

    async def _conversation(self, frame: dict[str, Any]) -> Conversation | None:
        conversation_id = _as_id(frame.get("conversation")) or 0
        if frame.get("type") == "message" and conversation_id in self.subscribed:
            return self.subscribed[conversation_id]
        try:
            found: Conversation = await _db(selectors.conversation_for_staff)(self.user, conversation_id)
        except Http404:
            await self.send(text_data=_error(_("Nie ma takiej rozmowy.")))
            return None
        return found

    async def handle(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "ping":
            await _db(services.presence_seen)(user=self.user)
            return
        if kind not in ("subscribe", "message"):
            await self.send(text_data=_error(_("Nieprawidłowa ramka. Połączenie zostało zamknięte.")))
            await self.close(code=4400)
            return
        conversation = await self._conversation(frame)
        if conversation is None:
            return
        if kind == "subscribe":
            self.subscribed[conversation.pk] = conversation
            await self.join(live.conversation_group(conversation.pk))
            await self.send_missed(conversation, _as_id(frame.get("after")) or 0)
        else:
            await self.post(conversation, frame)
