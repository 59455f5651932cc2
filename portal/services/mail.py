"""The e-mail outbox: a message is a row first, delivered by a task after commit (E2)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone, translation

from portal.models import EmailAttachment, EmailMessage
from portal.services.audit import audit_log

logger = logging.getLogger(__name__)


def email_queue(
    *,
    to: Sequence[str],
    template: str,
    context: dict[str, Any] | None = None,
    attachments: Iterable[tuple[str, bytes, str]] = (),
    user: Any = None,
    dedup_key: str | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    """Store an e-mail rendered from ``templates/emails/<template>.{subject,txt,html}``
    and queue its delivery once the surrounding transaction commits.

    With ``dedup_key`` a second call for the same key returns the first message
    instead of sending again (e.g. one e-mail per invoice even if a task runs twice).
    """
    if dedup_key:
        existing = EmailMessage.objects.filter(dedup_key=dedup_key).first()
        if existing is not None:
            return existing
    ctx = context or {}
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"emails/{template}.subject.txt", ctx).strip()
        body_text = render_to_string(f"emails/{template}.txt", ctx)
        body_html = render_to_string(f"emails/{template}.html", ctx)
    try:
        with transaction.atomic():
            message = EmailMessage.objects.create(
                to=list(to),
                subject=" ".join(subject.split())[:250],
                body_text=body_text,
                body_html=body_html,
                user=user,
                dedup_key=dedup_key,
                headers=headers or {},
            )
            for filename, content, content_type in attachments:
                EmailAttachment.objects.create(
                    message=message, filename=filename, content=content, content_type=content_type
                )
    except IntegrityError:
        # Two runs raced on the same dedup_key: the other one queued it.
        return EmailMessage.objects.get(dedup_key=dedup_key)
    _queue_delivery(message.pk)
    return message


def list_unsubscribe_headers(*, url: str, mailto: str = "") -> dict[str, str]:
    """Headers of a bulk mailing (newsletter, announcements) that large mailbox providers require:
    a one-click unsubscribe address the mail client POSTs ``List-Unsubscribe=One-Click`` to
    (RFC 8058) and, when an address is given, a mailto alternative (RFC 2369)."""
    targets = [f"<{url}>"]
    if mailto:
        targets.append(f"<mailto:{mailto}?subject={quote('wypisz ' + url)}>")
    return {"List-Unsubscribe": ", ".join(targets), "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def _queue_delivery(message_id: int) -> None:
    from portal.tasks import email_deliver

    email_deliver.delay_on_commit(message_id)


def email_resend(*, message: EmailMessage, by: Any, request: HttpRequest | None = None) -> bool:
    """Staff action: give a failed or cancelled message a fresh set of attempts; audited.
    A message sent meanwhile is left alone (False)."""
    with transaction.atomic():
        reset = (
            EmailMessage.objects.filter(pk=message.pk)
            .exclude(status=EmailMessage.Status.SENT)
            .update(status=EmailMessage.Status.QUEUED, attempts=0, last_error="")
        )
        if not reset:
            return False
        audit_log(action="email.resend", actor=by, obj=message, request=request)
        _queue_delivery(message.pk)
    return True


def retry_delay(attempts: int) -> float:
    """Exponential backoff: base, 2×base, 4×base … capped at six hours."""
    base: float = settings.EMAIL_RETRY_BASE_SECONDS
    factor: int = 2 ** max(attempts - 1, 0)  # typeshed types int ** int as Any (a negative power is a float)
    return min(base * factor, 6 * 3600)


class DeliveryFailed(Exception):
    """The SMTP server did not take the message; the task retries later."""


def email_deliver_now(*, message_id: int) -> bool:
    """Send one queued message. Returns True when it is (now or already) sent.

    The row is locked for the whole SMTP conversation, so two workers that got
    the same message (a retry racing a requeue) cannot both send it.
    """
    with transaction.atomic():
        message = EmailMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.status != EmailMessage.Status.QUEUED:
            return message is not None and message.status == EmailMessage.Status.SENT
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=message.to,
            connection=get_connection(timeout=settings.EMAIL_TIMEOUT),
            headers=message.headers or None,
        )
        if message.body_html:
            email.attach_alternative(message.body_html, "text/html")
        for attachment in message.attachments.all():
            email.attach(attachment.filename, bytes(attachment.content), attachment.content_type)
        message.attempts += 1
        message.last_attempt_at = timezone.now()
        try:
            email.send()
        except Exception as exc:  # noqa: BLE001 - any transport error means "try again later"
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if message.attempts >= settings.EMAIL_MAX_ATTEMPTS:
                message.status = EmailMessage.Status.FAILED
            message.save(update_fields=["attempts", "last_attempt_at", "last_error", "status"])
            logger.warning("e-mail %s not sent (attempt %s): %s", message.pk, message.attempts, exc)
            if message.status == EmailMessage.Status.FAILED:
                return False
            failed = True
        else:
            message.status = EmailMessage.Status.SENT
            message.sent_at = timezone.now()
            message.last_error = ""
            message.save(update_fields=["attempts", "last_attempt_at", "last_error", "status", "sent_at"])
            failed = False
    if failed:
        raise DeliveryFailed(message.last_error)
    return True


def email_requeue_stuck() -> int:
    """Queue again messages whose delivery task was lost (e.g. the broker restarted)."""
    cutoff = timezone.now() - timedelta(minutes=15)
    stuck = EmailMessage.objects.filter(status=EmailMessage.Status.QUEUED).filter(
        Q(last_attempt_at__lt=cutoff) | Q(last_attempt_at__isnull=True, created_at__lt=cutoff)
    )
    ids = list(stuck.values_list("pk", flat=True)[:1000])
    for message_id in ids:
        _queue_delivery(message_id)
    return len(ids)
