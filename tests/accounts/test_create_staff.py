"""Item 6 of issue 13 (A13): ``manage.py create_staff`` makes a staff member who gets into
admin with the printed password and a code from the printed TOTP key, or resets one."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from base64 import b32decode
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from portal.models import AuditEntry
from tests.factories import PASSWORD, StaffFactory, TenantFactory

BASE_DIR = Path(__file__).resolve().parents[2]
LINE = re.compile(r"^(Login|Hasło|Klucz TOTP \(base32\)|Adres otpauth|Kody zapasowe): (.+)$", re.MULTILINE)


def create_staff(*args: str) -> tuple[dict[str, str], str]:
    out = io.StringIO()
    call_command("create_staff", *args, stdout=out)
    text = out.getvalue()
    return dict(LINE.findall(text)), text


def code_from(secret: str) -> str:
    """What an authenticator app shows now for the printed key (RFC 6238: SHA-1, 30 s, 6 digits)."""
    key = b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(key, step=30, t0=0, digits=6, drift=0):06d}"


def admin_login(client, username: str, password: str, token: str):
    """The admin login form: login, password and one code (TOTP or a backup code)."""
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password, "kod": token})


@pytest.mark.django_db
def test_output_gives_login_strong_password_totp_key_otpauth_address_qr_and_ten_codes():
    values, text = create_staff("kierownik", "--email", "kierownik@example.test", "--superuser")
    assert "Utworzono konto obsługi" in text
    assert values["Login"] == "kierownik"
    password = values["Hasło"]
    assert len(password) >= 12 and any(c.isupper() for c in password) and any(c.isdigit() for c in password)
    secret = values["Klucz TOTP (base32)"]
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    url = urlparse(values["Adres otpauth"])
    assert (url.scheme, url.netloc, unquote(url.path)) == ("otpauth", "totp", "/e-BOK:kierownik")
    assert parse_qs(url.query)["secret"] == [secret] and parse_qs(url.query)["issuer"] == ["e-BOK"]
    assert "█" in text or "▀" in text or "▄" in text  # the QR code drawn with block characters
    assert text.index("Adres otpauth") < text.index("▀") < text.index("Kody zapasowe")
    codes = values["Kody zapasowe"].split()
    assert len(codes) == 10 and len(set(codes)) == 10
    user = User.objects.get(username="kierownik")
    assert user.is_staff and user.is_superuser and user.email == "kierownik@example.test"
    assert user.check_password(password) and user.must_change_password
    assert not user.groups.exists()
    assert AuditEntry.objects.filter(action="account.staff_create", object_id=str(user.pk)).exists()


@pytest.mark.django_db
def test_without_superuser_the_staff_member_has_no_permissions_and_no_group():
    create_staff("ksiegowa", "--email", "ksiegowa@example.test")
    user = User.objects.get(username="ksiegowa")
    assert user.is_staff and not user.is_superuser
    assert not user.groups.exists() and not user.user_permissions.exists()


@pytest.mark.django_db
def test_printed_password_and_code_from_printed_key_log_into_admin_then_the_password_must_be_changed(client):
    values, _text = create_staff("kierownik", "--email", "kierownik@example.test", "--superuser")
    response = admin_login(client, "kierownik", values["Hasło"], code_from(values["Klucz TOTP (base32)"]))
    assert response.status_code == 302
    # A printed password is a first password (A5): the next page is the change form.
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/konto/haslo/")
    response = client.post(
        "/konto/haslo/?next=/admin/",
        {"old_password": values["Hasło"], "new_password1": "Nowe2026Haslo!", "new_password2": "Nowe2026Haslo!"},
    )
    assert response.status_code == 302
    response = client.get("/admin/")
    assert response.status_code == 200 and "Administracja" in response.content.decode()


@pytest.mark.django_db
def test_a_printed_backup_code_logs_in_once(client):
    values, _text = create_staff("kierownik", "--email", "kierownik@example.test", "--superuser")
    device = StaticDevice.objects.get(user__username="kierownik")
    code = values["Kody zapasowe"].split()[3]
    assert admin_login(client, "kierownik", values["Hasło"], code).status_code == 302
    client.logout()
    response = admin_login(client, "kierownik", values["Hasło"], code)
    assert response.status_code == 200 and "Nieprawidłowy login, hasło lub kod" in response.content.decode()
    assert StaticToken.objects.filter(device=device).count() == 9


@pytest.mark.django_db
def test_reset_replaces_password_key_and_codes_and_says_so(client):
    old, _text = create_staff("kierownik", "--email", "kierownik@example.test", "--superuser")
    new, text = create_staff("kierownik", "--email", "kierownik@example.test")
    assert "Zresetowano konto obsługi" in text
    assert new["Hasło"] != old["Hasło"] and new["Klucz TOTP (base32)"] != old["Klucz TOTP (base32)"]
    assert not set(new["Kody zapasowe"].split()) & set(old["Kody zapasowe"].split())
    user = User.objects.get(username="kierownik")
    assert user.is_superuser  # a reset without --superuser does not demote
    assert TOTPDevice.objects.filter(user=user).count() == 1 and StaticDevice.objects.filter(user=user).count() == 1
    assert not user.check_password(old["Hasło"])
    new_code = code_from(new["Klucz TOTP (base32)"])
    assert admin_login(client, "kierownik", new["Hasło"], new_code).status_code == 302
    # The old password, the old key's code and an old backup code open nothing any more (each
    # tried in a fresh browser; a wrong code also slows the device down, so after the good one).
    refused = [
        (old["Hasło"], new_code),
        (new["Hasło"], code_from(old["Klucz TOTP (base32)"])),
        (new["Hasło"], old["Kody zapasowe"].split()[0]),
    ]
    for password, code in refused:
        browser = Client()
        response = admin_login(browser, "kierownik", password, code)
        # Refused, and the third wrong answer in a row locks the account (429) like a wrong password.
        assert response.status_code in {200, 429} and "_auth_user_id" not in browser.session
    assert AuditEntry.objects.filter(action="account.staff_reset", object_id=str(user.pk)).exists()


@pytest.mark.django_db
def test_reset_of_an_existing_staff_member_made_elsewhere_drops_their_old_device():
    staff = StaffFactory(username="stary.operator")
    old_device = staff.totpdevice_set.get()
    create_staff("stary.operator", "--email", staff.email)
    assert not TOTPDevice.objects.filter(pk=old_device.pk).exists()
    assert not User.objects.get(pk=staff.pk).check_password(PASSWORD)


@pytest.mark.django_db
def test_reset_of_a_blocked_staff_member_keeps_the_block_and_warns():
    staff = StaffFactory(username="zablokowany", blocked_at=timezone.now(), blocked_reason="urlop")
    err = io.StringIO()
    call_command("create_staff", "zablokowany", "--email", staff.email, stdout=io.StringIO(), stderr=err)
    assert "konto jest zablokowane przez obsługę (powód: urlop)" in err.getvalue()
    assert User.objects.get(pk=staff.pk).blocked_at is not None


@pytest.mark.django_db
def test_a_tenants_login_is_refused_in_polish_and_nothing_changes():
    tenant = TenantFactory(username="12345678")
    with pytest.raises(CommandError, match="nie jest kontem obsługi"):
        create_staff("12345678", "--email", "nowy@example.test", "--superuser")
    tenant.refresh_from_db()
    assert not tenant.is_staff and not tenant.is_superuser and tenant.check_password(PASSWORD)
    assert not TOTPDevice.objects.exists() and not StaticDevice.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="account.staff").exists()


@pytest.mark.django_db
def test_an_e_mail_address_of_another_active_account_is_refused():
    TenantFactory(email="zajety@example.test")
    with pytest.raises(CommandError, match="ma już inne aktywne konto"):
        create_staff("kierownik", "--email", "Zajety@example.test")
    assert not User.objects.filter(username="kierownik").exists()


@pytest.mark.django_db(transaction=True)
def test_an_invalid_e_mail_from_the_command_line_exits_non_zero_in_polish_and_writes_nothing():
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CONN_MAX_AGE": "0",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "create_staff", "kierownik", "--email", "nie-adres"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "Nieprawidłowy adres e-mail „nie-adres”" in result.stderr
    assert "Hasło:" not in result.stdout
    assert not User.objects.filter(username="kierownik").exists() and not AuditEntry.objects.exists()
