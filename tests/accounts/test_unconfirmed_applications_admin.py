"""An applicant calls because the confirmation e-mail never came: staff find the unconfirmed
application under its own filter and send the link again (issue 14 item 12)."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Application
from portal.models import AuditEntry, EmailMessage
from tests.accounts.conftest import application_data

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:accounts_application_changelist")


def _submit(client) -> Application:
    client.post(reverse("application_form"), application_data())
    return Application.objects.get()


def test_unconfirmed_filter_lists_applications_whose_email_was_never_confirmed(staff_client, client):
    application = _submit(client)
    confirmed = Application.objects.create(
        number="W/2026/999999", status=Application.Status.PENDING, first_name="A", last_name="B", email="a@b.test"
    )
    html = staff_client.get(CHANGELIST + "?stan=unconfirmed").content.decode()
    assert "niepotwierdzone" in html
    assert application.number in html and confirmed.number not in html
    page = staff_client.get(reverse("admin:accounts_application_change", args=[application.pk]))
    assert page.status_code == 200 and "czeka na potwierdzenie e-maila" in page.content.decode()


def test_resend_action_emails_a_working_confirmation_link_again_and_is_audited(
    staff_client, staff, client, django_capture_on_commit_callbacks
):
    application = _submit(client)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            CHANGELIST + "?stan=unconfirmed",
            {"action": "resend_confirmation", "_selected_action": [application.pk]},
            follow=True,
        )
    assert "Wysłano ponownie e-mail z linkiem potwierdzającym; liczba wniosków: 1." in response.content.decode()
    messages = EmailMessage.objects.filter(to=[application.email], subject__contains=application.number)
    assert messages.count() == 2
    resent = messages.order_by("-id").first()
    assert resent.attachments.count() == 1  # the printable application again
    path = re.search(r"/wniosek/potwierdz/[^/\s]+/", resent.body_text).group(0)
    entry = AuditEntry.objects.get(action="application.confirmation_resend")
    assert entry.actor == staff and entry.object_id == str(application.pk)
    client.get(path)
    application.refresh_from_db()
    assert application.status == Application.Status.PENDING


def test_resend_is_refused_for_a_confirmed_application_and_after_the_confirmation_period(staff_client, settings):
    long_ago = timezone.now() - dt.timedelta(days=settings.APPLICATION_CONFIRM_DAYS, hours=1)
    expired = Application.objects.create(
        number="W/2026/999998", first_name="A", last_name="B", email="c@d.test", created_at=long_ago
    )
    confirmed = Application.objects.create(
        number="W/2026/999999", status=Application.Status.PENDING, first_name="A", last_name="B", email="a@b.test"
    )
    html = staff_client.post(
        CHANGELIST, {"action": "resend_confirmation", "_selected_action": [confirmed.pk]}, follow=True
    ).content.decode()
    html += staff_client.post(
        CHANGELIST + "?stan=unconfirmed",
        {"action": "resend_confirmation", "_selected_action": [expired.pk]},
        follow=True,
    ).content.decode()
    assert f"Wniosek {confirmed.number} ma już potwierdzony adres e-mail." in html
    assert f"Termin potwierdzenia wniosku {expired.number} minął" in html
    assert not AuditEntry.objects.filter(action="application.confirmation_resend").exists()
    assert not EmailMessage.objects.exists()
