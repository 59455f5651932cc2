"""Item 19 of issue 13 (A15, RODO art. 15 and 20): a user downloads everything the portal
holds about them, as JSON and as a readable PDF; nobody else's data is in it."""

from __future__ import annotations

import io
import json
import uuid
from decimal import Decimal

import pytest
from axes.models import AccessFailureLog, AccessLog
from django.core.files.base import ContentFile
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import TermsAcceptance, TermsVersion
from accounts.profil_zaufany.models import IdpSession
from billing.services import document_mark_read
from meters.models import ReadingSubmission
from payments.models import Payment
from portal.models import AuditEntry, EmailMessage
from portal.services.audit import audit_log
from sync.models import ConsentChange
from tests import factories
from tickets.models import TicketAttachment, TicketMessage, TicketStatusChange

pytestmark = pytest.mark.django_db


def everything_about(user, marker: str) -> None:
    """One record of every kind the portal keeps about ``user``, each carrying ``marker``."""
    unit = user.grants.get().unit
    now = timezone.now()
    person = factories.PersonFactory(last_name=f"Nazwisko-{marker}", email=user.email)
    user.person = person
    user.phone = f"+48 600 {marker}"
    user.save(update_fields=["person", "phone"])
    factories.TitleFactory(person=person, unit=unit)
    ConsentChange.objects.create(
        user=user, person_external_id=person.external_id, e_invoice=True, e_correspondence=False, changed_at=now
    )
    factories.ApplicationFactory(user=user, last_name=f"Wniosek-{marker}", email=user.email, units=[unit])
    terms = TermsVersion.objects.first() or factories.TermsVersionFactory()
    TermsAcceptance.objects.create(user=user, terms=terms, accepted_at=now, ip_address="192.0.2.10")
    agent = f"Przegladarka-{marker}"
    AccessLog.objects.create(username=user.username, ip_address="192.0.2.11", user_agent=agent, path_info="/")
    AccessFailureLog.objects.create(username=user.username, ip_address="192.0.2.12", user_agent=agent, path_info="/")
    IdpSession.objects.create(user=user, session_key=uuid.uuid4().hex[:32], name_id=marker, session_index=marker)
    audit_log(action="account.consents", actor=user, obj=user, details={"znacznik": marker})
    ticket = factories.TicketFactory(reporter=user, unit=unit, subject=f"Zgloszenie-{marker}")
    TicketMessage.objects.create(ticket=ticket, kind=TicketMessage.Kind.REPORTER, body=f"Odpowiedz-{marker}")
    TicketMessage.objects.create(ticket=ticket, kind=TicketMessage.Kind.NOTE, body=f"Notatka-wewnetrzna-{marker}")
    TicketStatusChange.objects.create(ticket=ticket, from_status="new", to_status="in_progress")
    attachment = TicketAttachment(
        ticket=ticket, original_name=f"skan-{marker}.pdf", content_type="application/pdf", size=10
    )
    attachment.file.save("skan.pdf", ContentFile(factories.MINIMAL_PDF))
    meter = factories.MeterFactory(unit=unit, serial_no=f"SN-{marker}")
    reading = factories.TenantReadingFactory(meter=meter, submitted_by=user)
    ReadingSubmission.objects.create(
        reading_id=reading.reading_id, idempotency_key=uuid.uuid4().hex, user=user, photo_name=f"licznik-{marker}.jpg"
    )
    document_mark_read(user=user, document=factories.DocumentFactory(person=person, unit=unit, title=f"Pismo-{marker}"))
    factories.InvoiceFactory(unit=unit, buyer=person, number=f"FV/{marker}")
    Payment.objects.create(
        unit=unit, user=user, amount=Decimal("120.50"), session_id=f"ebok-{marker}", statement=f"Wplata-{marker}"
    )
    EmailMessage.objects.create(
        to=[user.email],
        subject=f"Temat-{marker}",
        body_text=f"Tresc-listu-{marker}",
        user=user,
        status=EmailMessage.Status.SENT,
        sent_at=now,
    )
    EmailMessage.objects.create(
        to=[user.email],
        subject=f"Newsletter-{marker}",
        body_text="…",
        user=user,
        dedup_key=f"newsletter:1:user:{user.pk}",
    )


@pytest.fixture
def two_tenants(owner, stranger):
    everything_about(owner, "ALFA")
    everything_about(stranger, "OMEGA")
    return owner, stranger


def download(client, user, file_format: str):
    client.force_login(user)
    response = client.get(f"/konto/dane-osobowe.{file_format}")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"].startswith("attachment")
    return response


