import datetime as dt
import time

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from portal.models import AuditEntry, EmailMessage
from portal.services.mail import email_deliver_now, email_queue, email_requeue_stuck, retry_delay
from tests.realparts import body_text, wait_until


def _queue(n: int = 0, **kwargs) -> EmailMessage:
    return email_queue(
        to=[f"adresat{n}@example.test"],
        template="notice",
        context={"subject": f"Wiadomość {n}", "text": f"Treść wiadomości nr {n} — zażółć gęślą jaźń"},
        **kwargs,
    )


@pytest.mark.django_db
def test_queued_email_is_a_row_before_anything_is_sent(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = _queue(1, attachments=[("a.pdf", b"%PDF-1.4", "application/pdf")])
    assert message.status == EmailMessage.Status.QUEUED
    assert message.subject == "Wiadomość 1"
    assert "zażółć gęślą jaźń" in message.body_text
    assert "<p>" in message.body_html
    assert message.attachments.get().filename == "a.pdf"
    assert len(callbacks) == 1  # delivery is queued only when the transaction commits
    assert mail.outbox == []


@pytest.mark.django_db
def test_delivery_sends_text_html_and_attachment_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = _queue(2, attachments=[("faktura.pdf", b"%PDF-1.4 test", "application/pdf")])
    message.refresh_from_db()
    assert message.status == EmailMessage.Status.SENT
    assert message.attempts == 1 and message.sent_at is not None
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["adresat2@example.test"]
    assert sent.alternatives[0][1] == "text/html"
    assert sent.attachments[0][0] == "faktura.pdf"
    assert email_deliver_now(message_id=message.pk) is True  # a second run sends nothing
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_same_dedup_key_queues_one_message():
    first = _queue(3, dedup_key="invoice:1:user:1")
    second = _queue(3, dedup_key="invoice:1:user:1")
    assert first.pk == second.pk
    assert EmailMessage.objects.count() == 1


def test_retry_delay_grows_exponentially(settings):
    settings.EMAIL_RETRY_BASE_SECONDS = 30
    assert [retry_delay(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert retry_delay(40) == 6 * 3600


@pytest.mark.django_db
def test_failed_attempt_is_recorded_and_message_stays_queued(settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens on the discard port
    settings.EMAIL_MAX_ATTEMPTS = 2
    with django_capture_on_commit_callbacks(execute=True):
        message = _queue(4)
    message.refresh_from_db()
    assert message.status == EmailMessage.Status.QUEUED
    assert message.attempts == 1
    assert "ConnectionRefusedError" in message.last_error
    assert email_deliver_now(message_id=message.pk) is False  # the last allowed attempt
    message.refresh_from_db()
    assert message.status == EmailMessage.Status.FAILED


@pytest.mark.django_db
def test_staff_resend_a_failed_message_from_admin(staff_client, django_capture_on_commit_callbacks):
    message = _queue(5)
    EmailMessage.objects.filter(pk=message.pk).update(status=EmailMessage.Status.FAILED, attempts=8)
    url = reverse("admin:portal_emailmessage_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url, {"action": "resend", "_selected_action": [message.pk]}, follow=True)
    assert response.status_code == 200
    message.refresh_from_db()
    assert message.status == EmailMessage.Status.SENT
    assert AuditEntry.objects.filter(action="email.resend", object_id=str(message.pk)).exists()


@pytest.mark.django_db
def test_outbox_is_listed_in_admin(staff_client):
    _queue(6)
    response = staff_client.get(reverse("admin:portal_emailmessage_changelist"))
    assert response.status_code == 200
    assert "Wiadomość 6" in response.content.decode()


@pytest.mark.django_db
def test_lost_delivery_tasks_are_queued_again(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        message = _queue(7)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=20)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        assert email_requeue_stuck() == 1
    message.refresh_from_db()
    assert message.status == EmailMessage.Status.SENT


@pytest.mark.worker
def test_smtp_outage_loses_no_message_and_sends_each_once(celery_worker, smtp):
    smtp.stop()
    for n in range(20):
        _queue(n)
    # The worker tries, fails and backs off while the server is down.
    wait_until(lambda: EmailMessage.objects.filter(attempts__gte=1).count() == 20, message="worker tried every message")
    assert EmailMessage.objects.filter(status=EmailMessage.Status.SENT).count() == 0
    smtp.start()
    smtp.wait_for(20, timeout=60)
    wait_until(lambda: not EmailMessage.objects.exclude(status=EmailMessage.Status.SENT).exists(), timeout=30)
    time.sleep(2)  # a duplicate would arrive now, if any were coming
    received = smtp.messages
    assert sorted(m["To"] for m in received) == sorted(f"adresat{n}@example.test" for n in range(20))
    assert "zażółć gęślą jaźń" in body_text(received[0])
    assert EmailMessage.objects.filter(status=EmailMessage.Status.SENT, attempts__gte=2).count() == 20
