"""Newsletter (D5, seed 004 §9): to consenting users through the outbox, one-click unsubscribe."""

from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from portal.models import AuditEntry, EmailMessage
from tests.factories import NewsletterFactory, UserFactory
from tickets import services
from tickets.models import Newsletter

pytestmark = pytest.mark.django_db


def _send(staff_client, newsletter):
    return staff_client.post(
        reverse("admin:tickets_newsletter_change", args=[newsletter.pk]),
        {"subject": newsletter.subject, "body": newsletter.body, "_send": "Wyślij"},
    )


def test_newsletter_goes_only_to_users_who_consented(staff_client, staff, django_capture_on_commit_callbacks):
    readers = [UserFactory(consent_newsletter=True) for _ in range(2)]
    UserFactory(consent_newsletter=False)
    UserFactory(consent_newsletter=True, is_active=False)
    newsletter = NewsletterFactory(subject="Zebranie mieszkańców")
    with django_capture_on_commit_callbacks(execute=True):
        response = _send(staff_client, newsletter)
    assert response.status_code == 302
    newsletter.refresh_from_db()
    assert newsletter.sent_at is not None and newsletter.sent_by == staff and newsletter.recipients == 2
    mails = EmailMessage.objects.order_by("pk")
    assert [m.to[0] for m in mails] == [r.email for r in readers]
    assert all("/newsletter/wypisz/" in m.body_text and "/newsletter/wypisz/" in m.body_html for m in mails)
    assert AuditEntry.objects.get(action="newsletter.send").details == {"recipients": 2}


def test_newsletter_is_sent_once(staff_client, django_capture_on_commit_callbacks):
    UserFactory(consent_newsletter=True)
    newsletter = NewsletterFactory()
    with django_capture_on_commit_callbacks(execute=True):
        _send(staff_client, newsletter)
        response = _send(staff_client, newsletter)
    assert EmailMessage.objects.count() == 1
    assert "został już wysłany" in staff_client.get(response["Location"]).content.decode()
    services.newsletter_deliver_send(newsletter_id=newsletter.pk)  # the task running twice
    assert EmailMessage.objects.count() == 1


def test_sent_newsletter_is_read_only(staff_client, staff):
    newsletter = NewsletterFactory()
    services.newsletter_send(newsletter=newsletter, by=staff)
    staff_client.post(
        reverse("admin:tickets_newsletter_change", args=[newsletter.pk]),
        {"subject": "Zmieniony temat", "body": "Zmieniona treść", "_save": "Zapisz"},
    )
    newsletter.refresh_from_db()
    assert newsletter.subject != "Zmieniony temat"


def test_unsubscribe_link_withdraws_the_consent_at_once_without_login(client, staff):
    reader = UserFactory(consent_newsletter=True)
    newsletter = NewsletterFactory()
    services.newsletter_send(newsletter=newsletter, by=staff)
    services.newsletter_deliver_send(newsletter_id=newsletter.pk)
    mail = EmailMessage.objects.get(to=[reader.email])
    link = next(line for line in mail.body_text.splitlines() if "/newsletter/wypisz/" in line).strip()
    response = client.get(urlsplit(link).path)
    assert response.status_code == 200
    assert "Wycofaliśmy Twoją zgodę na newsletter." in response.content.decode()
    reader.refresh_from_db()
    assert reader.consent_newsletter is False and reader.consents_changed_at is not None
    entry = AuditEntry.objects.get(action="consent.newsletter_withdrawn")
    assert entry.actor == reader and entry.details == {"via": "unsubscribe_link"}
    mail.refresh_from_db()
    assert mail.status == EmailMessage.Status.CANCELLED  # not yet delivered: not sent any more
    assert client.get(urlsplit(link).path).status_code == 200  # a second click is harmless
    assert AuditEntry.objects.filter(action="consent.newsletter_withdrawn").count() == 1
    later = NewsletterFactory()
    services.newsletter_send(newsletter=later, by=staff)
    assert services.newsletter_deliver_send(newsletter_id=later.pk) == 0


def test_one_click_post_from_a_mail_client_works_without_csrf(staff):
    from django.test import Client

    reader = UserFactory(consent_newsletter=True)
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("tickets:newsletter_unsubscribe", args=[services.unsubscribe_token(reader)]))
    assert response.status_code == 200
    reader.refresh_from_db()
    assert reader.consent_newsletter is False


@pytest.mark.parametrize("token", ["zly", "MQ:1abc:podrobiony"])
def test_tampered_unsubscribe_link_changes_nothing(client, token):
    reader = UserFactory(consent_newsletter=True)
    response = client.get(reverse("tickets:newsletter_unsubscribe", args=[token]))
    assert response.status_code == 400
    assert "Link rezygnacji jest nieprawidłowy" in response.content.decode()
    reader.refresh_from_db()
    assert reader.consent_newsletter is True


def test_staff_can_write_a_draft(staff_client, staff):
    response = staff_client.post(
        reverse("admin:tickets_newsletter_add"), {"subject": "Wieści", "body": "Treść", "_save": "Zapisz"}
    )
    assert response.status_code == 302
    draft = Newsletter.objects.get()
    assert draft.created_by == staff and draft.sent_at is None
