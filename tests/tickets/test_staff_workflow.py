"""Staff handle tickets in admin (D4): queue, filters, assignment, statuses, notes, answers."""

import datetime as dt
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse

from portal.models import AuditEntry, EmailMessage
from tests.factories import StaffFactory, TicketFactory, UnitFactory
from tests.tickets.helpers import PDF_BYTES
from tickets import services
from tickets.models import Ticket, TicketAttachment, TicketMessage, TicketStatusChange

pytestmark = pytest.mark.django_db
WARSAW = ZoneInfo("Europe/Warsaw")
CHANGELIST = reverse("admin:tickets_ticket_changelist")


def _change(ticket):
    return reverse("admin:tickets_ticket_change", args=[ticket.pk])


def _save(staff_client, ticket, **data):
    payload = {
        "assignee": ticket.assignee_id or "",
        "new_status": "",
        "public_answer": "",
        "internal_note": "",
        "_save": "Zapisz",
    }
    payload.update(data)
    return staff_client.post(_change(ticket), payload)


def test_status_change_and_answer_email_the_reporter_once_and_are_audited(staff_client, staff, owner):
    ticket = TicketFactory(reporter=owner, subject="Nie działa domofon")
    response = _save(staff_client, ticket, new_status="in_progress", public_answer="Serwisant będzie jutro.")
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.IN_PROGRESS
    change = TicketStatusChange.objects.get(ticket=ticket)
    assert (change.from_status, change.to_status, change.changed_by) == ("new", "in_progress", staff)
    answer = ticket.messages.get()
    assert answer.kind == TicketMessage.Kind.ANSWER and answer.author == staff
    mail = EmailMessage.objects.get(to=[owner.email])
    assert ticket.number in mail.subject and "w realizacji" in mail.subject
    assert "Status zmienił się z „nowe” na „w realizacji”." in mail.body_text
    assert "Serwisant będzie jutro." in mail.body_text and "/status/" in mail.body_text
    actions = set(AuditEntry.objects.filter(object_id=str(ticket.pk)).values_list("action", flat=True))
    assert {"ticket.status", "ticket.answer"} <= actions


def test_answer_without_status_change_emails_the_reporter(staff_client, owner):
    ticket = TicketFactory(reporter=owner, status=Ticket.Status.IN_PROGRESS)
    _save(staff_client, ticket, public_answer="Prosimy o zdjęcie licznika.")
    mail = EmailMessage.objects.get(to=[owner.email])
    assert "odpowiedź obsługi" in mail.subject and "Prosimy o zdjęcie licznika." in mail.body_text


def test_internal_note_emails_nobody_and_stays_internal(staff_client, owner, client):
    ticket = TicketFactory(reporter=owner)
    _save(staff_client, ticket, internal_note="Lokator jest w sporze z sąsiadem.")
    assert ticket.messages.get().kind == TicketMessage.Kind.NOTE
    assert EmailMessage.objects.count() == 0
    assert AuditEntry.objects.filter(action="ticket.note", object_id=str(ticket.pk)).exists()
    assert "w sporze z sąsiadem" in staff_client.get(_change(ticket)).content.decode()
    client.force_login(owner)
    assert "w sporze z sąsiadem" not in client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert "w sporze z sąsiadem" not in client.get(urlsplit(services.status_url(ticket)).path).content.decode()


def test_assignment_is_audited_and_not_emailed(staff_client, owner):
    colleague = StaffFactory()
    ticket = TicketFactory(reporter=owner)
    _save(staff_client, ticket, assignee=colleague.pk)
    ticket.refresh_from_db()
    assert ticket.assignee == colleague
    assert AuditEntry.objects.get(action="ticket.assign").details == {"assignee": colleague.username}
    assert EmailMessage.objects.count() == 0


def test_only_staff_can_be_assigned(staff_client, owner):
    ticket = TicketFactory(reporter=owner)
    response = _save(staff_client, ticket, assignee=owner.pk)
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_statuses_follow_the_workflow(staff_client, owner):
    ticket = TicketFactory(reporter=owner, status=Ticket.Status.RESOLVED)
    response = _save(staff_client, ticket, new_status="waiting")
    assert response.status_code == 200
    assert "Wybierz poprawną wartość" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.RESOLVED and EmailMessage.objects.count() == 0
    _save(staff_client, ticket, new_status="in_progress")  # a closed ticket may be reopened
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.IN_PROGRESS and ticket.closed_at is None


def test_full_path_new_progress_waiting_resolved(staff, owner):
    ticket = TicketFactory(reporter=owner)
    for status in ("in_progress", "waiting", "resolved"):
        ticket = services.ticket_staff_update(ticket=ticket, by=staff, status=status)
    assert ticket.status == "resolved" and ticket.closed_at is not None
    assert list(ticket.status_changes.values_list("to_status", flat=True)) == ["in_progress", "waiting", "resolved"]
    assert EmailMessage.objects.filter(to=[owner.email]).count() == 3


def test_service_refuses_a_transition_the_workflow_does_not_allow(staff, owner):
    ticket = TicketFactory(reporter=owner, status=Ticket.Status.REJECTED)
    with pytest.raises(ValidationError) as error:
        services.ticket_staff_update(ticket=ticket, by=staff, status="resolved")
    assert "Nie można zmienić statusu z „odrzucone” na „załatwione”." in str(error.value)
    assert not ticket.status_changes.exists()


