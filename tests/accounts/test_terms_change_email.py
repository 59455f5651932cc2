"""A new version of the regulations is e-mailed to every active user (seed 004 §19, issue 14 item 20)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.services import terms_changed_email_send, terms_publish
from portal.models import EmailMessage
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def first_version(staff):
    return terms_publish(version="1", text="§ 1. Pierwsza wersja.", by=staff)


def test_publishing_a_new_version_in_admin_e_mails_every_active_user_once(
    staff_client, owner, co_owner, first_version, django_capture_on_commit_callbacks, settings
):
    settings.PORTAL_BASE_URL = "https://ebok.example.pl"
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:accounts_termsversion_add"), {"version": "2026.2", "text": "§ 1. Nowe zasady."}
        )
    assert response.status_code == 302
    messages = EmailMessage.objects.filter(dedup_key__startswith="terms:")
    assert sorted(m.to[0] for m in messages) == sorted([owner.email, co_owner.email])
    message = messages.get(user=owner)
    assert message.subject == "Zmiana regulaminu e-BOK (wersja 2026.2)"
    assert "https://ebok.example.pl/regulamin/" in message.body_text
    assert "akceptację" in message.body_text


def test_sending_again_queues_nothing_more(owner, staff, first_version, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        terms = terms_publish(version="2", text="§ 1. Druga.", by=staff)
    assert EmailMessage.objects.filter(dedup_key__startswith="terms:").count() == 1
    assert terms_changed_email_send(terms_id=terms.pk) == 0
    assert EmailMessage.objects.filter(dedup_key__startswith="terms:").count() == 1


def test_closed_blocked_and_staff_accounts_are_not_e_mailed(
    owner, staff, first_version, django_capture_on_commit_callbacks
):
    factories.TenantFactory(closed_at=timezone.now())
    factories.TenantFactory(blocked_at=timezone.now())
    factories.TenantFactory(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        terms_publish(version="2", text="§ 1. Druga.", by=staff)
    assert [m.to for m in EmailMessage.objects.filter(dedup_key__startswith="terms:")] == [[owner.email]]


def test_the_first_version_of_an_installation_is_not_e_mailed(owner, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        terms_publish(version="1", text="§ 1. Pierwsza.", by=staff)
    assert not EmailMessage.objects.filter(dedup_key__startswith="terms:").exists()
