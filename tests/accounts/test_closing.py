import pytest
from axes.models import AccessFailureLog
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.admin import PortalUserChangeForm
from accounts.models import Application, User
from portal.models import AuditEntry, EmailMessage
from portal.services.mail import email_queue
from tests.accounts.conftest import log_in
from tests.factories import PASSWORD, ApplicationFactory, TenantFactory, UnitFactory

pytestmark = pytest.mark.django_db


def _close(client, password=PASSWORD, confirm="on"):
    return client.post(reverse("account_close"), {"password": password, "confirm": confirm})


def test_closing_needs_the_password_again(client, owner):
    log_in(client, owner.username)
    html = _close(client, password="ZłeHasło1").content.decode()
    assert "Hasło jest nieprawidłowe." in html
    html = _close(client, confirm="").content.decode()
    assert "Zaznacz, że rozumiesz skutki zamknięcia konta." in html
    owner.refresh_from_db()
    assert owner.closed_at is None


def test_closing_logs_out_erases_personal_data_and_ends_access(client, owner):
    ApplicationFactory(user=owner, email=owner.email, pesel="44051401458")
    username = owner.username
    log_in(client, username)
    owner.consent_newsletter = True
    owner.save()
    response = _close(client)
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    owner.refresh_from_db()
    assert owner.closed_at and not owner.is_active and not owner.has_usable_password()
    assert (owner.email, owner.first_name, owner.last_name, owner.phone) == ("", "", "", "")
    assert not owner.consent_newsletter and owner.username != username
    assert not owner.grants.filter(until__isnull=True).exists()
    application = Application.objects.get(user=owner)
    assert (application.email, application.pesel, application.last_name) == ("", "", "")
    assert not AccessFailureLog.objects.filter(username=username).exists()
    entry = AuditEntry.objects.get(action="account.close")
    assert entry.actor_label == username  # the audit trail still says who it was
    log_in(client, username)
    assert "_auth_user_id" not in client.session


def test_closing_stops_all_mailing_at_once(client, owner):
    queued = email_queue(to=[owner.email], template="notice", context={"subject": "Ogłoszenie", "text": "x"})
    other = email_queue(to=["ktos@example.test"], template="notice", context={"subject": "Inne", "text": "x"})
    log_in(client, owner.username)
    _close(client)
    queued.refresh_from_db()
    other.refresh_from_db()
    assert queued.status == EmailMessage.Status.CANCELLED
    assert other.status == EmailMessage.Status.QUEUED


def test_login_and_email_of_a_closed_account_are_free_for_a_new_one(client, owner):
    username, email = owner.username, owner.email
    log_in(client, username)
    _close(client)
    again = TenantFactory(units=[UnitFactory()], username=username, email=email)
    assert User.objects.filter(email=email, closed_at__isnull=True).get() == again


def test_two_active_accounts_cannot_share_an_email(owner):
    with pytest.raises(IntegrityError), transaction.atomic():
        TenantFactory(email=owner.email.upper())


def test_staff_cannot_give_an_active_accounts_email_to_another_in_admin(owner, stranger):
    form = PortalUserChangeForm(instance=stranger, data={"email": owner.email.upper()})
    assert not form.is_valid()
    assert "Ten adres e-mail ma już inne aktywne konto." in form.errors["email"]
