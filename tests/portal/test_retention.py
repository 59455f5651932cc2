"""Item 19 of issue 13 (A15): daily jobs prune personal data after the operator's periods;
what is younger stays, and an active lockout is never opened."""

from __future__ import annotations

import datetime as dt
import logging
from importlib import import_module

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from celery.schedules import crontab
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.lockout import lockout_until
from portal import tasks
from portal.models import AuditEntry, EmailAttachment, EmailMessage
from portal.services.audit import audit_log
from portal.services.retention import PRUNED_BODY

pytestmark = pytest.mark.django_db


def days_ago(days: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def audit_entry(age_days: float) -> AuditEntry:
    entry = audit_log(action="account.consents", actor_label="lokator")
    AuditEntry.objects.filter(pk=entry.pk).update(ip_address="192.0.2.7", created_at=days_ago(age_days))
    return entry


def axes_row(model, *, username: str, age: dt.timedelta, **fields):
    row = model.objects.create(
        username=username, ip_address="192.0.2.8", user_agent=f"agent-{model.__name__}-{age}", path_info="/", **fields
    )
    model.objects.filter(pk=row.pk).update(attempt_time=timezone.now() - age)
    return row


def test_audit_entries_older_than_the_period_lose_their_ip_and_keep_the_rest(settings):
    old, fresh = audit_entry(181), audit_entry(179)
    assert tasks.retention_audit_ips() == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.ip_address is None and old.action == "account.consents" and old.actor_label == "lokator"
    assert fresh.ip_address == "192.0.2.7"
    assert tasks.retention_audit_ips() == 0  # safe to run twice
    settings.AUDIT_IP_RETENTION_DAYS = 30
    assert tasks.retention_audit_ips() == 1


def test_old_login_records_are_deleted_and_fresh_ones_kept(settings):
    old_log = axes_row(AccessLog, username="stary", age=dt.timedelta(days=91))
    fresh_log = axes_row(AccessLog, username="nowy", age=dt.timedelta(days=89))
    old_failure = axes_row(AccessFailureLog, username="stary", age=dt.timedelta(days=91))
    fresh_failure = axes_row(AccessFailureLog, username="nowy", age=dt.timedelta(days=1))
    old_attempt = axes_row(AccessAttempt, username="stary", age=dt.timedelta(days=91), failures_since_start=2)
    fresh_attempt = axes_row(AccessAttempt, username="nowy", age=dt.timedelta(days=2), failures_since_start=1)
    counts = tasks.retention_axes_records()
    assert counts == {"access_attempts": 1, "access_logs": 1, "access_failure_logs": 1}
    assert not AccessLog.objects.filter(pk=old_log.pk).exists() and AccessLog.objects.filter(pk=fresh_log.pk).exists()
    assert not AccessFailureLog.objects.filter(pk=old_failure.pk).exists()
    assert AccessFailureLog.objects.filter(pk=fresh_failure.pk).exists()
    assert not AccessAttempt.objects.filter(pk=old_attempt.pk).exists()
    assert AccessAttempt.objects.filter(pk=fresh_attempt.pk).exists()


def test_an_active_lockout_survives_even_a_zero_retention_period(settings):
    settings.AXES_RETENTION_DAYS = 0
    # Two failures long ago from one place and one just now from another: the account is locked
    # while any row is recent (accounts.lockout); deleting the old row would open it.
    axes_row(AccessAttempt, username="zablokowany", age=dt.timedelta(days=200), failures_since_start=2)
    axes_row(AccessAttempt, username="zablokowany", age=dt.timedelta(minutes=2), failures_since_start=1)
    axes_row(AccessFailureLog, username="zablokowany", age=dt.timedelta(minutes=2), locked_out=True)
    assert lockout_until("zablokowany") is not None
    counts = tasks.retention_axes_records()
    assert counts["access_attempts"] == 0 and counts["access_failure_logs"] == 0
    assert AccessAttempt.objects.filter(username="zablokowany").count() == 2
    assert lockout_until("zablokowany") is not None


def test_expired_sessions_are_deleted_and_live_ones_kept():
    store = import_module(django_settings.SESSION_ENGINE).SessionStore
    live, expired = store(), store()
    live["x"] = expired["x"] = 1
    live.create()
    expired.create()
    Session.objects.filter(session_key=expired.session_key).update(expire_date=days_ago(1))
    assert tasks.retention_sessions() == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]


def message(status: str, sent_days_ago: float | None) -> EmailMessage:
    sent_at = days_ago(sent_days_ago) if sent_days_ago is not None else None
    msg = EmailMessage.objects.create(
        to=["lokator@example.test"],
        subject="Faktura FV/1/11/2026",
        body_text="Szanowna Pani, w załączniku faktura.",
        body_html="<p>Szanowna Pani</p>",
        status=status,
        sent_at=sent_at,
    )
    EmailAttachment.objects.create(message=msg, filename="faktura.pdf", content_type="application/pdf", content=b"%PDF")
    return msg


def test_bodies_and_attachments_of_old_sent_e_mails_are_cleared_keeping_subject_recipient_and_dates():
    old = message(EmailMessage.Status.SENT, 91)
    fresh = message(EmailMessage.Status.SENT, 89)
    failed = message(EmailMessage.Status.FAILED, None)
    EmailMessage.objects.filter(pk=failed.pk).update(created_at=days_ago(200))
    queued = message(EmailMessage.Status.QUEUED, None)
    assert tasks.retention_outbox_bodies() == {"messages": 1, "attachments": 1}
    old.refresh_from_db()
    assert old.body_text == PRUNED_BODY and old.body_html == "" and not old.attachments.exists()
    assert old.subject == "Faktura FV/1/11/2026" and old.to == ["lokator@example.test"] and old.sent_at
    for kept in (fresh, failed, queued):
        kept.refresh_from_db()
        assert kept.body_text.startswith("Szanowna Pani") and kept.attachments.count() == 1
    assert tasks.retention_outbox_bodies() == {"messages": 0, "attachments": 0}


def test_each_job_logs_its_counts(caplog):
    audit_entry(365)
    with caplog.at_level(logging.INFO, logger="portal.services.retention"):
        tasks.retention_audit_ips()
        tasks.retention_axes_records()
        tasks.retention_sessions()
        tasks.retention_outbox_bodies()
    lines = [record.getMessage() for record in caplog.records if record.name == "portal.services.retention"]
    assert len(lines) == 4 and all(line.startswith("retention: ") for line in lines)
    assert "IP addresses removed from 1 audit entries" in lines[0]


def test_the_four_jobs_run_daily_from_beat():
    schedule = django_settings.CELERY_BEAT_SCHEDULE
    for name in ("audit_ips", "axes_records", "sessions", "outbox_bodies"):
        [entry] = [entry for entry in schedule.values() if entry["task"] == f"portal.tasks.retention_{name}"]
        assert isinstance(entry["schedule"], crontab) and entry["schedule"].hour == {4}
        assert callable(getattr(tasks, f"retention_{name}"))
