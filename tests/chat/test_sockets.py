"""The chat's sockets through the portal's ASGI application on the real Redis channel layer:
live delivery both ways, resuming after a lost connection, and every kind of bad input
(issue 16, "Bad input") refused with a Polish message or a closed socket, nothing stored."""

from __future__ import annotations

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.test import Client

from chat import services
from chat.models import Message
from tests import factories
from tests.chat.conftest import frames, make_clerk, nothing_more, run, socket, verified_client

pytestmark = pytest.mark.django_db(transaction=True)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_suite_delivers_through_redis():
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "channels_redis.pubsub.RedisPubSubChannelLayer"


def test_the_tenant_and_the_clerk_see_each_others_messages_without_reloading(owner, conversation, clerk):
    services.conversation_take(conversation=conversation, by=clerk)
    first_id = conversation.messages.order_by("id").last().pk

    async def scenario():
        tenant = socket(logged_in(owner), f"/ws/czat/{conversation.pk}/?after={first_id}")
        staff = socket(verified_client(clerk), "/ws/czat/obsluga/")
        assert (await tenant.connect())[0] and (await staff.connect())[0]
        await staff.send_to(
            text_data=json.dumps({"type": "subscribe", "conversation": conversation.pk, "after": first_id})
        )
        await nothing_more(staff)
        await staff.send_to(
            text_data=json.dumps(
                {"type": "message", "conversation": conversation.pk, "body": "Saldo jest zerowe.", "client_id": "a1"}
            )
        )
        (answer,) = await frames(tenant, 1)
        assert answer["author"] == "staff" and answer["html"] == "Saldo jest zerowe."
        assert answer["author_name"] == "Anna"
        await tenant.send_to(text_data=json.dumps({"type": "message", "body": "Dziękuję!", "client_id": "t2"}))
        seen_by_clerk = [f for f in await frames(staff, 2) if f["author"] == "tenant"]
        assert seen_by_clerk[0]["html"] == "Dziękuję!"
        await tenant.disconnect()
        await staff.disconnect()

    run(scenario)
    assert list(conversation.messages.values_list("author_kind", flat=True)) == ["tenant", "system", "staff", "tenant"]


def test_a_reconnecting_tenant_receives_every_message_it_missed(owner, conversation, clerk):
    first_id = conversation.messages.get().pk
    services.conversation_take(conversation=conversation, by=clerk)
    services.message_post(conversation=conversation, author=clerk, body="Już sprawdzam.", client_id="c1")
    services.message_post(conversation=conversation, author=clerk, body="Saldo jest zerowe.", client_id="c2")

    async def scenario():
        tenant = socket(logged_in(owner), f"/ws/czat/{conversation.pk}/?after={first_id}")
        assert (await tenant.connect())[0]
        missed = await frames(tenant, 3)
        assert [m["author"] for m in missed] == ["system", "staff", "staff"]
        assert [m["html"] for m in missed[1:]] == ["Już sprawdzam.", "Saldo jest zerowe."]
        assert await nothing_more(tenant)
        await tenant.disconnect()

    run(scenario)


def test_the_same_message_sent_twice_is_stored_and_delivered_once(owner, conversation):
    async def scenario():
        tenant = socket(logged_in(owner), f"/ws/czat/{conversation.pk}/?after=999999")
        assert (await tenant.connect())[0]
        frame = json.dumps({"type": "message", "body": "Halo?", "client_id": "double-click"})
        await tenant.send_to(text_data=frame)
        await tenant.send_to(text_data=frame)
        (delivered,) = await frames(tenant, 1)
        assert delivered["html"] == "Halo?"
        assert await nothing_more(tenant)
        await tenant.disconnect()

    run(scenario)
    assert conversation.messages.filter(body="Halo?").count() == 1


def test_a_socket_without_a_session_is_closed(conversation):
    async def scenario():
        anonymous = socket(None, f"/ws/czat/{conversation.pk}/")
        connected, code = await anonymous.connect()
        assert not connected and code == 4401

    run(scenario)


