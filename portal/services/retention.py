"""Pruning of personal data that is no longer needed (A15, RODO art. 5(1)(c) and (e)).

Each job runs daily from Celery beat, is safe to run twice, logs and returns its counts.
Periods come from the settings (``*_RETENTION_DAYS``).
"""

from __future__ import annotations

import datetime as dt
import logging
from importlib import import_module

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from accounts.lockout import cool_off
from portal.models import AuditEntry, EmailAttachment, EmailMessage

logger = logging.getLogger(__name__)

# What stays of a sent e-mail's body once its retention period is over.
PRUNED_BODY = "[Treść usunięta po upływie okresu przechowywania; zostały temat, adresat i daty.]\n"


def _cutoff(days: int, now: dt.datetime | None) -> dt.datetime:
    return (now or timezone.now()) - dt.timedelta(days=days)


def audit_ips_prune(*, now: dt.datetime | None = None) -> int:
    """Forget the IP address of audit entries older than ``AUDIT_IP_RETENTION_DAYS``;
    the entry itself (who did what, when) stays. Returns the entries changed."""
    cutoff = _cutoff(settings.AUDIT_IP_RETENTION_DAYS, now)
    count = AuditEntry.objects.filter(created_at__lt=cutoff, ip_address__isnull=False).update(ip_address=None)
    logger.info("retention: IP addresses removed from %d audit entries older than %s", count, cutoff.isoformat())
    return count


def axes_records_prune(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete axes' login records older than ``AXES_RETENTION_DAYS``.

    An active lockout is never opened by this: the failure counter of an account is the
    sum of all its rows while any of them is recent (accounts.lockout), so an account's
    attempts are deleted only when its *last* attempt is past both the retention period
    and the lockout time.
    """
    now = now or timezone.now()
    cutoff = min(_cutoff(settings.AXES_RETENTION_DAYS, now), now - cool_off())
    with transaction.atomic():
        stale = AccessAttempt.objects.values("username").annotate(last=Max("attempt_time")).filter(last__lt=cutoff)
        attempts, _ = AccessAttempt.objects.filter(username__in=stale.values("username")).delete()
        # Rows without a username (axes records those too) have no account to lock.
        no_username, _ = AccessAttempt.objects.filter(username__isnull=True, attempt_time__lt=cutoff).delete()
        logs, _ = AccessLog.objects.filter(attempt_time__lt=cutoff).delete()
        failures, _ = AccessFailureLog.objects.filter(attempt_time__lt=cutoff).delete()
    counts = {"access_attempts": attempts + no_username, "access_logs": logs, "access_failure_logs": failures}
    logger.info("retention: axes records older than %s deleted: %s", cutoff.isoformat(), counts)
    return counts


def sessions_prune() -> int:
    """Delete expired sessions (Django's ``clearsessions``); returns how many there were."""
    engine = import_module(settings.SESSION_ENGINE)
    count = 0
    if settings.SESSION_ENGINE in ("django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db"):
        count = Session.objects.filter(expire_date__lt=timezone.now()).count()
    engine.SessionStore.clear_expired()
    logger.info("retention: %d expired sessions deleted", count)
    return count


def outbox_bodies_prune(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Clear the bodies and attachments of e-mails sent more than ``OUTBOX_RETENTION_DAYS``
    ago; subject, recipients, status and dates stay (what was sent to whom, and when).
    Queued and failed messages are kept whole: they may still be (re)sent."""
    cutoff = _cutoff(settings.OUTBOX_RETENTION_DAYS, now)
    old = EmailMessage.objects.filter(status=EmailMessage.Status.SENT, sent_at__lt=cutoff)
    with transaction.atomic():
        attachments, _ = EmailAttachment.objects.filter(message__in=old).delete()
        bodies = old.filter(~Q(body_text=PRUNED_BODY) | ~Q(body_html="")).update(body_text=PRUNED_BODY, body_html="")
    counts = {"messages": bodies, "attachments": attachments}
    logger.info("retention: e-mails sent before %s cleared: %s", cutoff.isoformat(), counts)
    return counts
