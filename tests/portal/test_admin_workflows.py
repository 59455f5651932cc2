"""Staff edits of the project's own records go through services (issue 15 §3): the
operator's data and a resent e-mail are written and audited by portal.services."""

import pytest

from portal.models import AuditEntry, EmailMessage, Operator
from portal.services.mail import email_queue, email_resend
from portal.services.operator import operator_save
from tests.factories import OperatorFactory

pytestmark = pytest.mark.django_db


def _failed_message() -> EmailMessage:
    message = email_queue(
        to=["lokator@example.test"], template="notice", context={"subject": "Przypomnienie", "text": "Treść"}
    )
    EmailMessage.objects.filter(pk=message.pk).update(status=EmailMessage.Status.FAILED, attempts=8, last_error="x")
    return message


def test_staff_enter_the_operators_data_on_record(staff):
    operator = operator_save(operator=OperatorFactory.build(), by=staff)
    assert Operator.objects.filter(pk=operator.pk).exists()
    assert AuditEntry.objects.get(action="operator.create").actor == staff


def test_staff_change_the_operators_data_on_record(staff):
    operator = OperatorFactory()
    operator.phone = "32 672 11 11"
    operator_save(operator=operator, by=staff)
    assert Operator.objects.get().phone == "32 672 11 11"
    assert AuditEntry.objects.get(action="operator.change").actor == staff


def test_a_failed_message_gets_fresh_attempts_on_record(staff, django_capture_on_commit_callbacks):
    message = _failed_message()
    with django_capture_on_commit_callbacks() as queued:
        assert email_resend(message=message, by=staff) is True
    message.refresh_from_db()
    assert message.status == EmailMessage.Status.QUEUED and message.attempts == 0 and message.last_error == ""
    assert AuditEntry.objects.get(action="email.resend").actor == staff
    assert len(queued) == 1


def test_a_message_sent_meanwhile_is_not_resent_nor_recorded(staff, django_capture_on_commit_callbacks):
    message = _failed_message()
    EmailMessage.objects.filter(pk=message.pk).update(status=EmailMessage.Status.SENT)
    with django_capture_on_commit_callbacks() as queued:
        assert email_resend(message=message, by=staff) is False
    assert not AuditEntry.objects.filter(action="email.resend").exists()
    assert queued == []
