"""Newsletters and announcements carry List-Unsubscribe and List-Unsubscribe-Post (RFC 2369 and
8058, as large mailbox providers require of bulk senders); the one-click POST unsubscribes
(issue 14 item 21)."""

import re
from urllib.parse import unquote, urlsplit

import pytest
from django.test import Client

from accounts.models import User
from portal.models import AuditEntry, EmailMessage
from tests.factories import AnnouncementFactory, NewsletterFactory, OperatorFactory, UserFactory
from tickets import services

pytestmark = pytest.mark.django_db


def _one_click_url(header: str) -> str:
    return re.search(r"<(https?://[^>]+)>", header).group(1)


def test_a_newsletter_arrives_with_one_click_unsubscribe_headers(
    smtp, staff, settings, django_capture_on_commit_callbacks
):
    settings.PORTAL_BASE_URL = "https://ebok.example.pl"
    OperatorFactory(email="bok@sm-zrodlo.example.pl")
    reader = UserFactory(consent_newsletter=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.newsletter_send(newsletter=NewsletterFactory(), by=staff)
    [received] = smtp.wait_for(1)
    header = " ".join(received["List-Unsubscribe"].split())
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert _one_click_url(header).startswith("https://ebok.example.pl/newsletter/wypisz/")
    mailto = re.search(r"<mailto:([^>]+)>", header).group(1)
    assert mailto.startswith("bok@sm-zrodlo.example.pl?subject=")
    assert _one_click_url(header) in unquote(mailto)
    assert received["To"] == reader.email


def test_the_configured_mailbox_is_named_in_the_mailto(staff, settings, django_capture_on_commit_callbacks):
    settings.MAILING_UNSUBSCRIBE_MAILTO = "wypisz@sm-zrodlo.example.pl"
    UserFactory(consent_newsletter=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.newsletter_send(newsletter=NewsletterFactory(), by=staff)
    assert "<mailto:wypisz@sm-zrodlo.example.pl?" in EmailMessage.objects.get().headers["List-Unsubscribe"]


def test_the_mail_clients_one_click_post_ends_announcements_by_e_mail(django_capture_on_commit_callbacks):
    reader = UserFactory(notify_announcements=True)
    with django_capture_on_commit_callbacks(execute=True):
        announcement = AnnouncementFactory(for_all=True)
        services.announcement_email_send(announcement_id=announcement.pk)
    message = EmailMessage.objects.get(to=[reader.email])
    assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = _one_click_url(message.headers["List-Unsubscribe"])
    assert url in message.body_text  # the same link in the body, for a person

    # What a mailbox provider sends (RFC 8058): a POST without cookies or CSRF token.
    response = Client(enforce_csrf_checks=True).post(
        urlsplit(url).path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert "Wyłączyliśmy wysyłanie ogłoszeń" in response.content.decode()
    reader.refresh_from_db()
    assert reader.notify_announcements is False
    assert AuditEntry.objects.get(action="account.announcements_off").actor == reader
    later = AnnouncementFactory(for_all=True)
    assert services.announcement_email_send(announcement_id=later.pk) == 0


def test_a_tampered_announcements_link_changes_nothing():
    reader = UserFactory(notify_announcements=True)
    token = services.announcements_unsubscribe_token(reader)
    response = Client().post(f"/ogloszenia/wypisz/{token}x/")
    assert response.status_code == 400
    # A newsletter token does not end announcements (each list signs its own).
    assert Client().post(f"/ogloszenia/wypisz/{services.unsubscribe_token(reader)}/").status_code == 400
    assert User.objects.get(pk=reader.pk).notify_announcements is True


def test_mail_that_is_not_a_mailing_has_no_unsubscribe_header(owner, django_capture_on_commit_callbacks):
    from accounts.services.password_reset import password_reset_send

    password_reset_send(email=owner.email)
    assert "List-Unsubscribe" not in EmailMessage.objects.get().headers
