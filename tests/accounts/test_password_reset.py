import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.lockout import lockout_until
from portal.models import AuditEntry, EmailMessage
from tests.accounts.conftest import log_in
from tests.factories import PASSWORD, TenantFactory, UnitFactory
from tests.realparts import body_text

pytestmark = pytest.mark.django_db

NEW = "Odzyskane2027hasło"


def _reset_link(message: EmailMessage) -> str:
    return re.search(r"http://[^/\s]+(/haslo/reset/\S+/)", message.body_text).group(1)


@pytest.fixture
def request_reset(client, django_capture_on_commit_callbacks):
    """Ask for a reset link and let the queued task run, as the worker would after the answer."""

    def send(email: str, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("password_reset"), {"email": email}, **extra)

    return send


def test_the_answer_is_the_same_whether_or_not_the_address_exists(request_reset, owner):
    known = request_reset(owner.email.upper())
    unknown = request_reset("nikt@example.test")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("password_reset_done")
    assert EmailMessage.objects.count() == 1
    assert EmailMessage.objects.get().to == [owner.email]


def test_a_bad_address_gets_a_polish_message(client):
    html = client.post(reverse("password_reset"), {"email": "x"}).content.decode()
    assert "Wprowadź poprawny adres email." in html


def test_the_link_sets_a_new_password_once_opens_a_lockout_and_is_audited(client, request_reset, owner):
    for _ in range(3):
        log_in(client, owner.username, "ZłeHasło1")
    assert lockout_until(owner.username)
    request_reset(owner.email)
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


def test_the_link_is_valid_for_one_hour(client, request_reset, owner):
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC), tick=False) as clock:
        request_reset(owner.email)
        link = _reset_link(EmailMessage.objects.get())
        clock.shift(dt.timedelta(minutes=59))
        assert "Ustaw nowe hasło" in client.get(link, follow=True).content.decode()
        clock.shift(dt.timedelta(minutes=2))
        assert "Link jest nieprawidłowy lub wygasł" in client.get(link, follow=True).content.decode()


def test_a_tampered_link_gets_a_clear_page(client, request_reset, owner):
    request_reset(owner.email)
    link = _reset_link(EmailMessage.objects.get())
    response = client.get(link[:-3] + "zz/", follow=True)
    assert response.status_code == 200
    assert "Link jest nieprawidłowy lub wygasł" in response.content.decode()


def test_blocked_accounts_get_no_reset_link(request_reset, owner, staff):
    from accounts.services import user_block

    user_block(user=owner, by=staff, reason="Nadużycie")
    request_reset(owner.email)
    assert not EmailMessage.objects.exists()


def test_the_page_does_the_same_work_for_known_and_unknown_addresses_and_leaves_the_lookup_to_a_task(
    client, owner, django_assert_num_queries, django_capture_on_commit_callbacks
):
    url = reverse("password_reset")
    client.get(url)  # the first request of a process reads what it keeps for a while (portal.memo)
    with CaptureQueriesContext(connection) as known, django_capture_on_commit_callbacks() as queued_known:
        client.post(url, {"email": owner.email})
    with django_assert_num_queries(len(known.captured_queries)), django_capture_on_commit_callbacks() as queued:
        client.post(url, {"email": "nikt@example.test"})
    # Neither answer looked the address up nor wrote an e-mail: each only queued the task.
    assert not any("accounts_user" in query["sql"] for query in known.captured_queries)
    assert not EmailMessage.objects.exists()
    assert len(queued_known) == len(queued) == 1


def test_the_email_is_written_by_the_task_after_the_answer_and_audited_with_the_clients_address(
    client, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(reverse("password_reset"), {"email": owner.email}, REMOTE_ADDR="203.0.113.20")
    assert response["Location"] == reverse("password_reset_done")
    assert not EmailMessage.objects.exists()
    for task in queued:
        task()
    message = EmailMessage.objects.get()
    assert message.to == [owner.email] and "/haslo/reset/" in message.body_text
    entry = AuditEntry.objects.get(action="account.password_reset_request")
    assert entry.object_id == str(owner.pk) and entry.ip_address == "203.0.113.20"


def test_six_quick_requests_for_one_address_send_at_most_three_emails(request_reset, owner, settings, caplog):
    settings.PASSWORD_RESET_PER_ADDRESS_HOUR = 3
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC), tick=False) as clock:
        answers = [request_reset(owner.email, REMOTE_ADDR=f"198.51.100.{n}") for n in range(1, 7)]
        assert {answer["Location"] for answer in answers} == {reverse("password_reset_done")}
        assert EmailMessage.objects.filter(user=owner).count() == 3
        refused = [r for r in caplog.records if "over the password_reset_address limit" in r.getMessage()]
        assert len(refused) == 3 and owner.email not in caplog.text
        clock.shift(dt.timedelta(minutes=61))
        request_reset(owner.email, REMOTE_ADDR="198.51.100.1")
    assert EmailMessage.objects.filter(user=owner).count() == 4


def test_one_client_may_ask_for_ten_addresses_an_hour(request_reset, owner, settings, caplog):
    settings.PASSWORD_RESET_PER_IP_HOUR = 10
    for n in range(10):
        request_reset(f"ktos{n}@example.test", REMOTE_ADDR="203.0.113.30")
    refused = request_reset(owner.email, REMOTE_ADDR="203.0.113.30")
    assert refused["Location"] == reverse("password_reset_done")
    assert not EmailMessage.objects.exists()
    assert "over the password_reset_ip limit" in caplog.text and "203.0.113.30" in caplog.text
    request_reset(owner.email, REMOTE_ADDR="203.0.113.31")
    assert EmailMessage.objects.get().to == [owner.email]


def test_clients_behind_the_proxy_have_limits_of_their_own(request_reset, owner, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    settings.PASSWORD_RESET_PER_IP_HOUR = 2
    for n in range(2):
        request_reset(f"ktos{n}@example.test", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.40")
    request_reset(owner.email, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.40")
    assert not EmailMessage.objects.exists()
    request_reset(owner.email, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.41")
    assert EmailMessage.objects.get().to == [owner.email]


def test_over_the_limit_the_answer_is_the_same_page_in_polish(client, request_reset, owner, settings):
    settings.PASSWORD_RESET_PER_ADDRESS_HOUR = 1
    sent, refused = request_reset(owner.email), request_reset(owner.email)
    assert sent.status_code == refused.status_code == 302
    assert sent["Location"] == refused["Location"] == reverse("password_reset_done")
    html = client.get(refused["Location"]).content.decode()
    assert "Sprawdź skrzynkę e-mail" in html
    assert "Jeśli podany adres należy do konta w e-BOK, wysłaliśmy na niego link" in html
    assert EmailMessage.objects.count() == 1


@pytest.mark.worker
def test_the_worker_looks_the_address_up_and_the_link_reaches_the_mail_server(client, celery_worker, smtp):
    user = TenantFactory(units=[UnitFactory()], email="zapominalska@example.test")
    response = client.post(reverse("password_reset"), {"email": user.email})
    assert response["Location"] == reverse("password_reset_done")
    received = smtp.wait_for(1, timeout=60)
    assert received[0]["To"] == user.email and "/haslo/reset/" in body_text(received[0])
    assert "accounts.tasks.password_reset_send" in celery_worker.log.read_text()


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
