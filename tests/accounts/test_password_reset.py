import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from accounts.lockout import lockout_until
from portal.models import AuditEntry, EmailMessage
from tests.accounts.conftest import log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW = "Odzyskane2027hasło"


def _reset_link(message: EmailMessage) -> str:
    return re.search(r"http://[^/\s]+(/haslo/reset/\S+/)", message.body_text).group(1)


def test_the_answer_is_the_same_whether_or_not_the_address_exists(client, owner):
    known = client.post(reverse("password_reset"), {"email": owner.email.upper()})
    unknown = client.post(reverse("password_reset"), {"email": "nikt@example.test"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("password_reset_done")
    assert EmailMessage.objects.count() == 1
    assert EmailMessage.objects.get().to == [owner.email]


def test_a_bad_address_gets_a_polish_message(client):
    html = client.post(reverse("password_reset"), {"email": "x"}).content.decode()
    assert "Wprowadź poprawny adres email." in html


def test_the_link_sets_a_new_password_once_opens_a_lockout_and_is_audited(client, owner):
    for _ in range(3):
        log_in(client, owner.username, "ZłeHasło1")
    assert lockout_until(owner.username)
    client.post(reverse("password_reset"), {"email": owner.email})
    link = _reset_link(EmailMessage.objects.get())
    form_url = client.get(link)["Location"]
    html = client.get(form_url).content.decode()
    assert "Ustaw nowe hasło" in html and "co najmniej jedną wielką literę" in html
    response = client.post(form_url, {"new_password1": NEW, "new_password2": NEW})
    assert response["Location"] == reverse("password_reset_complete")
    owner.refresh_from_db()
    assert owner.check_password(NEW) and lockout_until(owner.username) is None
    assert AuditEntry.objects.filter(action="account.password_reset", object_id=str(owner.pk)).exists()
    again = client.get(link, follow=True).content.decode()
    assert "Link jest nieprawidłowy lub wygasł" in again


def test_the_link_is_valid_for_one_hour(client, owner):
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC), tick=False) as clock:
        client.post(reverse("password_reset"), {"email": owner.email})
        link = _reset_link(EmailMessage.objects.get())
        clock.shift(dt.timedelta(minutes=59))
        assert "Ustaw nowe hasło" in client.get(link, follow=True).content.decode()
        clock.shift(dt.timedelta(minutes=2))
        assert "Link jest nieprawidłowy lub wygasł" in client.get(link, follow=True).content.decode()


def test_a_tampered_link_gets_a_clear_page(client, owner):
    client.post(reverse("password_reset"), {"email": owner.email})
    link = _reset_link(EmailMessage.objects.get())
    response = client.get(link[:-3] + "zz/", follow=True)
    assert response.status_code == 200
    assert "Link jest nieprawidłowy lub wygasł" in response.content.decode()


def test_blocked_accounts_get_no_reset_link(client, owner, staff):
    from accounts.services import user_block

    user_block(user=owner, by=staff, reason="Nadużycie")
    client.post(reverse("password_reset"), {"email": owner.email})
    assert not EmailMessage.objects.exists()


def test_staff_generate_a_new_first_password_which_is_emailed(staff_client, staff, owner, client):
    url = reverse("admin:accounts_user_new_password", args=[owner.pk])
    assert url in staff_client.get(reverse("admin:accounts_user_change", args=[owner.pk])).content.decode()
    assert staff_client.post(url).status_code == 302
    message = EmailMessage.objects.get(user=owner)
    assert message.to == [owner.email] and f"Login: {owner.username}" in message.body_text
    password = message.body_text.split("Nowe hasło: ")[1].split()[0]
    owner.refresh_from_db()
    assert owner.must_change_password and owner.check_password(password) and not owner.check_password(PASSWORD)
    assert AuditEntry.objects.get(action="account.password_generated").actor == staff
