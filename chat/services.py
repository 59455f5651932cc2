"""Workflows of the live chat (D6). Each runs in one transaction, audits what a person did and
publishes to the sockets only after the commit (``chat.live``)."""

from __future__ import annotations

import datetime as dt
from contextlib import nullcontext
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import units_for_user
from billing.models import Unit
from chat import live
from chat.models import Conversation, Message, StaffPresence
from portal import sql
from portal.formats import format_date
from portal.services.audit import audit_log
from portal.services.mail import email_queue
from portal.workdays import is_working_day
from tickets.models import Ticket
from tickets.services import ticket_file

PERMISSION = "chat.handle_chat"
CLIENT_ID_MAX = 64


def can_handle_chat(user: User) -> bool:
    """Staff with the chat permission (the console, the clerk's socket, any conversation)."""
    return bool(user.is_authenticated and user.is_active and user.is_staff and user.has_perm(PERMISSION))


# --- availability -------------------------------------------------------------------------


def office_hours() -> tuple[dt.time, dt.time]:
    start, end = settings.CHAT_OFFICE_HOURS.strip().split("-")
    return dt.time.fromisoformat(start), (dt.time.max if end == "24:00" else dt.time.fromisoformat(end))


def office_open(now: dt.datetime | None = None) -> bool:
    """Within office hours of a working day (holidays from portal.workdays)."""
    local = timezone.localtime(now or timezone.now())
    start, end = office_hours()
    return is_working_day(local.date()) and start <= local.time() < end


@dataclass(frozen=True)
class Availability:
    office_open: bool
    clerks_available: int

    @property
    def available(self) -> bool:
        return self.office_open and self.clerks_available > 0

    @property
    def hours(self) -> str:
        start, end = office_hours()
        return f"{start:%H:%M}–{'24:00' if end == dt.time.max else f'{end:%H:%M}'}"


def availability(now: dt.datetime | None = None) -> Availability:
    """Whether someone can answer now: office hours and a clerk *dostępny* with the console open."""
    now = now or timezone.now()
    present = StaffPresence.objects.filter(
        status=StaffPresence.Status.AVAILABLE,
        seen_at__gte=now - dt.timedelta(seconds=settings.CHAT_PRESENCE_SECONDS),
        user__is_active=True,
    ).count()
    return Availability(office_open=office_open(now), clerks_available=present)


def presence_set(*, user: User, status: str, request: HttpRequest | None = None) -> StaffPresence:
    """A clerk says *dostępny* or *zajęty* (audited)."""
    if status not in StaffPresence.Status.values:
        raise ValidationError(_("Nieznany stan obecności."))
    presence, _created = StaffPresence.objects.update_or_create(
        user=user, defaults={"status": status, "seen_at": timezone.now()}
    )
    audit_log(action="chat.presence", actor=user, request=request, details={"status": status})
    return presence


def presence_seen(*, user: User) -> None:
    """The clerk's console is open (its heartbeat): keeps *dostępny* counting."""
    StaffPresence.objects.filter(user=user).update(seen_at=timezone.now())


# --- messages -----------------------------------------------------------------------------


def _clean_body(body: object) -> str:
    if not isinstance(body, str):
        raise ValidationError(_("Wiadomość musi być tekstem."))
    text = body.replace("\x00", "").strip()
    if not text:
        raise ValidationError(_("Wpisz treść wiadomości."))
    if len(text) > settings.CHAT_MESSAGE_MAX_CHARS:
        raise ValidationError(
            _("Wiadomość jest za długa: najwyżej %(max)s znaków (ma %(n)s).")
            % {"max": settings.CHAT_MESSAGE_MAX_CHARS, "n": len(text)}
        )
    return text


def _clean_client_id(client_id: object) -> str:
    if not isinstance(client_id, str) or len(client_id) > CLIENT_ID_MAX:
        raise ValidationError(_("Nieprawidłowy identyfikator wiadomości."))
    return client_id.strip()


