"""Staff log into admin with login, password and one code (A13, issue 13 item 13): a TOTP
code of any of their devices or a backup code, no device list, no echoed password, one
answer for every wrong attempt, and the lockout counting wrong codes like wrong passwords."""

import re

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.lockout import lockout_until
from tests.factories import PASSWORD, UserFactory

WRONG = "Nieprawidłowy login, hasło lub kod."


def _totp_now(device) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def _wrong_code(device) -> str:
    return f"{(int(_totp_now(device)) + 1) % 1_000_000:06d}"


def _login(client, staff, code, *, password=PASSWORD):
    return client.post("/admin/login/?next=/admin/", {"username": staff.username, "password": password, "kod": code})


def _is_verified_in_admin(client) -> bool:
    return client.get("/admin/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/admin/", "/admin/portal/auditentry/", "/admin/accounts/user/"])
def test_staff_without_confirmed_device_cannot_open_admin(client, url):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_admin_login_without_a_code_is_refused_in_polish_and_counts_no_failure(client, staff):
    response = client.post("/admin/login/", {"username": staff.username, "password": PASSWORD})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Podaj kod jednorazowy" in html
    assert not _is_verified_in_admin(client)
    assert not AccessAttempt.objects.filter(username=staff.username).exists()


@pytest.mark.django_db
def test_admin_login_with_totp_opens_admin_in_polish(client, staff):
    response = _login(client, staff, _totp_now(staff.totpdevice_set.get()))
    assert response.status_code == 302
    html = client.get("/admin/").content.decode()
    assert "Administracja" in html and 'lang="pl"' in html


@pytest.mark.django_db
def test_with_two_phones_the_code_of_either_one_works(client, staff):
    second = TOTPDevice.objects.create(user=staff, name="telefon", confirmed=True)
    first = staff.totpdevice_set.exclude(pk=second.pk).get()
    for device in (second, first):
        assert _login(client, staff, _totp_now(device)).status_code == 302
        assert _is_verified_in_admin(client)
        client.logout()


@pytest.mark.django_db
def test_the_code_of_an_unconfirmed_device_is_refused(client, staff):
    pending = TOTPDevice.objects.create(user=staff, name="nowy telefon", confirmed=False)
    assert WRONG in _login(client, staff, _totp_now(pending)).content.decode()
    assert not _is_verified_in_admin(client)


@pytest.mark.django_db
def test_a_backup_code_works_once(client, staff):
    device = StaticDevice.objects.create(user=staff, name="zapasowe", confirmed=True)
    device.token_set.create(token="zapas123")
    assert _login(client, staff, "zapas123").status_code == 302
    assert _is_verified_in_admin(client)
    client.logout()
    response = _login(client, staff, "zapas123")
    assert response.status_code == 200 and WRONG in response.content.decode()
    assert not device.token_set.exists()


@pytest.mark.django_db
def test_using_the_phone_does_not_throttle_the_backup_codes(client, staff):
    backup = StaticDevice.objects.create(user=staff, name="zapasowe", confirmed=True)
    backup.token_set.create(token="zapas123")
    assert _login(client, staff, _totp_now(staff.totpdevice_set.get())).status_code == 302
    backup.refresh_from_db()
    assert backup.throttling_failure_count == 0


@pytest.mark.django_db
def test_a_wrong_password_and_a_wrong_code_get_the_same_answer(client, staff):
    device = staff.totpdevice_set.get()
    wrong_password = _login(client, staff, _totp_now(device), password="ZłeHasło1").content.decode()
    wrong_code = _login(client, staff, _wrong_code(device)).content.decode()
    assert WRONG in wrong_password and WRONG in wrong_code

    def errors(html: str) -> list[str]:
        return re.findall(r'class="errornote">(.*?)</p>', html, re.S)

    assert errors(wrong_password) == errors(wrong_code)
    assert not _is_verified_in_admin(client)


@pytest.mark.django_db
def test_a_tenant_with_the_right_password_gets_the_same_answer(client, owner):
    html = _login(client, owner, "123456").content.decode()
    assert WRONG in html


@pytest.mark.django_db
def test_the_page_never_echoes_the_password_nor_lists_devices(client, staff):
    StaticDevice.objects.create(user=staff, name="zapasowe", confirmed=True)
    device = staff.totpdevice_set.get()
    for code in (_wrong_code(device), ""):
        html = _login(client, staff, code).content.decode()
        assert PASSWORD not in html
        assert "<select" not in html and "telefon" not in html and "zapasowe" not in html
        assert 'name="otp_device"' not in html
        assert 'name="kod"' in html


@pytest.mark.django_db
def test_a_device_chosen_in_the_old_form_field_is_ignored(client, staff):
    """The removed device field cannot pick another user's device either."""
    other = TOTPDevice.objects.create(user=UserFactory(is_staff=True), name="cudzy", confirmed=True)
    response = client.post(
        "/admin/login/",
        {"username": staff.username, "password": PASSWORD, "otp_device": other.persistent_id, "kod": _totp_now(other)},
    )
    assert WRONG in response.content.decode()


@pytest.mark.django_db
def test_wrong_codes_lock_the_account_like_wrong_passwords(client, staff):
    device = staff.totpdevice_set.get()
    for _ in range(3):
        response = _login(client, staff, _wrong_code(device))
    assert response.status_code == 429
    assert lockout_until(staff.username) is not None
    # Locked: even the right code does not open admin now.
    assert _login(client, staff, _totp_now(device)).status_code == 429
    assert not _is_verified_in_admin(client)


@pytest.mark.django_db
def test_tenant_cannot_open_admin_even_when_logged_in(client, owner):
    client.force_login(owner)
    assert client.get(reverse("admin:index")).status_code == 302
