import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice

from tests.factories import PASSWORD, UserFactory


def _totp_now(device) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/admin/", "/admin/portal/auditentry/", "/admin/accounts/user/"])
def test_staff_without_confirmed_device_cannot_open_admin(client, url):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_admin_login_without_token_is_refused_in_polish(client, staff):
    response = client.post("/admin/login/", {"username": staff.username, "password": PASSWORD})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Podaj kod jednorazowy" in html
    assert client.get("/admin/").status_code == 302


@pytest.mark.django_db
def test_admin_login_with_totp_opens_admin_in_polish(client, staff):
    device = staff.totpdevice_set.get()
    response = client.post(
        "/admin/login/?next=/admin/",
        {
            "username": staff.username,
            "password": PASSWORD,
            "otp_device": device.persistent_id,
            "otp_token": _totp_now(device),
        },
    )
    assert response.status_code == 302
    html = client.get("/admin/").content.decode()
    assert "Administracja" in html and 'lang="pl"' in html


@pytest.mark.django_db
def test_admin_login_with_static_token_works_once(client, staff):
    device = StaticDevice.objects.create(user=staff, name="zapasowe", confirmed=True)
    device.token_set.create(token="zapas123")
    data = {
        "username": staff.username,
        "password": PASSWORD,
        "otp_device": device.persistent_id,
        "otp_token": "zapas123",
    }
    assert client.post("/admin/login/", data).status_code == 302
    client.logout()
    response = client.post("/admin/login/", data)
    assert response.status_code == 200
    assert "Nieprawidłowy kod jednorazowy" in response.content.decode()


@pytest.mark.django_db
def test_tenant_cannot_open_admin_even_when_logged_in(client, owner):
    client.force_login(owner)
    assert client.get(reverse("admin:index")).status_code == 302
