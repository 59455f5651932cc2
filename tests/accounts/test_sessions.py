import datetime as dt

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from tests.accounts.conftest import log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_gives_a_new_session_key(client, owner):
    client.get(reverse("login"))
    client.session.save()
    before = client.session.session_key
    log_in(client, owner.username)
    assert client.session.session_key != before
    assert not Session.objects.filter(session_key=before).exists()


def test_logout_ends_the_session_on_the_server(client, owner):
    log_in(client, owner.username)
    key = client.session.session_key
    assert Session.objects.filter(session_key=key).exists()
    client.post(reverse("logout"))
    assert not Session.objects.filter(session_key=key).exists()


def test_an_idle_session_ends_after_thirty_minutes_and_activity_keeps_it(client, owner, settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC), tick=False) as clock:
        log_in(client, owner.username)
        clock.shift(dt.timedelta(minutes=29))
        assert client.get("/").status_code == 200  # activity renews the session
        clock.shift(dt.timedelta(minutes=29))
        assert client.get("/").status_code == 200
        clock.shift(dt.timedelta(minutes=31))
        html = client.get("/").content.decode()
        assert "Zaloguj się" in html and "Twoje lokale" not in html


def test_a_password_change_ends_the_users_other_sessions(owner):
    phone, laptop = Client(), Client()
    log_in(phone, owner.username)
    log_in(laptop, owner.username)
    laptop.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Inne2027hasło", "new_password2": "Inne2027hasło"},
    )
    assert "Twoje lokale" in laptop.get("/").content.decode()
    assert "Twoje lokale" not in phone.get("/").content.decode()
