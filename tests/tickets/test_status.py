"""Status by number and code without logging in (D3), the e-mail link, and answering back."""

from urllib.parse import urlsplit

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from portal.models import AuditEntry, EmailMessage
from tests.factories import TICKET_SECRET, TicketFactory
from tests.tickets.helpers import PDF_BYTES
from tickets import services
from tickets.models import Ticket, TicketAttachment, TicketMessage

pytestmark = pytest.mark.django_db
STATUS = reverse("tickets:status")
NOT_FOUND = "Nie znaleźliśmy zgłoszenia o tym numerze i kodzie dostępu."


@pytest.fixture
def ticket(owner):
    ticket = TicketFactory(reporter=owner, subject="Głośna winda", status=Ticket.Status.IN_PROGRESS)
    TicketMessage.objects.create(ticket=ticket, kind=TicketMessage.Kind.ANSWER, body="Serwis przyjedzie we wtorek.")
    TicketMessage.objects.create(ticket=ticket, kind=TicketMessage.Kind.NOTE, body="Notatka: firma ABC, drogo.")
    return ticket


def test_number_and_code_open_the_status_page_without_login(client, ticket):
    response = client.post(STATUS, {"number": ticket.number, "secret": TICKET_SECRET})
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert ticket.number in html and "Głośna winda" in html
    assert "w realizacji" in html and "Serwis przyjedzie we wtorek." in html
    assert "firma ABC" not in html  # internal notes never reach the reporter
    assert TICKET_SECRET not in response["Location"]  # the code does not travel in the URL


def test_code_may_be_typed_in_lower_case_without_the_dash(client, ticket):
    response = client.post(STATUS, {"number": ticket.number.lower(), "secret": " abcde 23456 "})
    assert response.status_code == 302


def test_wrong_code_and_unknown_number_get_the_same_answer(client, ticket):
    wrong_code = client.post(STATUS, {"number": ticket.number, "secret": "ZZZZZ-99999"})
    unknown = client.post(STATUS, {"number": "ZGL/2020/999999", "secret": TICKET_SECRET})
    for response in (wrong_code, unknown):
        html = response.content.decode()
        assert response.status_code == 400
        assert NOT_FOUND in html
        assert "Głośna winda" not in html
    assert wrong_code.content.decode().count("message-error") == unknown.content.decode().count("message-error")


def test_guessing_is_rate_limited_per_address(client, ticket, settings):
    settings.TICKETS_STATUS_FAILURES_PER_HOUR = 3
    for n in range(3):
        client.post(STATUS, {"number": ticket.number, "secret": f"ZZZZZ-9999{n}"}, REMOTE_ADDR="198.51.100.4")
    blocked = client.post(STATUS, {"number": ticket.number, "secret": TICKET_SECRET}, REMOTE_ADDR="198.51.100.4")
    assert blocked.status_code == 429
    assert "Zbyt wiele prób z tego adresu" in blocked.content.decode()
    other = client.post(STATUS, {"number": ticket.number, "secret": TICKET_SECRET}, REMOTE_ADDR="198.51.100.5")
    assert other.status_code == 302


def test_correct_checks_do_not_use_up_the_limit(client, ticket, settings):
    settings.TICKETS_STATUS_FAILURES_PER_HOUR = 1
    for _ in range(4):
        assert client.post(STATUS, {"number": ticket.number, "secret": TICKET_SECRET}).status_code == 302


def test_empty_form_is_refused_in_polish(client):
    response = client.post(STATUS, {"number": "", "secret": ""})
    assert "To pole jest wymagane." in response.content.decode()


def test_status_link_from_the_email_opens_the_page(client, ticket):
    html = client.get(urlsplit(services.status_url(ticket)).path).content.decode()
    assert "Serwis przyjedzie we wtorek." in html and "firma ABC" not in html


def test_tampered_link_sends_to_the_number_and_code_form(client, ticket):
    token = services.status_token(ticket)
    response = client.get(reverse("tickets:status_link", args=[token[:-2] + "xx"]), follow=True)
    assert response.redirect_chain[-1][0] == STATUS
    assert "Link do statusu zgłoszenia jest nieprawidłowy" in response.content.decode()


def test_link_stops_working_when_the_code_is_changed(client, ticket):
    token = services.status_token(ticket)
    Ticket.objects.filter(pk=ticket.pk).update(secret_hash="0" * 64)
    assert client.get(reverse("tickets:status_link", args=[token])).status_code == 302


def test_reporter_answers_back_through_the_link_while_open(client, ticket, settings):
    settings.TICKETS_NOTIFY_EMAILS = ["bok@sm.example"]
    token = services.status_token(ticket)
    response = client.post(reverse("tickets:status_reply", args=[token]), {"body": "Winda nadal stuka."})
    assert response.status_code == 302
    reply = ticket.messages.get(kind=TicketMessage.Kind.REPORTER)
    assert reply.body == "Winda nadal stuka." and reply.author is None
    ticket.refresh_from_db()
    assert ticket.reporter_replied_at is not None
    assert EmailMessage.objects.filter(to=["bok@sm.example"], body_text__contains="Winda nadal stuka.").exists()
    assert AuditEntry.objects.filter(action="ticket.reporter_reply", object_id=str(ticket.pk)).exists()


def test_reporter_cannot_answer_a_closed_ticket(client, ticket):
    Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.RESOLVED)
    token = services.status_token(ticket)
    response = client.post(reverse("tickets:status_reply", args=[token]), {"body": "Jeszcze jedno"})
    html = response.content.decode()
    assert response.status_code == 400
    assert f"Zgłoszenie {ticket.number} jest zamknięte (załatwione) i nie przyjmuje odpowiedzi." in html
    assert not ticket.messages.filter(kind=TicketMessage.Kind.REPORTER).exists()


def test_attachments_open_through_the_link_of_their_own_ticket_only(client, ticket, owner):
    attachment = TicketAttachment(ticket=ticket, original_name="skan.pdf", content_type="application/pdf", size=10)
    attachment.file.save("x.pdf", ContentFile(PDF_BYTES))
    token = services.status_token(ticket)
    response = client.get(reverse("tickets:status_attachment", args=[token, attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Disposition"].startswith("attachment")
    other_token = services.status_token(TicketFactory(reporter=owner))
    assert client.get(reverse("tickets:status_attachment", args=[other_token, attachment.pk])).status_code == 404
    assert client.get(reverse("tickets:status_attachment", args=["zly-token", attachment.pk])).status_code == 404
