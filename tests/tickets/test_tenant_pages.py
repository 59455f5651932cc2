"""A logged-in user's ticket list and ticket pages (D3): only their own tickets."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditEntry
from tests.factories import TicketFactory
from tests.tickets.helpers import PDF_BYTES
from tickets.models import Ticket, TicketAttachment, TicketMessage

pytestmark = pytest.mark.django_db
LIST = reverse("tickets:list")


def _days_ago(days):
    return timezone.now() - dt.timedelta(days=days)


def test_list_shows_the_last_six_months_and_older_ones_on_request(client, owner):
    with time_machine.travel(dt.datetime(2026, 11, 20, 12, tzinfo=ZoneInfo("Europe/Warsaw")), tick=False):
        TicketFactory(reporter=owner, subject="Świeża sprawa", created_at=_days_ago(10))
        TicketFactory(reporter=owner, subject="Sprawa z maja", created_at=timezone.now().replace(month=5, day=21))
        TicketFactory(reporter=owner, subject="Zeszłoroczna sprawa", created_at=_days_ago(400))
        client.force_login(owner)
        html = client.get(LIST).content.decode()
        assert "Świeża sprawa" in html and "Sprawa z maja" in html
        assert "Zeszłoroczna sprawa" not in html
        assert "Zgłoszenia złożone od 20.05.2026" in html
        assert "Zeszłoroczna sprawa" in client.get(LIST, {"starsze": "on"}).content.decode()
        searched = client.get(LIST, {"q": "zeszłoroczna"}).content.decode()
        assert "Zeszłoroczna sprawa" in searched and "Świeża sprawa" not in searched


def test_list_finds_an_old_ticket_by_its_number(client, owner):
    old = TicketFactory(reporter=owner, created_at=_days_ago(900))
    client.force_login(owner)
    assert old.subject in client.get(LIST, {"q": old.number}).content.decode()


def test_list_shows_only_the_users_own_tickets(client, owner, co_owner, unit):
    TicketFactory(reporter=owner, unit=unit, subject="Moja sprawa")
    TicketFactory(reporter=co_owner, unit=unit, subject="Sprawa współwłaściciela")
    client.force_login(owner)
    html = client.get(LIST).content.decode()
    assert "Moja sprawa" in html and "Sprawa współwłaściciela" not in html


def test_list_needs_a_login(client):
    response = client.get(LIST)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_list_query_count_does_not_grow_with_tickets(client, owner, unit, django_assert_max_num_queries):
    for _ in range(25):
        TicketFactory(reporter=owner, unit=unit)
    client.force_login(owner)
    with django_assert_max_num_queries(12):
        assert client.get(LIST).status_code == 200


def test_detail_shows_answers_but_never_internal_notes(client, owner):
    ticket = TicketFactory(reporter=owner)
    TicketMessage.objects.create(ticket=ticket, kind=TicketMessage.Kind.ANSWER, body="Sprawdzimy licznik.")
    TicketMessage.objects.create(ticket=ticket, kind=TicketMessage.Kind.NOTE, body="Lokator dzwonił 5 razy.")
    client.force_login(owner)
    html = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert "Sprawdzimy licznik." in html and "dzwonił 5 razy" not in html


@pytest.mark.parametrize("who", ["co_owner", "stranger", "staff"])
def test_another_users_ticket_id_is_404(client, owner, who, request):
    ticket = TicketFactory(reporter=owner)
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("tickets:detail", args=[ticket.pk])).status_code == 404
    response = client.post(reverse("tickets:reply", args=[ticket.pk]), {"body": "Cudza odpowiedź"})
    assert response.status_code == 404
    assert not ticket.messages.exists()


def test_reporter_answers_back_while_open(client, owner):
    ticket = TicketFactory(reporter=owner, status=Ticket.Status.WAITING)
    client.force_login(owner)
    response = client.post(reverse("tickets:reply", args=[ticket.pk]), {"body": "Licznik ma numer 123."})
    assert response.status_code == 302
    assert ticket.messages.get().author == owner
    assert AuditEntry.objects.get(action="ticket.reporter_reply").actor == owner


def test_reporter_cannot_answer_a_rejected_ticket(client, owner):
    ticket = TicketFactory(reporter=owner, status=Ticket.Status.REJECTED)
    client.force_login(owner)
    response = client.post(reverse("tickets:reply", args=[ticket.pk]), {"body": "A jednak"})
    assert response.status_code == 400
    assert "jest zamknięte (odrzucone) i nie przyjmuje odpowiedzi" in response.content.decode()
    assert not ticket.messages.exists()


def test_empty_reply_is_refused(client, owner):
    ticket = TicketFactory(reporter=owner)
    client.force_login(owner)
    response = client.post(reverse("tickets:reply", args=[ticket.pk]), {"body": "   "})
    assert "To pole jest wymagane." in response.content.decode()
    assert not ticket.messages.exists()


def _attachment(ticket):
    attachment = TicketAttachment(ticket=ticket, original_name="zdj.pdf", content_type="application/pdf", size=10)
    attachment.file.save("x.pdf", ContentFile(PDF_BYTES))
    return attachment


def test_attachment_is_served_to_the_reporter_only(client, owner, co_owner, stranger):
    ticket = TicketFactory(reporter=owner)
    attachment = _attachment(ticket)
    url = reverse("tickets:attachment", args=[ticket.pk, attachment.pk])
    assert client.get(url).status_code == 302  # anonymous: to the login page
    for other in (co_owner, stranger):
        client.force_login(other)
        assert client.get(url).status_code == 404
    client.force_login(owner)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert "sandbox" in response["Content-Security-Policy"]


def test_attachment_id_of_another_ticket_is_404(client, owner):
    mine = TicketFactory(reporter=owner)
    foreign = _attachment(TicketFactory())
    client.force_login(owner)
    assert client.get(reverse("tickets:attachment", args=[mine.pk, foreign.pk])).status_code == 404


def test_private_files_have_no_public_url(settings):
    assert settings.STORAGES["default"]["OPTIONS"]["base_url"] is None


def test_user_menu_links_to_the_tickets(client, owner):
    client.force_login(owner)
    assert f'href="{LIST}"' in client.get("/").content.decode()


def test_landing_page_leads_to_what_works_without_an_account(client):
    html = client.get("/").content.decode()
    for name in ("tickets:failure_report", "tickets:status", "tickets:forms"):
        assert f'href="{reverse(name)}"' in html
