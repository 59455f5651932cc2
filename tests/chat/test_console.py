"""The clerk's console in admin (behind the second factor): queue with waiting times, take,
several conversations at once, hand over, close, turn into a ticket, presence; the tenant's
units, balance and open tickets beside each conversation; answers to a tenant who left by e-mail."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from chat import services
from chat.models import Conversation, StaffPresence
from portal.models import AuditEntry, EmailMessage
from tests import factories
from tests.chat.conftest import OFFICE_TIME, make_clerk, verified_client

pytestmark = pytest.mark.django_db

CONSOLE = "admin:chat_conversation_console"


def act(client: Client, conversation: Conversation, action: str, **data):
    return client.post(reverse("admin:chat_conversation_action", args=[conversation.pk]), {"action": action, **data})


def test_the_queue_shows_each_waiting_conversation_with_its_waiting_time(clerk_client, owner):
    with time_machine.travel(OFFICE_TIME, tick=False):
        services.conversation_start(tenant=owner, body="Pierwszy")
    with time_machine.travel(OFFICE_TIME + dt.timedelta(minutes=7), tick=False):
        page = clerk_client.get(reverse(CONSOLE))
    assert page.status_code == 200
    [(_conversation, minutes)] = page.context["queue"]
    assert minutes == 7 and "(za długo)" in page.content.decode()


def test_the_console_needs_the_chat_permission_and_the_second_factor(client, owner):
    no_permission = verified_client(factories.StaffFactory(is_superuser=False))
    assert no_permission.get(reverse(CONSOLE)).status_code == 403
    clerk = make_clerk()
    client.force_login(clerk)  # password only, no second factor
    assert client.get(reverse(CONSOLE)).status_code == 302


def test_a_clerk_takes_answers_several_conversations_and_sees_the_tenants_context(clerk, clerk_client, owner, unit):
    ticket = factories.TicketFactory(reporter=owner, unit=unit, subject="Cieknący kran")
    first = services.conversation_start(tenant=owner, body="Pytanie pierwsze", unit=unit)
    second = services.conversation_start(tenant=factories.TenantFactory(units=[factories.UnitFactory()]), body="Drugie")
    act(clerk_client, first, "take")
    act(clerk_client, second, "take")
    services.tenant_seen(conversation=first)
    act(clerk_client, first, "send", **{f"c{first.pk}-body": "Odpowiedź 1", f"c{first.pk}-client_id": "r1"})
    act(clerk_client, second, "send", **{f"c{second.pk}-body": "Odpowiedź 2", f"c{second.pk}-client_id": "r2"})
    assert first.messages.filter(author_kind="staff", body="Odpowiedź 1", author=clerk).exists()
    assert second.messages.filter(author_kind="staff", body="Odpowiedź 2").exists()
    page = clerk_client.get(reverse(CONSOLE))
    assert [p["conversation"] for p in page.context["panels"]] == [first, second]
    html = page.content.decode()
    assert str(unit) in html and "Cieknący kran" in html and ticket.number in html
    assert AuditEntry.objects.filter(action="chat.take", object_id=str(first.pk), actor=clerk).exists()


def test_a_conversation_taken_by_one_clerk_cannot_be_taken_by_another(clerk, clerk_client, conversation):
    other = verified_client(make_clerk())
    act(clerk_client, conversation, "take")
    response = act(other, conversation, "take")
    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.assignee == clerk
    messages = [str(m) for m in other.get(reverse(CONSOLE)).context["messages"]]
    assert "Tej rozmowy nie ma już w kolejce (przejęta lub zakończona)." in messages


def test_a_hand_over_moves_the_conversation_and_is_audited(clerk, clerk_client, conversation):
    colleague = make_clerk(first_name="Bożena")
    act(clerk_client, conversation, "take")
    act(clerk_client, conversation, "handover", to=colleague.pk)
    conversation.refresh_from_db()
    assert conversation.assignee == colleague
    entry = AuditEntry.objects.get(action="chat.handover")
    assert entry.details["from"] == clerk.pk and entry.details["to"] == colleague.pk
    assert conversation.messages.filter(author_kind="system", body__contains="Bożena").exists()


def test_a_conversation_cannot_be_handed_to_someone_without_the_chat_permission(clerk_client, conversation, owner):
    act(clerk_client, conversation, "take")
    act(clerk_client, conversation, "handover", to=owner.pk)
    conversation.refresh_from_db()
    assert conversation.assignee != owner


def test_the_clerk_turns_the_conversation_into_a_ticket_with_the_transcript(clerk_client, conversation, owner):
    act(clerk_client, conversation, "take")
    act(
        clerk_client,
        conversation,
        "send",
        **{f"c{conversation.pk}-body": "Sprawdzę w księgowości.", f"c{conversation.pk}-client_id": "k"},
    )
    act(clerk_client, conversation, "ticket")
    conversation.refresh_from_db()
    ticket = conversation.ticket
    assert conversation.status == Conversation.Status.TICKET
    assert ticket.reporter == owner and ticket.unit == conversation.unit
    assert "Dzień dobry, pytanie o saldo." in ticket.description and "Sprawdzę w księgowości." in ticket.description
    assert EmailMessage.objects.filter(dedup_key=f"ticket:{ticket.pk}:received").exists()
    assert AuditEntry.objects.filter(action="chat.to_ticket").exists()


def test_the_clerk_closes_the_conversation(clerk_client, conversation):
    act(clerk_client, conversation, "take")
    act(clerk_client, conversation, "close")
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.CLOSED
    assert AuditEntry.objects.filter(action="chat.close").exists()


def test_an_answer_to_a_tenant_who_left_arrives_by_email(clerk, clerk_client, conversation, owner):
    act(clerk_client, conversation, "take")
    services.tenant_left(conversation=conversation)
    act(
        clerk_client,
        conversation,
        "send",
        **{f"c{conversation.pk}-body": "Saldo jest zerowe.", f"c{conversation.pk}-client_id": "a"},
    )
    mail = EmailMessage.objects.get(to=[owner.email], subject__startswith="Odpowiedź na czacie")
    assert "Saldo jest zerowe." in mail.body_text


def test_an_answer_to_a_tenant_still_on_the_page_is_not_emailed(clerk_client, conversation, owner):
    act(clerk_client, conversation, "take")
    services.tenant_seen(conversation=conversation)
    act(
        clerk_client,
        conversation,
        "send",
        **{f"c{conversation.pk}-body": "Już jestem.", f"c{conversation.pk}-client_id": "b"},
    )
    assert not EmailMessage.objects.filter(subject__startswith="Odpowiedź na czacie").exists()


def test_presence_available_is_what_tenants_see_as_available_now(clerk, clerk_client, settings):
    with time_machine.travel(OFFICE_TIME, tick=False):
        assert not services.availability().available
        clerk_client.post(reverse("admin:chat_conversation_presence"), {"status": "available"})
        assert services.availability().available
        assert AuditEntry.objects.filter(action="chat.presence", actor=clerk).exists()
    # The console closed: after CHAT_PRESENCE_SECONDS without a heartbeat the clerk no longer counts.
    later = OFFICE_TIME + dt.timedelta(seconds=settings.CHAT_PRESENCE_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        assert not services.availability().available
    with time_machine.travel(OFFICE_TIME, tick=False):
        clerk_client.post(reverse("admin:chat_conversation_presence"), {"status": "busy"})
        assert StaffPresence.objects.get(user=clerk).status == "busy" and not services.availability().available


def test_the_conversation_list_in_admin_is_read_only_with_the_transcript(staff_client, conversation):
    assert staff_client.get(reverse("admin:chat_conversation_changelist")).status_code == 200
    page = staff_client.get(reverse("admin:chat_conversation_change", args=[conversation.pk])).content.decode()
    assert "Dzień dobry, pytanie o saldo." in page
    assert staff_client.get(reverse("admin:chat_conversation_add")).status_code == 403


def test_finished_conversations_are_deleted_after_the_retention_period(owner, settings):
    settings.CHAT_RETENTION_DAYS = 30
    old = services.conversation_start(tenant=owner, body="Stara")
    services.conversation_close(conversation=old, by=owner)
    Conversation.objects.filter(pk=old.pk).update(closed_at=timezone.now() - dt.timedelta(days=31))
    recent = services.conversation_start(tenant=owner, body="Świeża")
    services.conversation_close(conversation=recent, by=owner)
    still_open = services.conversation_start(tenant=owner, body="Trwa")
    Conversation.objects.filter(pk=still_open.pk).update(created_at=timezone.now() - dt.timedelta(days=90))
    assert services.retention_conversations() == 1
    assert set(Conversation.objects.values_list("pk", flat=True)) == {recent.pk, still_open.pk}
