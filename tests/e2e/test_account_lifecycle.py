"""Issue 3, done when: the whole account path in Chromium, e-mails read from the real SMTP server."""

import re

import pytest
from django_otp.oath import totp

from accounts.models import Application, User
from tests.factories import PASSWORD, BuildingFactory, StaffFactory, UnitFactory
from tests.realparts import body_text

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "MojeNowe2027Hasło"


def _link(message, pattern: str) -> str:
    return re.search(pattern, body_text(message)).group(0)


def test_apply_confirm_activate_first_login_lockout_unlock(page, browser, live_server, smtp, settings):
    settings.PORTAL_BASE_URL = live_server.url
    building = BuildingFactory(street="ul. Źródlana", building_no="7")
    unit = UnitFactory(building=building, unit_no="12", external_id="ZGM-0712")
    staff = StaffFactory()
    base = page.base_url

    # 1. The applicant fills in the public form.
    page.goto(base + "/")
    page.get_by_role("link", name="Złóż wniosek o dostęp").click()
    page.get_by_label("Imię").fill("Zofia")
    page.get_by_label("Nazwisko").fill("Łęcka")
    page.get_by_label("Adres e-mail").fill("zofia.lecka@example.test")
    page.get_by_label("Telefon").fill("600 123 456")
    page.get_by_label("PESEL (nieobowiązkowy)").fill("44051401458")
    page.get_by_label("Ulica").fill("Źródlana")
    page.get_by_label("Numer budynku").fill("7")
    page.get_by_label("Numer lokalu", exact=True).fill("12")
    page.get_by_label("Tytuł prawny do lokalu").select_option("ownership")
    page.get_by_label("Akceptuję regulamin e-BOK.").check()
    page.get_by_role("button", name="Wyślij wniosek").click()
    page.get_by_role("heading", name="Wniosek wysłany").wait_for()
    number = Application.objects.get().number
    assert number in page.content()

    # 2. The confirmation link arrives by e-mail, with the PDF attached.
    confirmation = smtp.wait_for(1)[0]
    assert confirmation["To"] == "zofia.lecka@example.test"
    assert any(
        part.get_filename() == f"wniosek-{number.replace('/', '-')}.pdf" for part in confirmation.iter_attachments()
    )
    page.goto(_link(confirmation, r"http://\S+/wniosek/potwierdz/\S+/"))
    page.get_by_role("heading", name="Adres e-mail potwierdzony").wait_for()

    # 3. Staff log in to admin with TOTP and activate the application.
    staff_page = browser.new_context(locale="pl-PL").new_page()
    staff_page.goto(base + "/admin/login/?next=/admin/accounts/application/")
    staff_page.get_by_label("Nazwa użytkownika:").fill(staff.username)
    staff_page.get_by_label("Hasło:").fill(PASSWORD)
    # One code field: the code of any of the staff member's devices, no device to choose.
    device = staff.totpdevice_set.get()
    staff_page.get_by_label("Kod:").fill(f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}")
    staff_page.get_by_role("button", name="Zaloguj się").click()
    staff_page.get_by_role("link", name=number).click()
    assert "przypisany" in staff_page.locator(".matching-panel").inner_text()  # the unit matched by address
    staff_page.get_by_role("button", name="Aktywuj wniosek i wyślij dane logowania").click()
    assert "aktywowany" in staff_page.locator(".messagelist").inner_text()

    # 4. The login and first password arrive by e-mail.
    credentials = smtp.wait_for(2)[1]
    text = body_text(credentials)
    login = re.search(r"Login: (\d+)", text).group(1)
    first_password = re.search(r"Pierwsze hasło: (\S+)", text).group(1)
    user = User.objects.get(username=login)
    assert user.grants.get().unit == unit

    # 5. First login leads to the forced password change.
    page.goto(base + "/logowanie/")
    page.get_by_label("Login (identyfikator)").fill(login)
    page.get_by_label("Hasło").fill(first_password)
    page.get_by_role("button", name="Zaloguj się").click()
    page.get_by_role("heading", name="Ustaw własne hasło").wait_for()
    page.goto(base + "/konto/")
    page.get_by_role("heading", name="Ustaw własne hasło").wait_for()
    page.get_by_label("Obecne hasło").fill(first_password)
    page.get_by_label(re.compile(r"^Nowe hasło")).fill(NEW_PASSWORD)
    page.get_by_label("Powtórz nowe hasło").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Zmień hasło").click()
    page.get_by_role("heading", name="Moje konto").wait_for()
    page.goto(base + "/")
    assert str(unit) in page.locator("main").inner_text()

    # 6. Logout, then three wrong passwords lock the account.
    page.get_by_role("button", name="Wyloguj").click()
    for attempt in range(3):
        page.goto(base + "/logowanie/")
        page.get_by_label("Login (identyfikator)").fill(login)
        page.get_by_label("Hasło").fill(f"ZłeHasło{attempt}")
        page.get_by_role("button", name="Zaloguj się").click()
    page.get_by_role("heading", name="Konto czasowo zablokowane").wait_for()
    assert "Odblokuje się samo o" in page.locator("main").inner_text()
    page.goto(base + "/logowanie/")
    page.get_by_label("Login (identyfikator)").fill(login)
    page.get_by_label("Hasło").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Zaloguj się").click()
    page.get_by_role("heading", name="Konto czasowo zablokowane").wait_for()

    # 7. Staff unlock the account with one action on the user's page.
    staff_page.goto(base + f"/admin/accounts/user/{user.pk}/change/")
    staff_page.get_by_role("link", name=re.compile("Odblokuj logowanie")).click()
    staff_page.get_by_role("button", name="Odblokuj logowanie").click()
    assert "odblokowane" in staff_page.locator(".messagelist").inner_text()

    # 8. The login works again.
    page.goto(base + "/logowanie/")
    page.get_by_label("Login (identyfikator)").fill(login)
    page.get_by_label("Hasło").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Zaloguj się").click()
    page.get_by_role("heading", name="Twoje lokale").wait_for()
    assert re.search(
        r"Od tamtej pory (były \d+ nieudane próby|było \d+ nieudanych prób) logowania",
        page.locator(".login-info").inner_text(),
    )


@pytest.mark.parametrize("path", ["/wniosek/", "/logowanie/", "/haslo/reset/"])
def test_account_pages_fit_a_360_px_phone(phone_page, path):
    phone_page.goto(phone_page.base_url + path)
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