# A tenant's page reports itself at least every 20 s (socket heartbeat); their message refreshes
# ``tenant_seen_at`` only when the stored time is older than this, so most messages are one insert.
SEEN_REFRESH = dt.timedelta(seconds=10)
RATE_WINDOW = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class _ConversationNow:
    status: str
    assignee_id: int | None
    tenant_seen_at: dt.datetime | None
    stored_id: int | None
    recent: int


@cache
def _conversation_now_sql() -> str:
    """The statement of ``_conversation_now``, names from the models' own definitions. Plain SQL
    (``portal.sql``, a prepared statement on PostgreSQL) because it runs for every message:
    composing the same read with the ORM's subquery expressions cost four fifths of
    ``message_post``'s CPU time (docs/chat.md, *Speed*)."""
    quote = connection.ops.quote_name

    def column(model: type[models.Model], name: str) -> str:
        field = model._meta.get_field(name)
        if not isinstance(field, models.Field):
            raise TypeError(f"{model.__name__}.{name} is not a concrete field")
        return quote(field.column)

    conversation, message = quote(Conversation._meta.db_table), quote(Message._meta.db_table)
    return (
        f"SELECT c.{column(Conversation, 'status')}, c.{column(Conversation, 'assignee')}, "  # noqa: S608 - names from _meta
        f"c.{column(Conversation, 'tenant_seen_at')}, "
        # The message this client id already stored (none for an empty id: the partial unique index).
        f"(SELECT m.{column(Message, 'id')} FROM {message} m "
        f"WHERE m.{column(Message, 'conversation')} = c.{column(Conversation, 'id')} "
        f"AND m.{column(Message, 'client_id')} = %s AND m.{column(Message, 'client_id')} <> ''), "
        # The author's messages as a tenant within the rate window, in any conversation.
        f"(SELECT COUNT(*) FROM {message} m WHERE m.{column(Message, 'author')} = %s "
        f"AND m.{column(Message, 'author_kind')} = %s AND m.{column(Message, 'created_at')} > %s) "
        f"FROM {conversation} c WHERE c.{column(Conversation, 'id')} = %s"
    )


def _conversation_now(
    conversation: Conversation, *, author: User, client_id: str, now: dt.datetime
) -> _ConversationNow:
    """One read of what ``message_post`` decides on: the conversation's status, clerk and the
    tenant's last sign of life as stored now (the caller's copy may be hours old), the message
    this client id already stored, and how many messages the author wrote as a tenant in the
    last minute (the per-minute limit counts the stored messages themselves, so it holds across
    every process and server)."""
    since = connection.ops.adapt_datetimefield_value(now - RATE_WINDOW)
    row = sql.fetch_one(
        _conversation_now_sql(), [client_id, author.pk, Message.Author.TENANT.value, since, conversation.pk]
    )
    if row is None:
        raise Conversation.DoesNotExist
    status, assignee_id, tenant_seen_at, stored_id, recent = row
    return _ConversationNow(
        status=status,
        assignee_id=assignee_id,
        tenant_seen_at=sql.as_datetime(tenant_seen_at),
        stored_id=stored_id,
        recent=int(recent),
    )


