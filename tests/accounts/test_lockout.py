import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from accounts.lockout import lockout_until
from portal.models import AuditEntry
from tests.accounts.conftest import log_in
from tests.factories import TenantFactory, UnitFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 20, 13, 0, tzinfo=dt.UTC)  # 14:00 in Warsaw


def _fail(client, user, **extra):
    return log_in(client, user.username, "ZłeHasło1", **extra)


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_two_failures_warn_and_the_third_locks_the_account_with_a_polish_message(client, owner):
    with time_machine.travel(START, tick=False):
        first = _fail(client, owner)
        assert first.status_code == 200
        assert "Nieprawidłowy login lub hasło" in first.content.decode()
        assert "po 3 nieudanych próbach konto jest blokowane na 15 minut" in first.content.decode()
        _fail(client, owner)
        third = _fail(client, owner)
    html = third.content.decode()
    assert third.status_code == 429
    assert "Konto czasowo zablokowane" in html
    assert "o 14:15 (20.11.2026)" in html
    assert "Biuro obsługi może odblokować konto od razu" in html and reverse("password_reset") in html


def test_during_a_lockout_the_correct_password_is_refused_too(client, owner):
    for _ in range(3):
        _fail(client, owner)
    response = log_in(client, owner.username)
    assert response.status_code == 429 and not _logged_in(client)


def test_the_lock_opens_by_itself_fifteen_minutes_after_the_last_failure(owner):
    with time_machine.travel(START, tick=False) as clock:
        for minute in (0, 5, 10):  # failures at 14:00, 14:05, 14:10
            clock.move_to(START + dt.timedelta(minutes=minute))
            _fail(Client(), owner)
        assert lockout_until(owner.username) == START + dt.timedelta(minutes=25)
        clock.move_to(START + dt.timedelta(minutes=24, seconds=59))
        assert log_in(Client(), owner.username).status_code == 429
        clock.move_to(START + dt.timedelta(minutes=25, seconds=1))
        client = Client()
        log_in(client, owner.username)
        assert _logged_in(client)


def test_attempts_refused_during_the_lockout_do_not_extend_it(owner):
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(3):
            _fail(Client(), owner)
        clock.shift(dt.timedelta(minutes=10))
        _fail(Client(), owner)
        assert lockout_until(owner.username) == START + dt.timedelta(minutes=15)


def test_failures_from_different_addresses_count_for_the_account(owner):
    for n, agent in enumerate(["Firefox", "Chrome", "Safari"]):
        response = _fail(Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=f"198.51.100.{n + 1}"), owner)
    assert response.status_code == 429
    assert lockout_until(owner.username) is not None


def test_someone_elses_failures_on_the_same_address_do_not_lock_another_account(client, owner, stranger):
    for _ in range(5):
        _fail(client, stranger)
    log_in(client, owner.username)
    assert _logged_in(client)


def test_a_successful_login_clears_earlier_failures(client, owner):
    _fail(client, owner)
    _fail(client, owner)
    log_in(client, owner.username)
    client.post(reverse("logout"))
    _fail(client, owner)
    _fail(client, owner)
    assert lockout_until(owner.username) is None


def test_unknown_logins_lock_the_same_way_so_nothing_tells_which_exist(client):
    for _ in range(3):
        response = log_in(client, "nie-ma-takiego", "ZłeHasło1")
    assert response.status_code == 429


def test_staff_unlock_with_one_action_on_the_users_page_and_it_is_audited(client, owner, staff, staff_client):
    for _ in range(3):
        _fail(client, owner)
    page = staff_client.get(reverse("admin:accounts_user_change", args=[owner.pk])).content.decode()
    unlock_url = reverse("admin:accounts_user_unlock", args=[owner.pk])
    assert unlock_url in page and "zablokowane po nieudanych próbach do" in page
    assert staff_client.post(unlock_url).status_code == 302
    assert lockout_until(owner.username) is None
    entry = AuditEntry.objects.get(action="account.unlock")
    assert entry.actor == staff and entry.object_id == str(owner.pk)
    log_in(client, owner.username)
    assert _logged_in(client)


def test_staff_find_locked_accounts_and_unlock_them_from_the_list(client, owner, staff_client):
    other = TenantFactory(units=[UnitFactory()])
    for _ in range(3):
        _fail(client, owner)
    listing = staff_client.get(reverse("admin:accounts_user_changelist") + "?zablokowane_logowanie=tak")
    html = listing.content.decode()
    assert owner.username in html and other.username not in html
    staff_client.post(
        reverse("admin:accounts_user_changelist"), {"action": "unlock_logins", "_selected_action": [owner.pk]}
    )
    assert lockout_until(owner.username) is None


def test_unlocking_in_axes_admin_is_audited_as_well(client, owner, staff_client):
    for _ in range(3):
        _fail(client, owner)
    attempt = AccessAttempt.objects.get(username=owner.username)
    staff_client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "unlock_accounts", "_selected_action": [attempt.pk]},
    )
    assert lockout_until(owner.username) is None
    assert AuditEntry.objects.filter(action="account.unlock", details__reason="axes_admin").count() == 1
    for _ in range(3):
        _fail(client, owner)
    attempt = AccessAttempt.objects.get(username=owner.username)
    staff_client.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})
    assert lockout_until(owner.username) is None
    assert AuditEntry.objects.filter(action="account.unlock", details__reason="axes_admin").count() == 2


def test_failed_logins_and_the_lockout_are_in_the_audit_trail(client, owner):
    for _ in range(4):
        _fail(client, owner)
    actions = list(AuditEntry.objects.filter(object_id=str(owner.pk)).order_by("id").values_list("action", flat=True))
    assert actions == [
        "account.login_failed",
        "account.login_failed",
        "account.locked",  # written by axes' handler while it counts the third failure
        "account.login_failed",
        "account.login_refused_locked",
    ]


def test_the_staff_login_is_locked_the_same_way(client, staff):
    for _ in range(3):
        response = client.post("/admin/login/", {"username": staff.username, "password": "ZłeHasło1", "kod": "123456"})
    assert response.status_code == 429
    assert lockout_until(staff.username) is not None
