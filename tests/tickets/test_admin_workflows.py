"""Staff edits of tickets' neighbours go through tickets.services (issue 15 §3): the
"everyone or chosen buildings" rule defined once, announcements, forms to download and
newsletters saved and audited by services, attachments opened on record."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.urls import reverse

from portal.models import AuditEntry
from tests.factories import AnnouncementFactory, BuildingFactory, DownloadFormFactory, StaffFactory, TicketFactory
from tests.tickets.helpers import PDF_BYTES, upload
from tickets import services
from tickets.models import Announcement, DownloadForm, Newsletter, TicketAttachment

pytestmark = pytest.mark.django_db


# --- "everyone or chosen buildings" (D5) --------------------------------------------------------------


def test_an_announcement_for_chosen_buildings_is_addressed():
    services.announcement_audience_check(for_all=False, building_count=2)
    services.announcement_audience_check(for_all=True, building_count=0)


def test_an_announcement_for_nobody_is_refused_on_the_buildings_field():
    with pytest.raises(ValidationError) as refused:
        services.announcement_audience_check(for_all=False, building_count=0)
    assert refused.value.message_dict == {"buildings": ["Wskaż budynki albo zaznacz „dla wszystkich”."]}


def test_an_announcement_for_everyone_and_for_buildings_is_refused_by_the_service_too(staff):
    building = BuildingFactory()
    announcement = AnnouncementFactory.build(for_all=True)
    with pytest.raises(ValidationError, match="nie wskazuje budynków"):
        services.announcement_save(announcement=announcement, buildings=[building], by=staff)
    assert not Announcement.objects.exists()
    assert not AuditEntry.objects.exists()


def test_the_admin_form_shows_the_services_refusal_by_the_field(staff_client):
    building = BuildingFactory()
    response = staff_client.post(
        reverse("admin:tickets_announcement_add"),
        {
            "title": "Przerwa w dostawie wody",
            "body": "Jutro od 8 do 12.",
            "valid_from_0": "2026-12-01",
            "valid_from_1": "08:00",
            "valid_until_0": "2026-12-02",
            "valid_until_1": "12:00",
            "for_all": "on",
            "buildings": [building.pk],
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["buildings"] == [
        "Ogłoszenie „dla wszystkich” nie wskazuje budynków: usuń je albo odznacz „dla wszystkich”."
    ]


# --- announcements -----------------------------------------------------------------------------------------


def test_staff_publish_an_announcement_with_its_buildings_as_its_author(staff, django_capture_on_commit_callbacks):
    building = BuildingFactory()
    announcement = AnnouncementFactory.build(for_all=False)
    with django_capture_on_commit_callbacks() as queued:
        services.announcement_save(announcement=announcement, buildings=[building], by=staff)
    saved = Announcement.objects.get()
    assert saved.created_by == staff and list(saved.buildings.all()) == [building]
    entry = AuditEntry.objects.get(action="announcement.publish")
    assert entry.actor == staff and entry.details["buildings"] == [building.pk]
    assert len(queued) == 1  # the e-mail to the buildings' tenants, after commit


def test_editing_an_announcement_keeps_its_author(staff):
    author = staff
    announcement = AnnouncementFactory(created_by=author)
    other = StaffFactory()
    services.announcement_save(announcement=announcement, buildings=[], by=other)
    announcement.refresh_from_db()
    assert announcement.created_by == author
    assert AuditEntry.objects.get(action="announcement.change").actor == other


def test_staff_remove_an_announcement_on_record(staff):
    announcement = AnnouncementFactory(title="Odwołane zebranie")
    services.announcement_delete(announcement=announcement, by=staff)
    assert not Announcement.objects.exists()
    assert AuditEntry.objects.get(action="announcement.delete").details == {"title": "Odwołane zebranie"}


# --- forms to download ----------------------------------------------------------------------------------------


def test_a_replaced_pdf_leaves_the_storage_once_the_new_one_is_saved(staff, django_capture_on_commit_callbacks):
    form = DownloadFormFactory()
    old_name = form.file.name
    form.file = upload("nowy.pdf", PDF_BYTES, "application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        services.download_form_save(download_form=form, changed=["file"], by=staff)
    form.refresh_from_db()
    assert form.file.name != old_name and form.size == len(PDF_BYTES)
    assert default_storage.exists(form.file.name) and not default_storage.exists(old_name)
    assert AuditEntry.objects.get(action="download_form.change").details == {"changed": ["file"]}


def test_a_form_saved_without_a_new_pdf_keeps_its_file(staff, django_capture_on_commit_callbacks):
    form = DownloadFormFactory()
    form.title = "Nowy tytuł"
    with django_capture_on_commit_callbacks(execute=True):
        services.download_form_save(download_form=form, changed=["title"], by=staff)
    assert default_storage.exists(form.file.name)


def test_staff_remove_a_form_and_its_pdf_on_record(staff, django_capture_on_commit_callbacks):
    form = DownloadFormFactory(title="Stary druk")
    name = form.file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.download_form_delete(download_form=form, by=staff)
    assert not DownloadForm.objects.exists() and not default_storage.exists(name)
    assert AuditEntry.objects.get(action="download_form.delete").details == {"title": "Stary druk"}


# --- newsletters and attachments ---------------------------------------------------------------------------


def test_a_newsletter_staff_write_is_theirs_and_on_record(staff):
    newsletter = services.newsletter_save(newsletter=Newsletter(subject="Zebranie", body="W piątek."), by=staff)
    assert newsletter.created_by == staff
    assert AuditEntry.objects.get(action="newsletter.create").actor == staff


def test_staff_opening_an_attachment_is_on_record(staff):
    ticket = TicketFactory()
    attachment = TicketAttachment.objects.create(
        ticket=ticket, file="attachments/x.pdf", original_name="protokol.pdf", content_type="application/pdf", size=10
    )
    services.ticket_attachment_open(attachment=attachment, by=staff)
    entry = AuditEntry.objects.get(action="ticket.attachment_view")
    assert entry.actor == staff and entry.details == {"attachment": attachment.pk}
