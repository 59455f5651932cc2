"""Fixtures of the chat's tests: office hours, a clerk present, sockets opened as a browser would."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from concurrent.futures import ThreadPoolExecutor
from zoneinfo import ZoneInfo

import pytest
import time_machine
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import Permission
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.models import User
from chat import services
from chat.models import Conversation, StaffPresence
from portal.asgi import application
from tests import factories

WARSAW = ZoneInfo("Europe/Warsaw")
# A working Wednesday at 10:00 and the evening of the same day; 24 December 2026 (a Thursday) is a
# public holiday from 2025 on.
OFFICE_TIME = dt.datetime(2026, 12, 2, 10, 0, tzinfo=WARSAW)
EVENING = dt.datetime(2026, 12, 2, 19, 0, tzinfo=WARSAW)
HOLIDAY_MORNING = dt.datetime(2026, 12, 24, 10, 0, tzinfo=WARSAW)


@pytest.fixture
def during_office_hours():
    with time_machine.travel(OFFICE_TIME, tick=True):
        yield


@pytest.fixture
def in_the_evening():
    with time_machine.travel(EVENING, tick=True):
        yield


def make_clerk(**kwargs) -> User:
    """Staff with the chat permission only (not a superuser), with a TOTP device."""
    clerk = factories.StaffFactory(is_superuser=False, **kwargs)
    clerk.user_permissions.add(Permission.objects.get(codename="handle_chat", content_type__app_label="chat"))
    return User.objects.get(pk=clerk.pk)


@pytest.fixture
def clerk(db) -> User:
    return make_clerk(first_name="Anna")


@pytest.fixture
def clerk_present(clerk) -> User:
    services.presence_set(user=clerk, status=StaffPresence.Status.AVAILABLE)
    return clerk


def verified_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = user.totpdevice_set.get().persistent_id
    session.save()
    return client


@pytest.fixture
def clerk_client(clerk) -> Client:
    return verified_client(clerk)


@pytest.fixture
def conversation(owner, unit) -> Conversation:
    return services.conversation_start(tenant=owner, body="Dzień dobry, pytanie o saldo.", unit=unit, client_id="first")


def cookie_of(client: Client | None) -> list[tuple[bytes, bytes]]:
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    if client is not None:
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    return headers


def socket(client: Client | None, path: str) -> WebsocketCommunicator:
    """A socket of the portal's ASGI application with the client's session cookie."""
    return WebsocketCommunicator(application, path, headers=cookie_of(client))


async def frames(communicator: WebsocketCommunicator, n: int, timeout: float = 3) -> list[dict]:
    return [json.loads(await communicator.receive_from(timeout=timeout)) for _ in range(n)]


async def nothing_more(communicator: WebsocketCommunicator) -> bool:
    return await communicator.receive_nothing(timeout=0.3)


def run(scenario) -> None:
    """The scenario on an event loop of its own thread: Playwright's sync API (the suite's
    browser, session-wide) keeps a loop running in the main thread."""
    with ThreadPoolExecutor(1) as executor:
        executor.submit(asyncio.run, scenario()).result()