@pytest.mark.parametrize("conversation_id", ["other", "999999", "abc", "-1"])
def test_another_users_conversation_id_closes_the_socket_without_data(stranger, conversation, conversation_id):
    path_id = conversation.pk if conversation_id == "other" else conversation_id

    async def scenario():
        intruder = socket(logged_in(stranger), f"/ws/czat/{path_id}/?after=0")
        connected, code = await intruder.connect()
        assert not connected and code == 4404
        assert await intruder.receive_nothing(timeout=0.2)

    run(scenario)


def test_a_socket_opened_from_another_site_is_refused(owner, conversation):
    client = logged_in(owner)

    async def scenario():
        from channels.testing import WebsocketCommunicator

        from portal.asgi import application

        evil = WebsocketCommunicator(
            application,
            f"/ws/czat/{conversation.pk}/",
            headers=[
                (b"origin", b"https://evil.example"),
                (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()),
            ],
        )
        connected, _code = await evil.connect()
        assert not connected

    run(scenario)


def test_a_frame_claiming_to_be_staff_is_refused_and_nothing_is_stored(owner, conversation):
    async def scenario():
        tenant = socket(logged_in(owner), f"/ws/czat/{conversation.pk}/?after=999999")
        assert (await tenant.connect())[0]
        await tenant.send_to(text_data=json.dumps({"type": "message", "body": "Zwrot przyznany", "author": "staff"}))
        error = json.loads(await tenant.receive_from())
        assert error == {"type": "error", "message": "Nieprawidłowa ramka. Połączenie zostało zamknięte."}
        assert (await tenant.receive_output())["code"] == 4400

    run(scenario)
    assert not Message.objects.filter(body="Zwrot przyznany").exists()


def test_a_tenant_cannot_open_the_clerks_socket_nor_a_clerk_without_the_second_factor(owner, clerk):
    no_second_factor = logged_in(clerk)
    no_permission = verified_client(factories.StaffFactory(is_superuser=False))

    async def scenario():
        for client in (logged_in(owner), no_second_factor, no_permission):
            console = socket(client, "/ws/czat/obsluga/")
            connected, code = await console.connect()
            assert not connected and code == 4403

    run(scenario)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("   ", "Wpisz treść wiadomości."),
        ("x" * 2001, "Wiadomość jest za długa: najwyżej 2000 znaków (ma 2001)."),
        (["lista"], "Wiadomość musi być tekstem."),
    ],
)
def test_an_empty_oversized_or_non_text_message_is_refused_in_polish(owner, conversation, body, message):
    async def scenario():
        tenant = socket(logged_in(owner), f"/ws/czat/{conversation.pk}/?after=999999")
        assert (await tenant.connect())[0]
        await tenant.send_to(text_data=json.dumps({"type": "message", "body": body, "client_id": "x"}))
        assert json.loads(await tenant.receive_from()) == {"type": "error", "message": message}
        await tenant.disconnect()

    run(scenario)
    assert conversation.messages.count() == 1


def test_a_frame_far_larger_than_any_message_closes_the_socket(owner, conversation):
    async def scenario():
        tenant = socket(logged_in(owner), f"/ws/czat/{conversation.pk}/?after=999999")
        assert (await tenant.connect())[0]
        await tenant.send_to(text_data=json.dumps({"type": "message", "body": "x" * 100_000}))
        assert json.loads(await tenant.receive_from())["message"] == "Wiadomość jest za długa."
        assert (await tenant.receive_output())["code"] == 4400

    run(scenario)
    assert conversation.messages.count() == 1


def test_messages_over_the_per_minute_limit_are_refused_in_polish(settings, owner, conversation):
    settings.CHAT_MESSAGES_PER_MINUTE = 3  # the conversation's first message counts too

    async def scenario():
        tenant = socket(logged_in(owner), f"/ws/czat/{conversation.pk}/?after=999999")
        assert (await tenant.connect())[0]
        for n in range(3):
            await tenant.send_to(text_data=json.dumps({"type": "message", "body": f"nr {n}", "client_id": f"n{n}"}))
        # The refusal is sent straight back, the stored messages through Redis: in either order.
        received = await frames(tenant, 3)
        assert sorted(f["html"] for f in received if f["type"] == "message") == ["nr 0", "nr 1"]
        assert [f for f in received if f["type"] == "error"] == [
            {"type": "error", "message": "Za dużo wiadomości w krótkim czasie. Poczekaj chwilę i wyślij ponownie."}
        ]
        await tenant.disconnect()

    run(scenario)
    assert conversation.messages.count() == 3


