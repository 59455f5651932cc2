"""Issue 14 item 19 in Chromium: the statement is reached from the footer, fits a phone, and its
form files a request (keyboard and labels, as a screen-reader user would fill it)."""

import pytest

from tests import factories
from tickets.models import Ticket

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_footer_leads_to_the_statement_and_its_form_files_a_request(page):
    factories.OperatorFactory()
    page.goto(page.base_url + "/")
    page.locator("footer").get_by_role("link", name="Deklaracja dostępności").click()
    assert page.get_by_role("heading", level=1, name="Deklaracja dostępności").is_visible()
    page.get_by_role("link", name="Złóż żądanie zapewnienia dostępności przez formularz").click()
    page.get_by_label("Imię i nazwisko").fill("Jan Kowalski")
    page.get_by_label("E-mail").fill("jan@example.test")
    page.get_by_label("Strona, dokument lub element portalu").fill("Zawiadomienie o wysokości opłat")
    page.get_by_label("Na czym polega problem").fill("Czytnik ekranu nie odczytuje tabeli.")
    page.get_by_role("button", name="Wyślij żądanie").click()
    ticket = Ticket.objects.get()
    assert ticket.number in page.content()
    assert ticket.kind == Ticket.Kind.ACCESSIBILITY


@pytest.mark.parametrize("path", ["/deklaracja-dostepnosci/", "/deklaracja-dostepnosci/zadanie/"])
def test_the_statement_and_its_form_fit_a_360_px_phone(phone_page, path):
    factories.OperatorFactory()
    phone_page.goto(phone_page.base_url + path)
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
