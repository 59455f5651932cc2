import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import ngettext

from portal.models import AuditEntry
from tests.accounts.conftest import log_in

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 11, 16, 8, 0, tzinfo=dt.UTC)  # 9:00 in Warsaw


def test_login_and_logout_are_in_the_audit_trail_with_the_address(owner):
    client = Client(REMOTE_ADDR="203.0.113.9")
    log_in(client, owner.username)
    client.post(reverse("logout"))
    login, logout = AuditEntry.objects.filter(object_id=str(owner.pk)).order_by("id")
    assert (login.action, login.actor, login.ip_address) == ("account.login", owner, "203.0.113.9")
    assert logout.action == "account.logout"


def test_the_first_login_says_so(client, owner):
    log_in(client, owner.username)
    assert "To Twoje pierwsze logowanie." in client.get("/").content.decode()


def test_the_dashboard_shows_the_previous_login_and_the_failed_attempts_since(owner):
    with time_machine.travel(MONDAY, tick=False) as clock:
        first = Client()
        log_in(first, owner.username)
        clock.shift(dt.timedelta(days=1, hours=3))  # Tuesday 12:00: someone guesses twice
        log_in(Client(), owner.username, "ZłeHasło1")
        log_in(Client(), owner.username, "ZłeHasło2")
        clock.shift(dt.timedelta(days=1))  # Wednesday 12:00
        second = Client()
        log_in(second, owner.username)
        html = second.get("/").content.decode()
    assert "Poprzednie logowanie: <strong>16.11.2026 09:00</strong>" in html
    assert "Od tamtej pory były 2 nieudane próby logowania" in html and "ostatnia: 17.11.2026 12:00" in html
    assert reverse("password_change") in html


def test_the_first_login_says_so_and_counts_the_failed_attempts_before_it_not_since(owner):
    with time_machine.travel(MONDAY, tick=False) as clock:
        log_in(Client(), owner.username, "ZłeHasło1")
        clock.shift(dt.timedelta(hours=1))
        client = Client()
        log_in(client, owner.username)
        html = client.get("/").content.decode()
    assert "To Twoje pierwsze logowanie." in html
    assert "Wcześniej była 1 nieudana próba logowania na Twoje konto (ostatnia: 16.11.2026 09:00)." in html
    assert "Od tego czasu" not in html and "Od tamtej pory" not in html


def test_a_first_login_without_failed_attempts_says_nothing_about_them(client, owner):
    log_in(client, owner.username)
    html = client.get("/").content.decode()
    assert "To Twoje pierwsze logowanie." in html and "nieudan" not in html


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (1, "była 1 nieudana próba"),
        (2, "były 2 nieudane próby"),
        (4, "były 4 nieudane próby"),
        (5, "było 5 nieudanych prób"),
        (12, "było 12 nieudanych prób"),
        (22, "były 22 nieudane próby"),
        (25, "było 25 nieudanych prób"),
    ],
)
def test_failed_attempts_are_counted_with_the_polish_plural_forms(n, words):
    with translation.override("pl"):
        text = ngettext(
            "Od tamtej pory była %(n)s nieudana próba logowania na Twoje konto (ostatnia: %(last)s).",
            "Od tamtej pory było %(n)s nieudanych prób logowania na Twoje konto (ostatnia: %(last)s).",
            n,
        ) % {"n": n, "last": "—"}
    assert f"Od tamtej pory {words} logowania" in text


def test_without_failed_attempts_the_dashboard_says_so(owner):
    with time_machine.travel(MONDAY, tick=False) as clock:
        log_in(Client(), owner.username)
        clock.shift(dt.timedelta(hours=2))
        client = Client()
        log_in(client, owner.username)
        html = client.get("/").content.decode()
    assert "Poprzednie logowanie: <strong>16.11.2026 09:00</strong>" in html
    assert "Od tamtej pory nie było nieudanych prób logowania." in html


def test_consent_changes_take_effect_at_once_and_are_audited(client, owner):
    owner.consent_newsletter = True
    owner.save()
    log_in(client, owner.username)
    html = client.get(reverse("profile")).content.decode()
    assert owner.username in html and "Zgody i powiadomienia" in html
    response = client.post(reverse("profile"), {"consent_e_invoice": "on"})  # newsletter unticked
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.consent_e_invoice and not owner.consent_newsletter and owner.consents_changed_at
    entry = AuditEntry.objects.get(action="account.consents")
    assert entry.details == {"consent_e_invoice": [False, True], "consent_newsletter": [True, False]}
    client.post(reverse("profile"), {})  # everything unticked
    owner.refresh_from_db()
    assert not owner.consent_e_invoice


def test_the_user_menu_links_to_the_account_page(client, owner):
    client.force_login(owner)
    assert f'href="{reverse("profile")}"' in client.get("/").content.decode()


def test_staff_read_the_accounts_audit_trail_in_admin(staff_client, owner):
    log_in(Client(), owner.username, "ZłeHasło1")
    html = staff_client.get(
        reverse("admin:portal_auditentry_changelist") + "?action=account.login_failed"
    ).content.decode()
    assert "account.login_failed" in html and str(owner) in html
