"""Done-when of issue 7, in Chromium against the live server, with the real SMTP server."""

import re

import pytest
from django.utils import timezone
from django_otp.oath import totp
from playwright.sync_api import expect

from tests.factories import PASSWORD, StaffFactory, TenantFactory, UnitFactory
from tests.realparts import body_text
from tests.tickets.helpers import image_bytes
from tickets.models import Ticket

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
NUMBER = re.compile(r"ZGL/\d{4}/\d{6}")


def _totp_now(device) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_complaint_answered_by_staff_reaches_the_tenant_and_a_failure_without_account_gets_a_number(
    page, browser, live_server, smtp, settings, tmp_path
):
    settings.PORTAL_BASE_URL = live_server.url
    unit = UnitFactory()
    tenant = TenantFactory(units=[unit])
    staff = StaffFactory()
    photo = tmp_path / "licznik.jpg"
    photo.write_bytes(image_bytes("JPEG", (320, 240)))

    # The tenant files a complaint with a photo.
    page.goto(page.base_url + "/logowanie/")
    page.get_by_label("Login (identyfikator)").fill(tenant.username)
    page.get_by_label("Hasło").fill(PASSWORD)
    page.get_by_role("button", name="Zaloguj się").click()
    page.get_by_role("link", name="Zgłoszenia").first.click()
    page.get_by_role("link", name="Nowe zgłoszenie").click()
    page.get_by_label("reklamacja").check()
    page.get_by_label("Lokal, którego dotyczy zgłoszenie").select_option(str(unit.pk))
    page.get_by_label("Temat").fill("Zawyżone naliczenie za wodę")
    page.get_by_label("Opis").fill("Naliczono 40 m³ zamiast 4 m³.")
    page.get_by_label("Data zdarzenia").fill(timezone.localdate().isoformat())
    page.get_by_label("Załączniki (zdjęcia lub dokumenty)").set_input_files(str(photo))
    page.get_by_role("button", name="Wyślij zgłoszenie").click()
    number = page.locator(".ticket-number").inner_text()
    assert NUMBER.fullmatch(number)
    ticket = Ticket.objects.get(number=number)
    assert ticket.kind == "complaint" and ticket.attachments.get().content_type == "image/jpeg"
    smtp.wait_for(1)  # the confirmation with the number and code

    # Staff log in with TOTP, set it in progress and answer.
    staff_context = browser.new_context(locale="pl-PL")
    staff_page = staff_context.new_page()
    staff_page.goto(page.base_url + "/admin/login/?next=/admin/tickets/ticket/")
    device = staff.totpdevice_set.get()
    staff_page.locator("#id_username").fill(staff.username)
    staff_page.locator("#id_password").fill(PASSWORD)
    staff_page.locator("#id_kod").fill(_totp_now(device))
    staff_page.locator("input[type=submit]").click()
    staff_page.get_by_role("link", name=number).click()
    expect(staff_page.get_by_role("link", name="licznik.jpg")).to_be_visible()
    staff_page.get_by_label("Zmień status na").select_option("in_progress")
    staff_page.get_by_label("Odpowiedź dla zgłaszającego").fill("Sprawdzimy odczyt wodomierza w piątek.")
    staff_page.locator("input[name=_save]").click()
    assert "/admin/tickets/ticket/" in staff_page.url
    staff_context.close()

    # The tenant finds the e-mail in the real SMTP server and opens the status page from its link.
    messages = smtp.wait_for(2)
    update = next(m for m in messages if number in m["Subject"] and "w realizacji" in m["Subject"])
    assert update["To"] == tenant.email
    text = body_text(update)
    assert "Sprawdzimy odczyt wodomierza w piątek." in text
    link = next(line.strip() for line in text.splitlines() if "/status/" in line)
    assert link.startswith(live_server.url)
    reader = browser.new_context(locale="pl-PL").new_page()  # no login needed
    reader.goto(link)
    assert reader.locator("#status-zgloszenia").inner_text() == "w realizacji"
    expect(reader.get_by_text("Sprawdzimy odczyt wodomierza w piątek.")).to_be_visible()

    # A failure report without an account gets a number.
    reader.goto(page.base_url + "/awaria/")
    reader.get_by_label("Imię i nazwisko").fill("Anna Nowak")
    reader.get_by_label("Telefon").fill("+48 600 100 200")
    reader.get_by_label("Adres i miejsce awarii").fill("ul. Żeromskiego 12, piwnica")
    reader.get_by_label("Temat").fill("Wyciek wody")
    reader.get_by_label("Opis").fill("Z rury w piwnicy leje się woda.")
    reader.get_by_role("button", name="Wyślij zgłoszenie awarii").click()
    failure_number = reader.locator(".ticket-number").inner_text()
    assert NUMBER.fullmatch(failure_number) and failure_number != number
    assert Ticket.objects.get(number=failure_number).reporter is None


def test_failure_form_fits_a_360_px_phone(phone_page):
    phone_page.goto(phone_page.base_url + "/awaria/")
    assert phone_page.get_by_role("heading", name="Zgłoś awarię").is_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
