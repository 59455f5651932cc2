"""Filing messages, failure reports and complaints (D1, D2) and what is refused."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from portal.models import AuditEntry, EmailMessage
from tests import factories
from tests.tickets.helpers import EXE_BYTES, image_bytes, jpeg, pdf, png, stored_files, upload
from tickets import services
from tickets.models import Ticket, TicketAttachment

pytestmark = pytest.mark.django_db
WARSAW = ZoneInfo("Europe/Warsaw")
NEW = reverse("tickets:new")


def _at(*args):
    return time_machine.travel(dt.datetime(*args, tzinfo=WARSAW), tick=False)


def _form(**overrides):
    data = {"kind": "message", "subject": "Pytanie o rozliczenie", "description": "Proszę o wyjaśnienie naliczeń."}
    data.update(overrides)
    return data


def _errors(response) -> str:
    return response.content.decode()


def test_tenant_files_a_message_and_sees_its_number_and_code_once(client, owner):
    client.force_login(owner)
    with _at(2026, 3, 10, 10, 0):
        response = client.post(NEW, _form())
        html = client.get(reverse("tickets:filed")).content.decode()
    assert response.status_code == 302 and response["Location"] == reverse("tickets:filed")
    ticket = Ticket.objects.get()
    assert ticket.number == "ZGL/2026/000001"
    assert ticket.reporter == owner and ticket.unit is None and ticket.status == Ticket.Status.NEW
    assert "ZGL/2026/000001" in html
    code = html.split('class="ticket-secret">')[1].split("<")[0]
    assert ticket.secret_matches(code) and code not in ticket.secret_hash
    assert client.get(reverse("tickets:filed")).status_code == 302  # the code is shown once


def test_filing_emails_the_reporter_the_number_code_and_status_link_and_audits(client, owner):
    client.force_login(owner)
    client.post(NEW, _form())
    ticket = Ticket.objects.get()
    message = EmailMessage.objects.get(to=[owner.email])
    assert ticket.number in message.subject
    assert ticket.number in message.body_text and "Kod dostępu:" in message.body_text
    link = next(line for line in message.body_text.splitlines() if "/status/" in line).strip()
    assert services.ticket_from_status_token(link.rstrip("/").rsplit("/", 1)[-1]) == ticket
    entry = AuditEntry.objects.get(action="ticket.create")
    assert entry.actor == owner and entry.object_id == str(ticket.pk)


def test_new_tickets_are_announced_to_staff_addresses(client, owner, settings):
    settings.TICKETS_NOTIFY_EMAILS = ["awarie@sm.example"]
    client.force_login(owner)
    client.post(NEW, _form(kind="failure", unit=owner.grants.get().unit_id, subject="Cieknie rura"))
    staff_mail = EmailMessage.objects.get(to=["awarie@sm.example"])
    assert "Cieknie rura" in staff_mail.subject and "/admin/tickets/ticket/" in staff_mail.body_text


def test_failure_with_photos_and_a_pdf_stores_them_privately_under_random_names(client, owner, unit):
    client.force_login(owner)
    response = client.post(
        NEW,
        _form(
            kind="failure",
            unit=unit.pk,
            subject="Zalane mieszkanie",
            attachments=[jpeg("IMG 001.jpg"), png(), pdf("protokół.pdf")],
        ),
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    attachments = list(ticket.attachments.order_by("pk"))
    assert [a.content_type for a in attachments] == ["image/jpeg", "image/png", "application/pdf"]
    assert [a.original_name for a in attachments] == ["IMG 001.jpg", "plama.png", "protokół.pdf"]
    for attachment in attachments:
        assert attachment.file.name.startswith("tickets/")
        assert attachment.original_name not in attachment.file.name
        assert len(attachment.file.name.rsplit("/", 1)[-1].split(".")[0]) == 32  # uuid4 hex
    assert len(stored_files()) == 3


def test_type_comes_from_the_content_not_the_name(client, owner):
    client.force_login(owner)
    client.post(NEW, _form(attachments=[upload("skan.jpg", pdf().read(), "image/jpeg")]))
    attachment = TicketAttachment.objects.get()
    assert attachment.content_type == "application/pdf"
    assert attachment.file.name.endswith(".pdf") and attachment.download_name == "skan.pdf"


def test_co_owner_may_file_about_the_shared_unit(client, co_owner, unit):
    client.force_login(co_owner)
    assert client.post(NEW, _form(kind="failure", unit=unit.pk)).status_code == 302
    assert Ticket.objects.get().unit == unit


def test_the_form_offers_only_the_users_units(client, owner, unit, stranger):
    client.force_login(owner)
    html = client.get(NEW).content.decode()
    assert str(unit) in html
    assert str(stranger.grants.get().unit) not in html


# --- the complaint window (D2) --------------------------------------------------------------


def test_form_tells_the_last_accepted_day(client, owner):
    client.force_login(owner)
    with _at(2026, 4, 8, 9, 0):  # Wednesday after Easter
        html = client.get(NEW).content.decode()
    # Events from Friday 27 March are still accepted: Mon 30, Tue 31, Wed 1, Thu 2, Fri 3, Tue 7, Wed 8.
    assert "dziś przyjmujemy reklamacje zdarzeń od 27.03.2026" in html
    # An event of today: Thu 9, Fri 10, Mon 13 … Fri 17.
    assert "najpóźniej 17.04.2026" in html


def test_complaint_on_the_last_day_is_accepted(client, owner, unit):
    client.force_login(owner)
    with _at(2026, 4, 14, 23, 50):  # 7th working day after Thursday 2 April (Easter Monday skipped)
        response = client.post(NEW, _form(kind="complaint", unit=unit.pk, event_date="2026-04-02"))
    assert response.status_code == 302
    assert Ticket.objects.get().event_date == dt.date(2026, 4, 2)


def test_complaint_one_day_too_late_is_refused_naming_the_deadline(client, owner, unit):
    client.force_login(owner)
    with _at(2026, 4, 15, 0, 5):
        response = client.post(
            NEW, _form(kind="complaint", unit=unit.pk, event_date="2026-04-02", attachments=[jpeg()])
        )
    assert response.status_code == 200
    html = _errors(response)
    assert "Reklamację zdarzenia z dnia 02.04.2026 można było złożyć do 14.04.2026" in html
    assert "Termin minął." in html
    assert Ticket.objects.count() == 0 and stored_files() == []


def test_complaint_around_christmas_skips_christmas_eve(client, owner, unit):
    with _at(2026, 12, 31, 12, 0):  # Mon 21 Dec + 7 working days = Mon 4 Jan 2027
        client.force_login(owner)
        response = client.post(NEW, _form(kind="complaint", unit=unit.pk, event_date="2026-12-21"))
    assert response["Location"] == reverse("tickets:filed")
    with _at(2027, 1, 5, 8, 0):
        client.force_login(owner)  # the session of the week before has expired
        response = client.post(NEW, _form(kind="complaint", unit=unit.pk, event_date="2026-12-21"))
    assert "można było złożyć do 04.01.2027" in _errors(response)
    assert Ticket.objects.count() == 1


def test_complaint_needs_an_event_date_and_a_unit(client, owner):
    client.force_login(owner)
    html = _errors(client.post(NEW, _form(kind="complaint")))
    assert "Podaj datę zdarzenia, którego dotyczy reklamacja." in html
    assert "Wybierz lokal, którego dotyczy zgłoszenie." in html
    assert Ticket.objects.count() == 0


def test_complaint_about_a_future_event_is_refused(client, owner, unit):
    client.force_login(owner)
    with _at(2026, 5, 5, 12, 0):
        html = _errors(client.post(NEW, _form(kind="complaint", unit=unit.pk, event_date="2026-05-06")))
    assert "Data zdarzenia nie może być późniejsza niż dzisiaj." in html
    assert Ticket.objects.count() == 0


def test_complaints_without_an_account_are_not_accepted():
    with pytest.raises(ValidationError) as error:
        services.ticket_file(
            kind=Ticket.Kind.COMPLAINT,
            subject="Reklamacja",
            description="Opis",
            event_date=dt.date.today(),
            reporter_name="Anna Nowak",
            reporter_phone="600100200",
            location="ul. Polna 1",
        )
    assert "Bez konta można zgłosić tylko awarię" in str(error.value)
    assert Ticket.objects.count() == 0


# --- bad input: nothing is stored -------------------------------------------------------------


def test_another_users_unit_is_refused(client, owner, stranger):
    client.force_login(owner)
    other_unit = stranger.grants.get().unit
    html = _errors(client.post(NEW, _form(kind="failure", unit=other_unit.pk)))
    assert "Wybierz jeden ze swoich lokali." in html
    assert Ticket.objects.count() == 0


def test_attachment_over_10_mb_is_refused(client, owner):
    client.force_login(owner)
    too_big = b"\xff\xd8\xff\xe0" + b"\x00" * (10 * 1024 * 1024 - 3)
    html = _errors(client.post(NEW, _form(attachments=[jpeg(), upload("duze.jpg", too_big, "image/jpeg")])))
    assert "Plik „duze.jpg” ma 10,0" in html and "największy dopuszczalny rozmiar to 10,0" in html
    assert Ticket.objects.count() == 0 and stored_files() == []


def test_renamed_executable_is_refused(client, owner):
    client.force_login(owner)
    html = _errors(client.post(NEW, _form(attachments=[upload("zdjecie.jpg", EXE_BYTES, "image/jpeg")])))
    assert "Plik „zdjecie.jpg” nie jest zdjęciem JPEG/PNG ani dokumentem PDF" in html
    assert Ticket.objects.count() == 0 and stored_files() == []


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("opis.txt", "Zwykły tekst".encode()),
        ("animacja.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
        ("strona.html", b"<html><script>alert(1)</script></html>"),
        ("dokument.docx", b"PK\x03\x04" + b"\x00" * 50),
    ],
)
def test_files_of_other_types_are_refused(client, owner, name, data):
    client.force_login(owner)
    html = _errors(client.post(NEW, _form(attachments=[upload(name, data)])))
    assert f"Plik „{name}” nie jest zdjęciem JPEG/PNG ani dokumentem PDF" in html
    assert Ticket.objects.count() == 0


def test_broken_image_is_refused(client, owner):
    client.force_login(owner)
    broken = image_bytes("PNG")[:40]
    html = _errors(client.post(NEW, _form(attachments=[upload("zepsute.png", broken, "image/png")])))
    assert "Plik „zepsute.png” nie jest poprawnym obrazem" in html
    assert Ticket.objects.count() == 0


def test_more_than_five_attachments_are_refused(client, owner):
    client.force_login(owner)
    html = _errors(client.post(NEW, _form(attachments=[jpeg(f"z{n}.jpg") for n in range(6)])))
    assert "Można dodać najwyżej 5 załączników." in html
    assert Ticket.objects.count() == 0 and stored_files() == []


def test_empty_subject_and_description_are_refused_in_polish(client, owner):
    client.force_login(owner)
    html = _errors(client.post(NEW, {"kind": "message", "subject": "", "description": ""}))
    assert "To pole jest wymagane." in html
    assert Ticket.objects.count() == 0


def test_a_failure_half_way_removes_the_stored_files(client, owner, monkeypatch):
    def broken_audit(**kwargs):
        raise RuntimeError("dziennik niedostępny")

    monkeypatch.setattr(services, "audit_log", broken_audit)
    with pytest.raises(RuntimeError):
        services.ticket_file(
            kind=Ticket.Kind.MESSAGE, subject="Temat", description="Opis", reporter=owner, uploads=[jpeg(), pdf()]
        )
    assert Ticket.objects.count() == 0 and TicketAttachment.objects.count() == 0
    assert stored_files() == []


def test_html_in_subject_and_description_is_shown_as_text(client, owner, second_staff_client):
    client.force_login(owner)
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    client.post(NEW, _form(subject=payload, description=payload))
    ticket = Ticket.objects.get()
    assert ticket.subject == payload  # stored as typed
    for html in (
        client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode(),
        client.get(reverse("tickets:list")).content.decode(),
        second_staff_client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk])).content.decode(),
        second_staff_client.get(reverse("admin:tickets_ticket_changelist")).content.decode(),
    ):
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(" in html
    confirmation = EmailMessage.objects.get(to=[owner.email])
    assert "<script>alert" not in confirmation.body_html


# --- without an account -----------------------------------------------------------------------


def _anonymous(**overrides):
    data = {
        "reporter_name": "Anna Nowak",
        "reporter_phone": "+48 600 100 200",
        "reporter_email": "anna.nowak@example.test",
        "location": "ul. Żeromskiego 12, piwnica",
        "subject": "Wyciek wody",
        "description": "Z rury w piwnicy leje się woda.",
    }
    data.update(overrides)
    return data


def test_failure_without_an_account_gets_a_number_and_an_email(client):
    with _at(2026, 7, 1, 3, 15):
        response = client.post(reverse("tickets:failure_report"), _anonymous(attachments=[jpeg()]))
        html = client.get(reverse("tickets:filed")).content.decode()
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.number == "ZGL/2026/000001" and ticket.kind == Ticket.Kind.FAILURE and ticket.reporter is None
    assert ticket.attachments.count() == 1
    assert "ZGL/2026/000001" in html and "anna.nowak@example.test" in html
    assert EmailMessage.objects.filter(to=["anna.nowak@example.test"], subject__contains=ticket.number).exists()
    assert AuditEntry.objects.get(action="ticket.create").actor_label == "Anna Nowak (bez konta)"


def test_failure_without_an_account_may_leave_only_a_phone(client):
    response = client.post(reverse("tickets:failure_report"), _anonymous(reporter_email=""))
    assert response.status_code == 302
    assert Ticket.objects.get().reporter_phone == "+48 600 100 200"
    assert EmailMessage.objects.count() == 0  # no address, no e-mail; the number is on the page


def test_failure_without_any_contact_is_refused(client):
    html = client.post(
        reverse("tickets:failure_report"), _anonymous(reporter_email="", reporter_phone="")
    ).content.decode()
    assert "Podaj telefon lub adres e-mail" in html
    assert Ticket.objects.count() == 0


def test_logged_in_user_is_sent_to_the_full_form(client, owner):
    client.force_login(owner)
    response = client.get(reverse("tickets:failure_report"))
    assert response.status_code == 302 and response["Location"] == NEW + "?rodzaj=failure"


def test_reports_without_an_account_are_limited_per_address(client, settings):
    settings.TICKETS_ANON_REPORTS_PER_HOUR = 2
    url = reverse("tickets:failure_report")
    for _ in range(2):
        assert client.post(url, _anonymous(), REMOTE_ADDR="203.0.113.7").status_code == 302
    refused = client.post(url, _anonymous(attachments=[jpeg()]), REMOTE_ADDR="203.0.113.7")
    assert refused.status_code == 429
    assert "Zbyt wiele prób z tego adresu. Spróbuj ponownie za 60 min." in refused.content.decode()
    assert Ticket.objects.count() == 2 and len(stored_files()) == 0
    assert client.post(url, _anonymous(), REMOTE_ADDR="203.0.113.8").status_code == 302


def test_invalid_reports_do_not_use_up_the_limit(client, settings):
    settings.TICKETS_ANON_REPORTS_PER_HOUR = 1
    url = reverse("tickets:failure_report")
    for _ in range(3):
        client.post(url, _anonymous(location=""), REMOTE_ADDR="203.0.113.9")
    assert client.post(url, _anonymous(), REMOTE_ADDR="203.0.113.9").status_code == 302


def test_factories_make_a_ticket_with_the_known_code():
    ticket = factories.TicketFactory()
    assert ticket.secret_matches(factories.TICKET_SECRET)
    assert ticket.secret_matches(factories.TICKET_SECRET.lower().replace("-", " "))