def test_json_holds_every_kind_of_record_about_the_user(client, two_tenants):
    owner, _stranger = two_tenants
    response = download(client, owner, "json")
    assert response["Content-Type"].startswith("application/json")
    data = json.loads(response.content)
    assert data["login"] == owner.username
    assert data["account"][0]["email"] == owner.email and data["account"][0]["phone"] == "+48 600 ALFA"
    assert data["person"][0]["last_name"] == "Nazwisko-ALFA" and data["person"][0]["pesel"] == "44051401458"
    assert data["titles"][0]["kind"] == "własność"
    assert data["unit_access"][0]["unit"] == str(owner.grants.get().unit)
    assert data["consent_changes"][0]["e_invoice"] is True
    assert data["applications"][0]["last_name"] == "Wniosek-ALFA" and data["applications"][0]["units"]
    assert data["terms_acceptances"][0]["ip_address"] == "192.0.2.10"
    assert data["logins"][0]["user_agent"] == "Przegladarka-ALFA"
    assert data["failed_logins"][0]["ip_address"] == "192.0.2.12"
    assert len(data["profil_zaufany_logins"]) == 1
    mine = [entry for entry in data["audit"] if entry["details"] == {"znacznik": "ALFA"}]
    assert [(entry["action"], entry["who"]) for entry in mine] == [("account.consents", owner.username)]
    assert data["tickets"][0]["subject"] == "Zgloszenie-ALFA"
    assert [m["body"] for m in data["ticket_messages"]] == ["Odpowiedz-ALFA"]  # no internal note
    assert data["ticket_attachments"][0]["original_name"] == "skan-ALFA.pdf"
    assert data["ticket_status_changes"][0]["to_status"] == "w realizacji"
    assert data["meter_readings"][0]["value"] == "123.456" and data["meter_readings"][0]["meter"].endswith("SN-ALFA")
    assert data["meter_reading_photos"][0]["photo_name"] == "licznik-ALFA.jpg"
    assert data["documents"][0]["title"] == "Pismo-ALFA" and data["documents"][0]["opened_at"]  # read/unread
    assert data["invoices"][0]["number"] == "FV/ALFA" and data["invoices"][0]["gross"] == "274.57"
    assert data["payments"][0]["statement"] == "Wplata-ALFA" and data["payments"][0]["amount"] == "120.50"
    assert [m["subject"] for m in data["newsletter"]] == ["Newsletter-ALFA"]
    assert {m["subject"] for m in data["emails"]} == {"Temat-ALFA", "Newsletter-ALFA"}
    assert "Tresc-listu-ALFA" not in response.content.decode()  # subjects and dates, not bodies


def test_nothing_of_another_user_leaks_into_the_json_or_the_pdf(client, two_tenants):
    owner, stranger = two_tenants
    text = download(client, owner, "json").content.decode()
    assert "OMEGA" not in text and stranger.username not in text and stranger.email not in text
    pdf = download(client, owner, "pdf").content
    pdf_text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "OMEGA" not in pdf_text and stranger.username not in pdf_text


def test_pdf_opens_and_reads_in_polish_with_the_users_name_and_data(client, two_tenants):
    owner, _stranger = two_tenants
    response = download(client, owner, "pdf")
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Twoje dane osobowe w e-BOK" in text
    assert owner.get_full_name() in text and owner.username in text
    for expected in ("Nazwisko-ALFA", "Zgloszenie-ALFA", "Pismo-ALFA", "Temat-ALFA", "Tytuły prawne do lokali"):
        assert expected in text
    assert "Notatka-wewnetrzna-ALFA" not in text and "Tresc-listu-ALFA" not in text


def test_each_download_is_audited_with_its_format(client, owner):
    download(client, owner, "json")
    download(client, owner, "pdf")
    entries = AuditEntry.objects.filter(action="account.personal_data_download", actor=owner)
    assert sorted(entry.details["format"] for entry in entries) == ["json", "pdf"]


def test_a_user_with_no_back_office_person_gets_empty_sections_not_an_error(client, owner):
    data = json.loads(download(client, owner, "json").content)
    assert data["person"] == [] and data["titles"] == [] and data["invoices"] == []


@pytest.mark.parametrize("file_format", ["json", "pdf"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, file_format):
    response = client.get(f"/konto/dane-osobowe.{file_format}")
    assert response.status_code == 302 and response["Location"].startswith("/logowanie/")
    assert not AuditEntry.objects.filter(action="account.personal_data_download").exists()


def test_the_profile_page_offers_both_downloads(client, owner):
    client.force_login(owner)
    html = client.get("/konto/").content.decode()
    assert 'href="/konto/dane-osobowe.pdf"' in html and 'href="/konto/dane-osobowe.json"' in html
