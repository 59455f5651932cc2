"""Reminders when the reading window opens: one e-mail per opted-in user and window (time controlled)."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings as django_settings
from django.utils import timezone

from meters.tasks import reading_reminders_due
from portal.models import EmailMessage
from tests.factories import MeterFactory, TenantFactory, UnitFactory
from tests.meters.conftest import WARSAW
from tests.realparts import body_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def window(settings):
    settings.READING_WINDOW_DAYS = "20-31"


def on(day: dt.date):
    return time_machine.travel(dt.datetime.combine(day, dt.time(7, 0), tzinfo=WARSAW), tick=False)


def reminders():
    return EmailMessage.objects.filter(dedup_key__startswith="reading-reminder:")


@pytest.fixture
def opted_in(unit, meter):
    return TenantFactory(units=[unit], notify_reading_reminders=True)


def test_nothing_is_sent_before_the_window_opens(opted_in):
    with on(dt.date(2026, 11, 19)):
        assert reading_reminders_due() == 0
    assert not reminders().exists()


def test_the_day_the_window_opens_each_opted_in_user_gets_one_email_listing_their_meters(unit, meter, opted_in):
    second = MeterFactory(unit=unit, medium="hot_water")
    TenantFactory(units=[unit], notify_reading_reminders=False)
    TenantFactory(units=[unit], notify_reading_reminders=True, blocked_at=timezone.now())
    TenantFactory(units=[unit], notify_reading_reminders=True, email="")
    TenantFactory(units=[UnitFactory()], notify_reading_reminders=True)  # no meters: nothing to remind of
    with on(dt.date(2026, 11, 20)):
        assert reading_reminders_due() == 1
    message = reminders().get()
    assert message.to == [opted_in.email] and message.user == opted_in
    assert message.dedup_key == f"reading-reminder:{opted_in.pk}:2026-11-20"
    assert message.subject == "Podaj stan liczników do 30.11.2026"
    assert "Od 20.11.2026 do 30.11.2026 przyjmujemy w e-BOK odczyty liczników." in message.body_text
    assert f"Zimna woda, nr {meter.serial_no}" in message.body_text
    assert f"Ciepła woda, nr {second.serial_no}" in message.body_text
    assert f"{django_settings.PORTAL_BASE_URL}/liczniki/{meter.pk}/odczyt/" in message.body_text


def test_at_most_one_email_per_window_however_often_the_task_runs(opted_in):
    for day in (20, 20, 21, 30):
        with on(dt.date(2026, 11, day)):
            reading_reminders_due()
    assert reminders().count() == 1
    with on(dt.date(2026, 12, 1)):
        reading_reminders_due()
    with on(dt.date(2026, 12, 20)):
        reading_reminders_due()
    assert list(reminders().order_by("pk").values_list("dedup_key", flat=True)) == [
        f"reading-reminder:{opted_in.pk}:2026-11-20",
        f"reading-reminder:{opted_in.pk}:2026-12-20",
    ]


def test_meters_that_take_no_readings_are_not_listed(unit, opted_in, meter):
    expired = MeterFactory(unit=unit, legalization_valid_until=dt.date(2026, 1, 1))
    with on(dt.date(2026, 11, 20)):
        reading_reminders_due()
    body = reminders().get().body_text
    assert meter.serial_no in body and expired.serial_no not in body


def test_without_a_window_no_reminders_go_out(settings, opted_in):
    settings.READING_WINDOW_DAYS = ""
    with on(dt.date(2026, 11, 20)):
        assert reading_reminders_due() == 0


def test_the_reminder_check_runs_daily_from_celery_beat():
    entry = django_settings.CELERY_BEAT_SCHEDULE["meters-reading-reminders"]
    assert entry["task"] == "meters.tasks.reading_reminders_due"
    assert entry["schedule"].hour == {7} and entry["schedule"].minute == {0}


def test_the_reminder_reaches_the_real_smtp_server(opted_in, smtp, django_capture_on_commit_callbacks):
    with on(dt.date(2026, 11, 20)), django_capture_on_commit_callbacks(execute=True):
        reading_reminders_due()
    (message,) = smtp.wait_for(1)
    assert message["To"] == opted_in.email and "Podaj stan liczników" in message["Subject"]
    assert "przyjmujemy w e-BOK odczyty liczników" in body_text(message)
