"""Issue 16, the chat's speed (bench/chat.py): a message on a socket is one read and one insert,
and what the fewer statements must keep — the per-minute limit across processes, stored once,
the tenant's last sign of life, the e-mail to a tenant who left."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from chat import consumers, selectors, services
from chat.models import Conversation, Message
from portal.models import EmailMessage
from tests.chat.conftest import frames, make_clerk, run, socket, verified_client

# Autocommit as on a server: the test's own transaction would turn every write into a savepoint.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def taken(owner, unit, clerk) -> Conversation:
    conversation = services.conversation_start(tenant=owner, body="Dzień dobry", unit=unit, client_id="first")
    services.conversation_take(conversation=conversation, by=clerk)
    return Conversation.objects.get(pk=conversation.pk)


def test_a_tenants_message_costs_one_read_and_one_insert(taken, owner, django_assert_num_queries):
    with django_assert_num_queries(2):
        services.message_post(conversation=taken, author=owner, body="Pytanie", client_id="t1")


def test_a_clerks_answer_to_a_tenant_on_the_page_costs_one_read_and_one_insert(taken, clerk, django_assert_num_queries):
    clerk.has_perm(services.PERMISSION)  # a socket's user has its permissions cached after the first frame
    with django_assert_num_queries(2):
        services.message_post(conversation=taken, author=clerk, body="Odpowiedź", client_id="c1")


def test_the_same_message_again_is_found_by_the_one_read_and_not_stored_twice(taken, owner):
    first = services.message_post(conversation=taken, author=owner, body="Pytanie", client_id="t1")
    again = services.message_post(conversation=taken, author=owner, body="Pytanie", client_id="t1")
    assert again.pk == first.pk and taken.messages.filter(client_id="t1").count() == 1


def test_the_per_minute_limit_counts_the_tenants_stored_messages_whichever_process_stored_them(taken, owner, settings):
    settings.CHAT_MESSAGES_PER_MINUTE = 4
    # Stored by other servers, in this and in an older conversation of the same tenant.
    older = Conversation.objects.create(tenant=owner, status=Conversation.Status.CLOSED)
    Message.objects.create(conversation=older, author_kind="tenant", author=owner, body="a")
    Message.objects.create(conversation=taken, author_kind="tenant", author=owner, body="b")
    Message.objects.create(
        conversation=taken,
        author_kind="tenant",
        author=owner,
        body="two minutes ago: out of the window",
        created_at=timezone.now() - dt.timedelta(minutes=2),
    )
    services.message_post(conversation=taken, author=owner, body="c", client_id="c")  # 4th within the minute
    with pytest.raises(ValidationError, match="Za dużo wiadomości"):
        services.message_post(conversation=taken, author=owner, body="d", client_id="d")
    assert not taken.messages.filter(client_id="d").exists()


def test_a_tenants_message_renews_a_stale_sign_of_life_but_not_a_fresh_one(taken, owner):
    stale = timezone.now() - dt.timedelta(seconds=30)
    Conversation.objects.filter(pk=taken.pk).update(tenant_seen_at=stale)
    services.message_post(conversation=taken, author=owner, body="Jestem", client_id="s1")
    renewed = Conversation.objects.get(pk=taken.pk).tenant_seen_at
    assert renewed > stale
    services.message_post(conversation=taken, author=owner, body="Nadal jestem", client_id="s2")
    assert Conversation.objects.get(pk=taken.pk).tenant_seen_at == renewed


def test_an_answer_to_a_tenant_who_left_still_goes_by_email(taken, clerk, owner):
    Conversation.objects.filter(pk=taken.pk).update(tenant_seen_at=None)
    message = services.message_post(conversation=taken, author=clerk, body="Odpowiedź", client_id="c1")
    assert EmailMessage.objects.filter(dedup_key=f"chat:message:{message.pk}:away", to=[owner.email]).exists()


def test_a_message_to_a_conversation_closed_meanwhile_is_refused(taken, owner):
    stale_copy = Conversation.objects.get(pk=taken.pk)
    services.conversation_close(conversation=taken, by=owner)
    with pytest.raises(ValidationError, match="Rozmowa jest zakończona"):
        services.message_post(conversation=stale_copy, author=owner, body="Jeszcze coś", client_id="late")


def test_a_clerks_answers_on_the_console_do_not_read_a_subscribed_conversation_again(taken, clerk, monkeypatch):
    reads = []
    scoped_read = selectors.conversation_for_staff

    def counted(user, conversation_id):
        reads.append(conversation_id)
        return scoped_read(user, conversation_id)

    monkeypatch.setattr(consumers.selectors, "conversation_for_staff", counted)

    async def scenario():
        staff = socket(verified_client(clerk), "/ws/czat/obsluga/")
        assert (await staff.connect())[0]
        await staff.send_to(text_data=json.dumps({"type": "subscribe", "conversation": taken.pk, "after": 10**9}))
        for n in range(3):
            frame = {"type": "message", "conversation": taken.pk, "body": f"Odpowiedź {n}", "client_id": f"c{n}"}
            await staff.send_to(text_data=json.dumps(frame))
        assert [f["html"] for f in await frames(staff, 3)] == ["Odpowiedź 0", "Odpowiedź 1", "Odpowiedź 2"]
        await staff.disconnect()

    run(scenario)
    assert reads == [taken.pk]  # the subscription only


def test_a_clerk_who_is_not_the_conversations_clerk_still_cannot_answer_it_on_the_console(taken):
    colleague = make_clerk(first_name="Bogdan")

    async def scenario():
        staff = socket(verified_client(colleague), "/ws/czat/obsluga/")
        assert (await staff.connect())[0]
        await staff.send_to(text_data=json.dumps({"type": "subscribe", "conversation": taken.pk, "after": 10**9}))
        frame = {"type": "message", "conversation": taken.pk, "body": "Wtrącam się", "client_id": "x1"}
        await staff.send_to(text_data=json.dumps(frame))
        (refusal,) = await frames(staff, 1)
        assert refusal == {"type": "error", "message": "Najpierw przejmij tę rozmowę."}
        await staff.disconnect()

    run(scenario)
    assert not taken.messages.filter(client_id="x1").exists()
