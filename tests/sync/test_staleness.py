"""The staleness watch (issue 13, item 17): staff hear once when no bundle was imported for 26 hours."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings

from portal.models import EmailMessage
from sync.models import ImportRun
from sync.tasks import import_staleness_check

pytestmark = pytest.mark.django_db

NIGHT = dt.datetime(2026, 11, 20, 1, 45, tzinfo=dt.UTC)  # 02:45 in Warsaw: the nightly import just ended


@pytest.fixture(autouse=True)
def _staff(settings):
    settings.STAFF_NOTIFY_EMAILS = ["bok@example.pl"]
    settings.IMPORT_STALE_HOURS = 26


def _imported(at: dt.datetime, export_id: str) -> ImportRun:
    with time_machine.travel(at - dt.timedelta(minutes=5), tick=False):
        run = ImportRun.objects.create(bundle=f"/inbox/{export_id}", export_id=export_id, trigger="nightly")
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.IMPORTED, finished_at=at)
    return run


def _check_at(when: dt.datetime) -> bool:
    with time_machine.travel(when, tick=False):
        return import_staleness_check.delay().get()


def _stale_mails() -> list[EmailMessage]:
    """The outbox's rows (delivery is the outbox's own business, tested in tests/portal/test_outbox.py)."""
    return list(EmailMessage.objects.filter(subject__contains="brak udanego importu").order_by("id"))


def test_staff_are_emailed_in_polish_when_no_bundle_was_imported_for_more_than_26_hours():
    _imported(NIGHT, "EXP-1")
    assert _check_at(NIGHT + dt.timedelta(hours=26)) is False
    assert _check_at(NIGHT + dt.timedelta(hours=26, minutes=1)) is True
    [message] = _stale_mails()
    assert message.to == ["bok@example.pl"]
    assert message.subject == "e-BOK: brak udanego importu danych od ponad 26 godz."
    assert "Ostatni udany import: 20.11.2026 02:45 (pakiet EXP-1)" in message.body_text
    assert "/admin/sync/importrun/" in message.body_text


def test_the_email_is_sent_once_per_stale_period_not_every_hour():
    _imported(NIGHT, "EXP-1")
    for hours in range(27, 75):
        _check_at(NIGHT + dt.timedelta(hours=hours))
    assert len(_stale_mails()) == 1


def test_a_new_successful_import_rearms_the_watch():
    _imported(NIGHT, "EXP-1")
    _check_at(NIGHT + dt.timedelta(hours=27))
    _imported(NIGHT + dt.timedelta(days=3), "EXP-2")
    assert _check_at(NIGHT + dt.timedelta(days=3, hours=1)) is False
    assert _check_at(NIGHT + dt.timedelta(days=4, hours=3)) is True
    assert len(_stale_mails()) == 2
    assert "pakiet EXP-2" in _stale_mails()[1].body_text


def test_refused_and_failed_imports_do_not_count_as_fresh_data():
    _imported(NIGHT, "EXP-1")
    later = NIGHT + dt.timedelta(hours=20)
    ImportRun.objects.create(bundle="/inbox/bad", status=ImportRun.Status.REFUSED, finished_at=later)
    ImportRun.objects.create(bundle="/inbox/again", status=ImportRun.Status.ALREADY_IMPORTED, finished_at=later)
    assert _check_at(NIGHT + dt.timedelta(hours=27)) is True


def test_a_portal_that_never_imported_a_bundle_is_reported_once():
    assert _check_at(NIGHT) is True
    assert _check_at(NIGHT + dt.timedelta(hours=5)) is False
    [message] = _stale_mails()
    assert "Nie wczytano jeszcze żadnego pakietu" in message.body_text


def test_nothing_is_sent_without_staff_addresses(settings):
    settings.STAFF_NOTIFY_EMAILS = []
    _imported(NIGHT, "EXP-1")
    assert _check_at(NIGHT + dt.timedelta(hours=30)) is False
    assert not EmailMessage.objects.exists()


def test_the_threshold_is_configurable(settings):
    settings.IMPORT_STALE_HOURS = 2
    _imported(NIGHT, "EXP-1")
    assert _check_at(NIGHT + dt.timedelta(hours=3)) is True


def test_the_watch_runs_hourly_on_celery_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["sync-import-staleness"]
    assert entry["task"] == "sync.tasks.import_staleness_check"
    assert entry["schedule"] == dt.timedelta(hours=1)