def test_a_flood_of_frames_closes_the_socket(owner, conversation):
    async def scenario():
        tenant = socket(logged_in(owner), f"/ws/czat/{conversation.pk}/?after=999999")
        assert (await tenant.connect())[0]
        for _ in range(40):
            await tenant.send_to(text_data=json.dumps({"type": "ping"}))
        while True:
            output = await tenant.receive_output(timeout=3)
            if output["type"] == "websocket.close":
                break
        assert output["code"] == 4429

    run(scenario)


def test_html_and_scripts_arrive_escaped_and_links_are_made_safely(owner, conversation):
    async def scenario():
        tenant = socket(logged_in(owner), f"/ws/czat/{conversation.pk}/?after=999999")
        assert (await tenant.connect())[0]
        body = "<script>alert(1)</script> <img src=x onerror=alert(2)> zob. https://example.pl/faq?a=1&b=2 javascript:alert(3)"
        await tenant.send_to(text_data=json.dumps({"type": "message", "body": body, "client_id": "h"}))
        (message,) = await frames(tenant, 1)
        html = message["html"]
        assert "<script" not in html and "<img" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert (
            '<a href="https://example.pl/faq?a=1&amp;b=2" rel="nofollow">https://example.pl/faq?a=1&amp;b=2</a>' in html
        )
        assert 'href="javascript' not in html
        await tenant.disconnect()

    run(scenario)
    assert conversation.messages.last().body.startswith("<script>")  # stored as written, escaped when shown


def test_a_clerk_cannot_write_in_a_conversation_nobody_took(conversation):
    clerk = make_clerk()

    async def scenario():
        staff = socket(verified_client(clerk), "/ws/czat/obsluga/")
        assert (await staff.connect())[0]
        await staff.send_to(
            text_data=json.dumps({"type": "message", "conversation": conversation.pk, "body": "Hej", "client_id": "s"})
        )
        assert json.loads(await staff.receive_from()) == {"type": "error", "message": "Najpierw przejmij tę rozmowę."}
        await staff.disconnect()

    run(scenario)
    assert conversation.messages.count() == 1


def test_a_new_conversation_reaches_every_clerks_console(owner, clerk):
    async def scenario():
        staff = socket(verified_client(clerk), "/ws/czat/obsluga/")
        assert (await staff.connect())[0]
        conversation = await database_sync_to_async(services.conversation_start)(tenant=owner, body="Czy ktoś jest?")
        (event,) = await frames(staff, 1)
        assert event["type"] == "queue" and event["conversation"] == conversation.pk and event["status"] == "waiting"
        await staff.disconnect()

    run(scenario)


def test_a_blocked_account_gets_no_socket_even_with_its_old_session(owner, conversation):
    from django.utils import timezone

    client = logged_in(owner)
    type(owner).objects.filter(pk=owner.pk).update(blocked_at=timezone.now())

    async def scenario():
        tenant = socket(client, f"/ws/czat/{conversation.pk}/")
        connected, code = await tenant.connect()
        assert not connected and code == 4403

    run(scenario)


def test_a_socket_idle_longer_than_the_layers_wait_still_receives(owner, conversation, clerk):
    """redis-py 8 gives up reading after 5 s by default: without a longer read timeout
    (settings.CHANNEL_LAYERS) an idle socket was dropped (seen with channels-redis's list layer;
    kept for the pub/sub layer's idle subscriber connection)."""
    services.conversation_take(conversation=conversation, by=clerk)

    async def scenario():
        tenant = socket(logged_in(owner), f"/ws/czat/{conversation.pk}/?after=999999")
        assert (await tenant.connect())[0]
        await asyncio.sleep(7)
        await database_sync_to_async(services.message_post)(
            conversation=conversation, author=clerk, body="Po przerwie", client_id="late"
        )
        (message,) = await frames(tenant, 1)
        assert message["html"] == "Po przerwie"
        await tenant.disconnect()

    run(scenario)
