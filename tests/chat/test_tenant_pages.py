"""The tenant's chat pages (D6) through the HTTP client, with JavaScript off: a form and a reload."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from chat import services
from chat.models import Conversation, Message
from portal.models import AuditEntry, EmailMessage
from tests import factories
from tests.chat.conftest import HOLIDAY_MORNING, OFFICE_TIME

pytestmark = pytest.mark.django_db


def test_the_menu_and_the_dashboard_link_to_the_chat(client, owner):
    client.force_login(owner)
    page = client.get(reverse("home")).content.decode()
    assert page.count(f'href="{reverse("chat:index")}"') == 2


def test_the_chat_says_someone_is_available_in_office_hours_with_a_clerk_present(
    client, owner, clerk_present, during_office_hours
):
    client.force_login(owner)
    page = client.get(reverse("chat:index")).content.decode()
    assert "Pracownik biura jest teraz dostępny." in page
    assert "Rozpocznij rozmowę" in page


def test_in_office_hours_with_every_clerk_busy_the_chat_says_so(client, owner, clerk, during_office_hours):
    client.force_login(owner)
    assert "Wszyscy pracownicy są teraz zajęci." in client.get(reverse("chat:index")).content.decode()


def test_a_tenant_starts_a_conversation_about_their_unit_and_writes_without_javascript(
    client, owner, unit, clerk_present, during_office_hours
):
    client.force_login(owner)
    form = client.get(reverse("chat:index")).context["form"]
    response = client.post(
        reverse("chat:index"),
        {"unit": unit.pk, "body": "Czy saldo jest aktualne?", "client_id": form["client_id"].value()},
    )
    conversation = Conversation.objects.get()
    assert response.url == reverse("chat:detail", args=[conversation.pk])
    assert conversation.unit == unit and conversation.status == Conversation.Status.WAITING
    assert AuditEntry.objects.filter(action="chat.start", object_id=str(conversation.pk)).exists()
    page = client.get(response.url)
    assert "Czy saldo jest aktualne?" in page.content.decode()
    client_id = page.context["form"]["client_id"].value()
    for _ in range(2):  # a double click posts the same form twice
        client.post(response.url, {"body": "Dopiszę jeszcze numer lokalu.", "client_id": client_id})
    assert conversation.messages.filter(body="Dopiszę jeszcze numer lokalu.").count() == 1


def test_a_tenant_cannot_name_a_unit_of_someone_else(client, owner, clerk_present, during_office_hours):
    other = factories.UnitFactory()
    client.force_login(owner)
    response = client.post(reverse("chat:index"), {"unit": other.pk, "body": "Pytanie", "client_id": "x"})
    assert response.status_code == 400
    assert not Conversation.objects.exists()


def test_an_empty_message_is_refused_with_a_polish_message(client, owner, conversation):
    client.force_login(owner)
    response = client.post(reverse("chat:detail", args=[conversation.pk]), {"body": "   ", "client_id": "e"})
    assert response.status_code == 400
    assert "Wpisz treść wiadomości." in response.content.decode()
    assert conversation.messages.count() == 1


@pytest.mark.parametrize("name", ["chat:detail", "chat:to_ticket", "chat:close", "chat:transcript"])
def test_a_stranger_gets_404_for_someone_elses_conversation(client, stranger, conversation, name):
    client.force_login(stranger)
    response = client.post(reverse(name, args=[conversation.pk]), {"body": "Podglądam", "client_id": "s"})
    assert response.status_code == 404
    assert client.get(reverse("chat:detail", args=[conversation.pk])).status_code == 404
    assert conversation.messages.count() == 1 and conversation.status == Conversation.Status.WAITING


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, conversation):
    response = client.get(reverse("chat:detail", args=[conversation.pk]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_outside_office_hours_the_message_becomes_a_ticket_with_the_usual_emails(
    client, owner, clerk_present, in_the_evening
):
    client.force_login(owner)
    page = client.get(reverse("chat:index")).content.decode()
    assert "Biuro jest teraz nieczynne. Czat działa w dni robocze w godzinach 08:00–16:00." in page
    assert "Zostaw wiadomość jako zgłoszenie" in page
    response = client.post(
        reverse("chat:index"), {"body": "Kiedy przyjdzie rozliczenie?", "client_id": "ev"}, follow=True
    )
    conversation = Conversation.objects.get()
    ticket = conversation.ticket
    assert conversation.status == Conversation.Status.TICKET
    assert (
        ticket.reporter == owner and ticket.kind == "message" and "Kiedy przyjdzie rozliczenie?" in ticket.description
    )
    assert f"przyjęta jako zgłoszenie {ticket.number}" in response.content.decode()
    assert EmailMessage.objects.filter(dedup_key=f"ticket:{ticket.pk}:received", to=[owner.email]).exists()


def test_on_a_public_holiday_the_office_is_closed():
    with time_machine.travel(HOLIDAY_MORNING):
        assert not services.office_open()
    with time_machine.travel(OFFICE_TIME):
        assert services.office_open()


def test_after_the_configured_wait_the_tenant_is_offered_to_leave_a_ticket(client, owner, clerk_present, settings):
    settings.CHAT_WAIT_MINUTES = 5
    with time_machine.travel(OFFICE_TIME, tick=False):
        conversation = services.conversation_start(tenant=owner, body="Halo?")
        client.force_login(owner)
        assert (
            "Zostaw wiadomość jako zgłoszenie"
            not in client.get(reverse("chat:detail", args=[conversation.pk])).content.decode()
        )
    with time_machine.travel(OFFICE_TIME + dt.timedelta(minutes=6), tick=False):
        services.presence_seen(user=clerk_present)
        client.force_login(owner)
        page = client.get(reverse("chat:detail", args=[conversation.pk])).content.decode()
        assert "Nikt nie może teraz odpowiedzieć" in page
        client.post(reverse("chat:to_ticket", args=[conversation.pk]))
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.TICKET and conversation.ticket is not None


def test_the_transcript_is_emailed_to_the_tenant(client, owner, conversation):
    client.force_login(owner)
    client.post(reverse("chat:transcript", args=[conversation.pk]))
    message = EmailMessage.objects.get(user=owner)
    assert "Dzień dobry, pytanie o saldo." in message.body_text
    assert AuditEntry.objects.filter(action="chat.transcript_email").exists()


def test_the_tenant_ends_the_conversation_and_cannot_write_any_more(client, owner, conversation):
    client.force_login(owner)
    client.post(reverse("chat:close", args=[conversation.pk]))
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.CLOSED
    response = client.post(
        reverse("chat:detail", args=[conversation.pk]), {"body": "Jeszcze jedno", "client_id": "late"}
    )
    assert "Rozmowa jest zakończona. Rozpocznij nową." in response.content.decode()
    assert not Message.objects.filter(body="Jeszcze jedno").exists()


def test_past_conversations_of_six_months_are_listed(client, owner):
    with time_machine.travel(OFFICE_TIME - dt.timedelta(days=170)):
        recent = services.conversation_start(tenant=owner, body="Stara sprawa")
    with time_machine.travel(OFFICE_TIME - dt.timedelta(days=400)):
        old = services.conversation_start(tenant=owner, body="Bardzo stara sprawa")
    with time_machine.travel(OFFICE_TIME):
        client.force_login(owner)
        listed = list(client.get(reverse("chat:index")).context["conversations"])
    assert recent in listed and old not in listed


def test_messages_are_shown_escaped_with_links(client, owner):
    conversation = services.conversation_start(tenant=owner, body="<b>pilne</b> https://example.pl")
    client.force_login(owner)
    page = client.get(reverse("chat:detail", args=[conversation.pk])).content.decode()
    assert "&lt;b&gt;pilne&lt;/b&gt;" in page and "<b>pilne" not in page
    assert '<a href="https://example.pl" rel="nofollow">https://example.pl</a>' in page