def message_post(*, conversation: Conversation, author: User, body: object, client_id: object = "") -> Message:
    """Store a message of the conversation's tenant or of its clerk, then deliver it.

    The same ``client_id`` twice (double click, a retry after a lost connection) returns the
    stored message and delivers nothing new. Refused with a Polish message: empty or too long,
    a closed conversation, someone who is neither its tenant nor its clerk, a tenant over
    CHAT_MESSAGES_PER_MINUTE.

    A message on a socket is the chat's hot path (``bench/chat.py``): one read
    (``_conversation_now``) and one insert, in the database's own autocommit when nothing else
    is written with it."""
    client_id = _clean_client_id(client_id)
    now = timezone.now()
    state = _conversation_now(conversation, author=author, client_id=client_id, now=now)
    if state.stored_id is not None:
        return Message.objects.select_related("author").get(pk=state.stored_id)
    text = _clean_body(body)
    conversation.status = state.status
    conversation.assignee_id = state.assignee_id
    conversation.tenant_seen_at = state.tenant_seen_at
    if not conversation.is_open:
        raise ValidationError(_("Rozmowa jest zakończona. Rozpocznij nową."))
    if author.pk == conversation.tenant_id:
        kind = Message.Author.TENANT
        if state.recent >= settings.CHAT_MESSAGES_PER_MINUTE:
            raise ValidationError(_("Za dużo wiadomości w krótkim czasie. Poczekaj chwilę i wyślij ponownie."))
        seen = conversation.tenant_seen_at
        # Never coarser than a third of the time after which the tenant counts as away.
        refresh = min(SEEN_REFRESH, dt.timedelta(seconds=settings.CHAT_TENANT_AWAY_SECONDS) / 3)
        also_write = seen is None or now - seen > refresh
    elif can_handle_chat(author):
        kind = Message.Author.STAFF
        if conversation.assignee_id != author.pk:
            raise ValidationError(_("Najpierw przejmij tę rozmowę."))
        also_write = conversation.tenant_is_away(now)
    else:
        raise ValidationError(_("Nie możesz pisać w tej rozmowie."))
    # A lone insert needs no transaction of its own: in autocommit the statement is atomic by
    # itself (BEGIN and COMMIT would be two more round trips on every message).
    own_transaction = also_write or not transaction.get_autocommit()
    try:
        with transaction.atomic() if own_transaction else nullcontext():
            message = Message.objects.create(
                conversation=conversation,
                author_kind=kind,
                author=author,
                body=text,
                client_id=client_id,
                created_at=now,
            )
            if kind == Message.Author.TENANT and also_write:
                Conversation.objects.filter(pk=conversation.pk).update(tenant_seen_at=now)
            elif also_write:
                _email_answer_to_absent_tenant(conversation, message)
            live.publish_message(message)
    except IntegrityError:
        # Race: the same client id from two sockets at once; the other one stored it.
        return Message.objects.get(conversation=conversation, client_id=client_id)
    return message


def _system_message(conversation: Conversation, text: str) -> Message:
    message = Message.objects.create(conversation=conversation, author_kind=Message.Author.SYSTEM, body=text)
    live.publish_message(message)
    return message


def _email_answer_to_absent_tenant(conversation: Conversation, message: Message) -> None:
    tenant = conversation.tenant
    if not tenant.email:
        return
    email_queue(
        to=[tenant.email],
        template="chat_answer",
        context={"conversation": conversation, "message": message, "url": _tenant_url(conversation)},
        user=tenant,
        dedup_key=f"chat:message:{message.pk}:away",
    )


def _tenant_url(conversation: Conversation) -> str:
    from portal.links import absolute_reverse

    return absolute_reverse("chat:detail", conversation.pk)


def tenant_seen(*, conversation: Conversation) -> None:
    """The tenant's page is open (socket opened, heartbeat, page view)."""
    Conversation.objects.filter(pk=conversation.pk).update(tenant_seen_at=timezone.now())


def tenant_left(*, conversation: Conversation) -> None:
    """The tenant's socket closed: answers from now on go by e-mail too (until they are back)."""
    Conversation.objects.filter(pk=conversation.pk).update(tenant_seen_at=None)


# --- conversations ------------------------------------------------------------------------


def conversation_start(
    *, tenant: User, body: object, unit: Unit | None = None, client_id: object = "", request: HttpRequest | None = None
) -> Conversation:
    """A tenant opens a conversation with its first message; the clerks' consoles hear of it."""
    text = _clean_body(body)
    if unit is not None and not units_for_user(tenant).filter(pk=unit.pk).exists():
        raise ValidationError({"unit": [_("Wybierz jeden ze swoich lokali.")]})
    with transaction.atomic():
        conversation = Conversation.objects.create(tenant=tenant, unit=unit, tenant_seen_at=timezone.now())
        message_post(conversation=conversation, author=tenant, body=text, client_id=client_id)
        audit_log(
            action="chat.start",
            actor=tenant,
            obj=conversation,
            request=request,
            details={"unit": unit.pk if unit else None},
        )
        live.publish_status(conversation)
    return conversation


