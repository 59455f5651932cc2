"""Issue 16, "Done when": two Chromium browsers (a tenant and a clerk) against a live ASGI server
(daphne, its own process) on Redis. The tenant writes, the clerk takes the conversation and
answers, each sees the other's message without reloading; the tenant's connection is dropped and
restored and nothing is lost; a stranger cannot read the conversation; outside office hours the
conversation becomes a ticket. The pages keep their Content-Security-Policy (the socket is
'self')."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django_otp.oath import totp
from playwright.sync_api import expect

from chat.models import Conversation
from tests import factories
from tests.chat.conftest import EVENING, OFFICE_TIME, make_clerk
from tests.production import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


class LiveAsgiServer:
    """daphne serving tests/chat/live_asgi.py on the test database and the suite's Redis."""

    def __init__(self, now: dt.datetime) -> None:
        self.now, self.started = now, time.monotonic()
        db = connection.settings_dict
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "CONN_MAX_AGE": "0",
            "EBOK_CHAT_TEST_NOW": now.isoformat(),
        }
        if db.get("PASSWORD"):
            env["DATABASE_URL"] = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-e", f"tcp:port={self.port}:interface=127.0.0.1",
             "tests.chat.live_asgi:application"],
            cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/zdrowie/", timeout=2)  # noqa: S310 - http to the test server
                return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise AssertionError(self.process.stdout.read().decode() if self.process.stdout else "") from None
                time.sleep(0.3)

    def clock(self) -> dt.datetime:
        """The server's time (its clock started at ``now`` and runs on)."""
        return self.now + dt.timedelta(seconds=time.monotonic() - self.started)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture
def office_server(transactional_db) -> Iterator[LiveAsgiServer]:
    server = LiveAsgiServer(OFFICE_TIME)
    yield server
    server.stop()


@pytest.fixture
def evening_server(transactional_db) -> Iterator[LiveAsgiServer]:
    server = LiveAsgiServer(EVENING)
    yield server
    server.stop()


def new_page(browser, base_url: str, width: int = 1280):
    context = browser.new_context(locale="pl-PL", viewport={"width": width, "height": 900}, is_mobile=width < 600)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.base_url = base_url
    return page


def tenant_login(page, user) -> None:
    page.goto(page.base_url + reverse("login"))
    page.get_by_label("Login (identyfikator)").fill(user.username)
    page.get_by_label("Hasło").fill(factories.PASSWORD)
    page.get_by_role("button", name="Zaloguj się").click()
    page.wait_for_url(page.base_url + "/")


def clerk_login(page, clerk, server: LiveAsgiServer) -> None:
    device = clerk.totpdevice_set.get()
    with time_machine.travel(server.clock()):  # the code of the server's moment
        code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    page.goto(page.base_url + "/admin/login/?next=/admin/")
    page.get_by_label("Nazwa użytkownika:").fill(clerk.username)
    page.get_by_label("Hasło:").fill(factories.PASSWORD)
    page.get_by_label("Kod:").fill(code)
    page.get_by_role("button", name="Zaloguj się").click()
    page.wait_for_url(page.base_url + "/admin/")


STRANGER_SOCKET = """(path) => new Promise((resolve) => {
  const received = [];
  const ws = new WebSocket(`ws://${location.host}${path}`);
  ws.onmessage = (e) => received.push(e.data);
  ws.onclose = (e) => resolve({code: e.code, received});
  setTimeout(() => resolve({code: "open", received}), 5000);
})"""