def test_anonymous_reporter_gets_the_email_at_the_address_given(staff, client):
    ticket = TicketFactory(
        reporter=None,
        kind=Ticket.Kind.FAILURE,
        reporter_name="Anna Nowak",
        reporter_email="anna@example.test",
        location="ul. Polna 1",
    )
    services.ticket_staff_update(ticket=ticket, by=staff, status="resolved", answer="Naprawione.")
    assert EmailMessage.objects.get().to == ["anna@example.test"]


def test_reporter_with_a_closed_account_is_not_emailed(staff, owner):
    owner.closed_at = dt.datetime(2026, 1, 1, tzinfo=WARSAW)
    owner.save()
    ticket = TicketFactory(reporter=owner)
    services.ticket_staff_update(ticket=ticket, by=staff, status="rejected", answer="Konto zamknięte.")
    assert EmailMessage.objects.count() == 0


# --- the queue ----------------------------------------------------------------------------------


def _subjects(response) -> set[str]:
    html = response.content.decode()
    return {subject for subject in ("A1", "A2", "A3", "A4") if f">{subject}<" in html}


@pytest.fixture
def queue(owner, staff):
    building = UnitFactory().building
    unit = UnitFactory(building=building)
    with time_machine.travel(dt.datetime(2026, 4, 15, 10, tzinfo=WARSAW), tick=False):
        at = lambda *d: dt.datetime(*d, 9, tzinfo=WARSAW)  # noqa: E731
        return {
            "building": building,
            "a1": TicketFactory(reporter=owner, subject="A1", kind="failure", unit=unit, created_at=at(2026, 4, 14)),
            "a2": TicketFactory(reporter=owner, subject="A2", assignee=staff, created_at=at(2026, 4, 8)),
            "a3": TicketFactory(reporter=owner, subject="A3", status="resolved", created_at=at(2026, 4, 1)),
            "a4": TicketFactory(reporter=owner, subject="A4", kind="failure", created_at=at(2026, 3, 20)),
        }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, {"A1", "A2", "A3", "A4"}),
        ({"kind__exact": "failure"}, {"A1", "A4"}),
        ({"status__exact": "resolved"}, {"A3"}),
        ({"przypisane": "moje"}, {"A2"}),
        ({"przypisane": "brak"}, {"A1", "A3", "A4"}),
        ({"wiek": "0-2"}, {"A1"}),
        ({"wiek": "3-5"}, {"A2"}),
        ({"wiek": "6-10"}, {"A3"}),
        ({"wiek": "11+"}, {"A4"}),
    ],
)
def test_queue_filters(staff_client, queue, query, expected):
    with time_machine.travel(dt.datetime(2026, 4, 15, 10, tzinfo=WARSAW), tick=False):
        response = staff_client.get(CHANGELIST, query)
    assert response.status_code == 200
    assert _subjects(response) == expected


def test_queue_filters_by_building(staff_client, queue):
    response = staff_client.get(CHANGELIST, {"budynek": queue["building"].pk})
    assert _subjects(response) == {"A1"}
    assert str(queue["building"]) in response.content.decode()
    assert _subjects(staff_client.get(CHANGELIST, {"budynek": "brak"})) == {"A2", "A3", "A4"}


def test_queue_shows_age_in_working_days(staff_client, queue):
    # 1 April → 15 April 2026: Easter Monday (6 April) and two weekends are not counted.
    assert queue["a3"].age_in_working_days(dt.date(2026, 4, 15)) == 9
    with time_machine.travel(dt.datetime(2026, 4, 15, 10, tzinfo=WARSAW), tick=False):
        html = staff_client.get(CHANGELIST).content.decode()
    assert 'class="field-age_column">9<' in html


def test_queue_flags_a_new_reply_from_the_reporter(staff_client, owner, staff):
    ticket = TicketFactory(reporter=owner, subject="A1")
    TicketFactory(reporter=owner, subject="A2")
    services.ticket_staff_update(ticket=ticket, by=staff, answer="Prosimy o numer licznika.")
    services.ticket_reporter_reply(ticket=ticket, body="Numer 12345.", author=owner)
    assert _subjects(staff_client.get(CHANGELIST, {"odpowiedz": "nowa"})) == {"A1"}


def test_assign_to_me_action(staff_client, staff, owner):
    tickets = [TicketFactory(reporter=owner) for _ in range(2)]
    staff_client.post(CHANGELIST, {"action": "assign_to_me", "_selected_action": [t.pk for t in tickets], "index": 0})
    assert set(Ticket.objects.values_list("assignee", flat=True)) == {staff.pk}
    assert AuditEntry.objects.filter(action="ticket.assign").count() == 2


def test_staff_cannot_add_or_delete_tickets(staff_client, owner):
    ticket = TicketFactory(reporter=owner)
    assert staff_client.get(reverse("admin:tickets_ticket_add")).status_code == 403
    assert staff_client.get(reverse("admin:tickets_ticket_delete", args=[ticket.pk])).status_code == 403


def test_attachment_in_admin_needs_the_second_factor(client, staff_client, staff, owner):
    ticket = TicketFactory(reporter=owner)
    attachment = TicketAttachment(ticket=ticket, original_name="a.pdf", content_type="application/pdf", size=10)
    attachment.file.save("a.pdf", ContentFile(PDF_BYTES))
    url = reverse("admin:tickets_ticket_attachment", args=[ticket.pk, attachment.pk])
    assert url in staff_client.get(_change(ticket)).content.decode()
    response = staff_client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF_BYTES
    assert AuditEntry.objects.filter(action="ticket.attachment_view", actor=staff).exists()
    unverified = StaffFactory()
    client.force_login(unverified)
    assert client.get(url).status_code == 302  # to the OTP login