def _locked(conversation: Conversation) -> Conversation:
    # Race: two clerks acting on one conversation, or a clerk and the tenant; the row lock orders them.
    return Conversation.objects.select_for_update().select_related("tenant").get(pk=conversation.pk)


def _staff_name(user: User) -> str:
    return user.first_name or user.get_username()


def conversation_take(*, conversation: Conversation, by: User, request: HttpRequest | None = None) -> Conversation:
    """A clerk takes a waiting conversation from the queue."""
    if not can_handle_chat(by):
        raise ValidationError(_("Nie masz uprawnienia do prowadzenia czatu."))
    with transaction.atomic():
        locked = _locked(conversation)
        if locked.status != Conversation.Status.WAITING:
            raise ValidationError(_("Tej rozmowy nie ma już w kolejce (przejęta lub zakończona)."))
        locked.status = Conversation.Status.ACTIVE
        locked.assignee = by
        locked.taken_at = timezone.now()
        locked.save(update_fields=["status", "assignee", "taken_at"])
        _system_message(locked, _("%(name)s z biura obsługi dołączył(a) do rozmowy.") % {"name": _staff_name(by)})
        audit_log(action="chat.take", actor=by, obj=locked, request=request)
        live.publish_status(locked)
    return locked


def conversation_handover(
    *, conversation: Conversation, by: User, to: User, request: HttpRequest | None = None
) -> Conversation:
    """The clerk of a conversation passes it to a colleague with the chat permission."""
    if not can_handle_chat(to):
        raise ValidationError(_("Tej osobie nie można przekazać rozmowy (brak uprawnienia do czatu)."))
    with transaction.atomic():
        locked = _locked(conversation)
        if locked.status != Conversation.Status.ACTIVE or locked.assignee_id != by.pk:
            raise ValidationError(_("Przekazać można tylko własną rozmowę w toku."))
        if to.pk == by.pk:
            raise ValidationError(_("Wybierz innego pracownika."))
        locked.assignee = to
        locked.save(update_fields=["assignee"])
        _system_message(locked, _("Rozmowę przejął(-ęła) %(name)s.") % {"name": _staff_name(to)})
        audit_log(
            action="chat.handover",
            actor=by,
            obj=locked,
            request=request,
            details={"from": by.pk, "to": to.pk, "to_label": to.get_username()},
        )
        live.publish_status(locked)
    return locked


def _may_end(conversation: Conversation, by: User) -> bool:
    return by.pk == conversation.tenant_id or (can_handle_chat(by) and conversation.assignee_id in (None, by.pk))


def conversation_close(*, conversation: Conversation, by: User, request: HttpRequest | None = None) -> Conversation:
    """The tenant or the conversation's clerk ends it."""
    with transaction.atomic():
        locked = _locked(conversation)
        if not _may_end(locked, by):
            raise ValidationError(_("Zakończyć rozmowę może jej uczestnik."))
        if not locked.is_open:
            return locked
        locked.status = Conversation.Status.CLOSED
        locked.closed_at = timezone.now()
        locked.save(update_fields=["status", "closed_at"])
        who = _("mieszkaniec") if by.pk == locked.tenant_id else _staff_name(by)
        _system_message(locked, _("Rozmowę zakończył(a) %(who)s.") % {"who": who})
        audit_log(action="chat.close", actor=by, obj=locked, request=request)
        live.publish_status(locked)
    return locked


def conversations_end_for_closed_account(user: User) -> None:
    """The tenant closed their account (``accounts.services.user_close``, inside its transaction):
    their open conversations end and leave the clerks' queue. The transcripts stay, as the
    account's tickets do, until CHAT_RETENTION_DAYS after this (``retention_conversations``)."""
    for conversation in Conversation.objects.select_for_update().filter(
        tenant=user, status__in=Conversation.OPEN_STATUSES
    ):
        conversation.status = Conversation.Status.CLOSED
        conversation.closed_at = timezone.now()
        conversation.save(update_fields=["status", "closed_at"])
        _system_message(conversation, _("Mieszkaniec zamknął konto w e-BOK. Rozmowa została zakończona."))
        audit_log(action="chat.close", actor=user, obj=conversation, details={"reason": "account_closed"})
        live.publish_status(conversation)


