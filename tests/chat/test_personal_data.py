"""Issue 16: the chat in the tenant's personal-data download (RODO art. 15 and 20) and what
happens to a conversation when its tenant closes the account."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from chat import services
from chat.models import Conversation, Message
from portal.models import AuditEntry
from tests.accounts.conftest import log_in
from tests.chat.conftest import make_clerk
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def talked(owner, stranger, unit):
    """The owner's conversation answered by clerk Anna Kowalska; the stranger's with another clerk."""
    anna = make_clerk(first_name="Anna", last_name="Kowalska-Urzędniczka", email="anna.k@biuro.test")
    mine = services.conversation_start(tenant=owner, body="Pytanie-ALFA o saldo", unit=unit, client_id="a1")
    services.conversation_take(conversation=mine, by=anna)
    services.message_post(conversation=mine, author=anna, body="Odpowiedz-ALFA", client_id="a2")
    other_clerk = make_clerk(first_name="Bogdan")
    theirs = services.conversation_start(tenant=stranger, body="Pytanie-OMEGA", client_id="o1")
    services.conversation_take(conversation=theirs, by=other_clerk)
    services.message_post(conversation=theirs, author=other_clerk, body="Odpowiedz-OMEGA", client_id="o2")
    return mine, anna


def download(client, user, file_format: str):
    client.force_login(user)
    response = client.get(f"/konto/dane-osobowe.{file_format}")
    assert response.status_code == 200
    return response


def test_the_download_holds_the_tenants_conversations_and_messages_with_time_and_author(client, owner, talked):
    mine, _anna = talked
    data = json.loads(download(client, owner, "json").content)
    assert [(c["id"], c["status"], c["unit"]) for c in data["chat_conversations"]] == [
        (mine.pk, "w toku", str(mine.unit))
    ]
    messages = [(m["conversation"], m["author"], m["body"]) for m in data["chat_messages"]]
    assert messages == [
        (mine.pk, owner.get_full_name(), "Pytanie-ALFA o saldo"),
        (mine.pk, "komunikat", "Anna z biura obsługi dołączył(a) do rozmowy."),
        (mine.pk, "Anna", "Odpowiedz-ALFA"),
    ]
    assert all(m["created_at"] for m in data["chat_messages"])


def test_the_clerk_appears_by_first_name_only_and_nothing_of_another_tenant_is_there(client, owner, talked):
    _mine, anna = talked
    text = download(client, owner, "json").content.decode()
    assert "Kowalska-Urzędniczka" not in text and anna.username not in text and anna.email not in text
    assert "OMEGA" not in text and "Bogdan" not in text


def test_the_pdf_has_the_chat_section_with_the_messages(client, owner, talked):
    reader = PdfReader(io.BytesIO(download(client, owner, "pdf").content))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Wiadomości na czacie" in text and "Pytanie-ALFA" in text and "Odpowiedz-ALFA" in text
    assert "OMEGA" not in text and "Kowalska" not in text


def test_closing_the_account_ends_its_open_conversation_and_takes_it_out_of_the_queue(client, owner):
    waiting = services.conversation_start(tenant=owner, body="Czekam na odpowiedź", client_id="w1")
    log_in(client, owner.username)
    response = client.post(reverse("account_close"), {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == Conversation.Status.CLOSED and waiting.closed_at is not None
    assert not Conversation.objects.filter(status__in=Conversation.OPEN_STATUSES).exists()
    last = waiting.messages.order_by("id").last()
    assert last.author_kind == Message.Author.SYSTEM and "zamknął konto" in last.body
    assert AuditEntry.objects.filter(action="chat.close", object_id=str(waiting.pk)).exists()


def test_a_closed_accounts_transcripts_stay_until_the_retention_period_and_then_go(client, owner, settings):
    settings.CHAT_RETENTION_DAYS = 30
    conversation = services.conversation_start(tenant=owner, body="Sprawa do załatwienia", client_id="r1")
    log_in(client, owner.username)
    client.post(reverse("account_close"), {"password": PASSWORD, "confirm": "on"})
    # Kept like the account's tickets: the transcript stays with the anonymised account.
    assert services.retention_conversations() == 0
    conversation.refresh_from_db()
    assert conversation.messages.filter(body="Sprawa do załatwienia").exists()
    later = timezone.now() + dt.timedelta(days=31)
    assert services.retention_conversations(now=later) == 1
    assert not Message.objects.filter(conversation_id=conversation.pk).exists()
