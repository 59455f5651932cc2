"""Announcements (D5): for everyone or chosen buildings, on the dashboard, by e-mail once."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditEntry, EmailMessage
from tests.factories import AnnouncementFactory, TenantFactory, UnitFactory
from tickets import services
from tickets.models import Announcement

pytestmark = pytest.mark.django_db
ADD = reverse("admin:tickets_announcement_add")


def test_dashboard_shows_current_announcements_addressed_to_the_user(client, owner, unit, stranger):
    AnnouncementFactory(title="Dla wszystkich")
    mine = AnnouncementFactory(title="Dla mojego budynku", for_all=False)
    mine.buildings.add(unit.building)
    theirs = AnnouncementFactory(title="Dla innego budynku", for_all=False)
    theirs.buildings.add(stranger.grants.get().unit.building)
    AnnouncementFactory(title="Już nieważne", valid_until=timezone.now() - dt.timedelta(minutes=1))
    AnnouncementFactory(title="Jeszcze nie", valid_from=timezone.now() + dt.timedelta(hours=2))
    client.force_login(owner)
    html = client.get("/").content.decode()
    assert "Dla wszystkich" in html and "Dla mojego budynku" in html
    assert "Dla innego budynku" not in html and "Już nieważne" not in html and "Jeszcze nie" not in html


def test_dashboard_without_announcements_has_no_empty_panel(client, owner):
    client.force_login(owner)
    assert "Ogłoszenia</h2>" not in client.get("/").content.decode()


def test_announcement_body_is_shown_as_text(client, owner):
    AnnouncementFactory(title="<b>Uwaga</b>", body="<script>alert(1)</script>")
    client.force_login(owner)
    html = client.get("/").content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html and "&lt;b&gt;Uwaga" in html


def _post(staff_client, **data):
    payload = {
        "title": "Przerwa w dostawie wody",
        "body": "W środę od 8:00 do 14:00.",
        "valid_from_0": timezone.localdate().isoformat(),
        "valid_from_1": "00:00:00",
        "valid_until_0": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
        "valid_until_1": "00:00:00",
        "_save": "Zapisz",
    }
    payload.update(data)
    return staff_client.post(ADD, payload)


def test_staff_publish_for_a_building_and_opted_in_tenants_get_it_once(
    staff_client, staff, unit, django_capture_on_commit_callbacks
):
    reader = TenantFactory(units=[unit], notify_announcements=True)
    TenantFactory(units=[unit], notify_announcements=False)
    TenantFactory(units=[UnitFactory()], notify_announcements=True)  # another building
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(staff_client, buildings=[unit.building.pk])
    assert response.status_code == 302
    announcement = Announcement.objects.get()
    assert announcement.created_by == staff and announcement.emailed_at is not None
    mail = EmailMessage.objects.get()
    assert mail.to == [reader.email] and "Przerwa w dostawie wody" in mail.subject
    assert AuditEntry.objects.get(action="announcement.publish").actor == staff
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            reverse("admin:tickets_announcement_change", args=[announcement.pk]),
            {
                "title": "Przerwa w dostawie wody (zmiana godzin)",
                "body": "W środę od 9:00.",
                "valid_from_0": timezone.localdate().isoformat(),
                "valid_from_1": "00:00:00",
                "valid_until_0": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
                "valid_until_1": "00:00:00",
                "buildings": [unit.building.pk],
                "_save": "Zapisz",
            },
        )
    assert EmailMessage.objects.count() == 1  # once per user
    assert AuditEntry.objects.filter(action="announcement.change").exists()


def test_announcement_for_all_reaches_every_opted_in_user(staff_client, django_capture_on_commit_callbacks):
    users = [TenantFactory(units=[UnitFactory()], notify_announcements=True) for _ in range(3)]
    TenantFactory(notify_announcements=True, closed_at=timezone.now())  # closed accounts get nothing
    with django_capture_on_commit_callbacks(execute=True):
        _post(staff_client, for_all="on")
    assert sorted(m.to[0] for m in EmailMessage.objects.all()) == sorted(u.email for u in users)


def test_future_announcement_is_emailed_when_it_starts(owner):
    owner.notify_announcements = True
    owner.save()
    start = timezone.now() + dt.timedelta(days=1)
    announcement = AnnouncementFactory(valid_from=start, valid_until=start + dt.timedelta(days=1))
    assert services.announcements_email_due() == 0
    assert EmailMessage.objects.count() == 0
    with time_machine.travel(start + dt.timedelta(minutes=5)):
        assert services.announcements_email_due() == 1
        assert services.announcements_email_due() == 0
    assert EmailMessage.objects.get().to == [owner.email]
    announcement.refresh_from_db()
    assert announcement.emailed_at is not None


def test_announcement_needs_buildings_or_everyone(staff_client):
    response = _post(staff_client)
    assert "Wskaż budynki albo zaznacz „dla wszystkich”." in response.content.decode()
    assert Announcement.objects.count() == 0


def test_announcement_must_end_after_it_starts(staff_client):
    response = _post(staff_client, for_all="on", valid_until_0=timezone.localdate().isoformat())
    assert "Koniec ważności musi być późniejszy niż jej początek." in response.content.decode()
    assert Announcement.objects.count() == 0