def test_a_tenant_and_a_clerk_chat_live_and_nothing_is_lost(browser, office_server, owner, unit, stranger):
    clerk = make_clerk(first_name="Anna")
    clerk_page = new_page(browser, office_server.url)
    tenant_page = new_page(browser, office_server.url, width=360)  # the tenant on a phone
    csp_errors: list[str] = []
    tenant_page.on("console", lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        # The clerk opens the console and says "dostępny".
        clerk_login(clerk_page, clerk, office_server)
        clerk_page.goto(clerk_page.base_url + "/admin/chat/conversation/konsola/")
        clerk_page.get_by_label("dostępny").check()
        clerk_page.get_by_role("button", name="Zapisz obecność").click()

        # The tenant sees someone is available and starts a conversation about their unit.
        tenant_login(tenant_page, owner)
        tenant_page.get_by_role("link", name="Czat").first.click()
        expect(tenant_page.locator("#chat-availability")).to_contain_text("Pracownik biura jest teraz dostępny.")
        tenant_page.get_by_label("Lokal, którego dotyczy pytanie").select_option(str(unit.pk))
        tenant_page.get_by_label("Twoja wiadomość").fill("Dzień dobry, czy moja wpłata doszła?")
        tenant_page.get_by_role("button", name="Rozpocznij rozmowę").click()
        conversation = Conversation.objects.get()
        tenant_page.wait_for_url(f"{office_server.url}/czat/{conversation.pk}/")

        # The clerk's queue shows it without a reload; the clerk takes it.
        take = clerk_page.get_by_role("button", name=f"Przejmij: Rozmowa nr {conversation.pk}")
        expect(take).to_be_visible()
        expect(clerk_page.locator("#chat-cue")).to_contain_text("Nowa rozmowa w kolejce.")
        take.click()
        panel = clerk_page.locator(f"#rozmowa-{conversation.pk}")
        expect(panel).to_contain_text("Dzień dobry, czy moja wpłata doszła?")

        # Each sees the other's message without reloading.
        expect(tenant_page.locator("#chat-messages")).to_contain_text("Anna z biura obsługi dołączył(a) do rozmowy.")
        panel.get_by_label("Twoja wiadomość").fill("Tak, wpłata z 1 grudnia jest zaksięgowana.")
        panel.get_by_role("button", name="Wyślij", exact=True).click()
        expect(tenant_page.locator("#chat-messages")).to_contain_text("Tak, wpłata z 1 grudnia jest zaksięgowana.")
        tenant_page.get_by_label("Twoja wiadomość").fill("Dziękuję!")
        tenant_page.keyboard.press("Enter")  # the keyboard alone sends
        expect(panel).to_contain_text("Dziękuję!")

        # The tenant's connection drops and stays down while the clerk writes twice; the tenant
        # writes too. Restored, every message arrives once on each side.
        blocked = {"on": False}
        routes = []

        def route(ws):
            if blocked["on"]:
                ws.close(code=4000)
                return
            ws.connect_to_server()
            routes.append(ws)

        tenant_page.route_web_socket(re.compile(r"/ws/czat/"), route)
        tenant_page.reload()
        expect(tenant_page.locator("#chat-messages")).to_contain_text("Dziękuję!")
        deadline = time.monotonic() + 10
        while not routes and time.monotonic() < deadline:
            tenant_page.wait_for_timeout(100)
        blocked["on"] = True
        for ws in routes:
            ws.close(code=4000)
        expect(tenant_page.locator("#chat-connection")).to_contain_text("Połączenie przerwane")
        for text in ("Pierwsza wiadomość w czasie przerwy.", "Druga wiadomość w czasie przerwy."):
            panel.get_by_label("Twoja wiadomość").fill(text)
            panel.get_by_role("button", name="Wyślij", exact=True).click()
            expect(panel).to_contain_text(text)
        tenant_page.get_by_label("Twoja wiadomość").fill("Piszę bez połączenia.")
        tenant_page.get_by_role("button", name="Wyślij", exact=True).click()
        blocked["on"] = False
        expect(tenant_page.locator("#chat-connection")).to_contain_text("Połączenie przywrócone.", timeout=20_000)
        messages = tenant_page.locator("#chat-messages")
        for text in (
            "Pierwsza wiadomość w czasie przerwy.",
            "Druga wiadomość w czasie przerwy.",
            "Piszę bez połączenia.",
        ):
            expect(messages.get_by_text(text, exact=True)).to_have_count(1)
        expect(panel.get_by_text("Piszę bez połączenia.", exact=True)).to_have_count(1)
        assert conversation.messages.filter(body="Piszę bez połączenia.").count() == 1

        # A stranger gets no page and a closed socket, never data.
        stranger_page = new_page(browser, office_server.url)
        tenant_login(stranger_page, stranger)
        response = stranger_page.goto(f"{office_server.url}/czat/{conversation.pk}/")
        assert response is not None and response.status == 404
        result = stranger_page.evaluate(STRANGER_SOCKET, f"/ws/czat/{conversation.pk}/?after=0")
        assert result["received"] == [] and result["code"] != "open"
        stranger_page.context.close()

        # The clerk ends the conversation; the tenant sees it live.
        panel.get_by_role("button", name="Zakończ", exact=True).click()
        expect(tenant_page.locator("#chat-status-label")).to_have_text("zakończona")
        assert csp_errors == []
    finally:
        clerk_page.context.close()
        tenant_page.context.close()


def test_outside_office_hours_the_conversation_becomes_a_ticket(browser, evening_server, owner, unit):
    page = new_page(browser, evening_server.url)
    try:
        tenant_login(page, owner)
        page.goto(page.base_url + "/czat/")
        expect(page.locator("#chat-availability")).to_contain_text("Biuro jest teraz nieczynne.")
        page.get_by_label("Twoja wiadomość").fill("Proszę o kontakt w sprawie rozliczenia wody.")
        page.get_by_role("button", name="Zostaw wiadomość jako zgłoszenie").click()
        conversation = Conversation.objects.get()
        expect(page.get_by_text(f"przyjęta jako zgłoszenie {conversation.ticket.number}")).to_be_visible()
        assert conversation.status == Conversation.Status.TICKET
        assert "Proszę o kontakt w sprawie rozliczenia wody." in conversation.ticket.description
    finally:
        page.context.close()