def transcript_text(conversation: Conversation) -> str:
    """The conversation as plain text: one block per message, with its time and author."""
    lines = []
    for message in conversation.messages.select_related("author").order_by("id"):
        when = timezone.localtime(message.created_at)
        author = live.author_name(message)
        lines.append(f"[{format_date(when.date())} {when:%H:%M}] {author}:\n{message.body}")
    return "\n\n".join(lines)


TICKET_DESCRIPTION_MAX = 5000


def conversation_to_ticket(*, conversation: Conversation, by: User, request: HttpRequest | None = None) -> Ticket:
    """Outside office hours, after waiting too long, or when the clerk decides: the conversation
    becomes a ticket (D1) with its transcript, filed as the tenant's message, so the usual ticket
    e-mails follow. A second call returns the same ticket."""
    with transaction.atomic():
        locked = _locked(conversation)
        if locked.ticket_id is not None:
            return Ticket.objects.get(pk=locked.ticket_id)
        if not _may_end(locked, by):
            raise ValidationError(_("Zamienić rozmowę w zgłoszenie może jej uczestnik."))
        if not locked.is_open:
            raise ValidationError(_("Rozmowa jest zakończona."))
        first = locked.messages.filter(author_kind=Message.Author.TENANT).order_by("id").first()
        subject = _("Czat: %(text)s") % {"text": " ".join((first.body if first else "").split())[:150]}
        transcript = transcript_text(locked)
        if len(transcript) > TICKET_DESCRIPTION_MAX:
            # The ticket's description has a limit; the start of the conversation states the matter.
            transcript = transcript[: TICKET_DESCRIPTION_MAX - 40] + "\n\n" + _("[zapis skrócony]")
        unit = (
            locked.unit if locked.unit_id and units_for_user(locked.tenant).filter(pk=locked.unit_id).exists() else None
        )
        filed = ticket_file(
            kind=Ticket.Kind.MESSAGE,
            subject=subject[:200],
            description=transcript,
            reporter=locked.tenant,
            unit=unit,
            request=request,
        )
        locked.status = Conversation.Status.TICKET
        locked.ticket = filed.ticket
        locked.closed_at = timezone.now()
        locked.save(update_fields=["status", "ticket", "closed_at"])
        _system_message(
            locked,
            _("Rozmowa została zapisana jako zgłoszenie %(number)s. Odpowiemy w ramach zgłoszenia.")
            % {"number": filed.ticket.number},
        )
        audit_log(
            action="chat.to_ticket", actor=by, obj=locked, request=request, details={"ticket": filed.ticket.number}
        )
        live.publish_status(locked)
    return filed.ticket


def transcript_email(*, conversation: Conversation, by: User, request: HttpRequest | None = None) -> bool:
    """E-mail the tenant the transcript (through the outbox); False when they have no address."""
    tenant = conversation.tenant
    if by.pk != tenant.pk:
        raise ValidationError(_("Zapis rozmowy wysyłamy tylko jej uczestnikowi."))
    if not tenant.email:
        return False
    with transaction.atomic():
        email_queue(
            to=[tenant.email],
            template="chat_transcript",
            context={"conversation": conversation, "transcript": transcript_text(conversation)},
            user=tenant,
        )
        audit_log(action="chat.transcript_email", actor=by, obj=conversation, request=request)
    return True


def retention_conversations(now: dt.datetime | None = None) -> int:
    """Delete conversations ended more than CHAT_RETENTION_DAYS ago (a ticket made from one
    keeps its transcript under the tickets' own rules); returns how many."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.CHAT_RETENTION_DAYS)
    old = Conversation.objects.exclude(status__in=Conversation.OPEN_STATUSES).filter(closed_at__lt=cutoff)
    count = old.count()
    old.delete()
    return count
