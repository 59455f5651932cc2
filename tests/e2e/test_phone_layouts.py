"""Phone layouts at 360 px (issue 14, items 8–10): a long e-mail address wraps, each meter is a
card with its actions on screen, an invoice shows its totals and its state at the top.

(The accessibility walk, tests/e2e/test_accessibility_walk.py, checks every page for sideways
scrolling; these tests check what a tenant must see without scrolling.)"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from accounts.services.applications import pdf_token
from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE_WIDTH = 360
LONG_EMAIL = "konstancja.wisniewskakowalczyk@spoldzielniamieszkaniowa.example.test"


@pytest.fixture
def tenant(db):
    factories.OperatorFactory()
    unit = factories.UnitFactory()
    tenant = factories.TenantFactory(units=[unit], email=LONG_EMAIL)
    tenant.person = factories.PersonFactory(email=LONG_EMAIL)
    tenant.save(update_fields=["person"])
    return tenant, unit


def _log_in(page, user) -> None:
    page.goto(page.base_url + "/logowanie/")
    page.get_by_label("Login (identyfikator)").fill(user.username)
    page.get_by_label("Hasło").fill(factories.PASSWORD)
    page.get_by_role("button", name="Zaloguj się").click()
    page.wait_for_url(page.base_url + "/")


def _on_screen(locator) -> bool:
    """Visible, and wholly inside the phone's width (not in a box scrolled sideways)."""
    box = locator.bounding_box()
    return locator.is_visible() and box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH


def _page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_a_long_email_address_wraps_on_the_profile_page(phone_page, tenant):
    user, _unit = tenant
    _log_in(phone_page, user)
    phone_page.goto(phone_page.base_url + "/konto/")
    assert _on_screen(phone_page.locator(".account-data dd", has_text="konstancja"))
    assert _page_width(phone_page) <= PHONE_WIDTH


def test_a_long_email_address_wraps_on_the_application_sent_page(phone_page, db):
    application = factories.ApplicationFactory(email=LONG_EMAIL)
    phone_page.goto(phone_page.base_url + f"/wniosek/wyslany/{pdf_token(application)}/")
    assert _on_screen(phone_page.locator("strong", has_text="konstancja"))
    assert _page_width(phone_page) <= PHONE_WIDTH


def test_on_a_phone_each_meter_is_a_card_with_its_last_reading_and_actions_on_screen(phone_page, tenant):
    user, unit = tenant
    meter = factories.MeterFactory(unit=unit)
    factories.ReadingFactory(meter=meter, read_on=dt.date(2026, 10, 1), value=Decimal("123.456"))
    _log_in(phone_page, user)
    phone_page.goto(phone_page.base_url + f"/lokale/{unit.pk}/liczniki/")
    card = phone_page.locator(".meters-table tbody tr").first
    assert _on_screen(card)
    assert _on_screen(card.get_by_role("link", name="Podaj odczyt"))
    assert _on_screen(card.get_by_role("link", name="Historia"))
    assert _on_screen(card.get_by_text("123,456"))
    # Nothing hides in a box that scrolls sideways.
    wrap = phone_page.locator(".meters-panel .table-wrap")
    assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth")
    assert _page_width(phone_page) <= PHONE_WIDTH


def test_on_a_phone_the_invoice_shows_its_totals_and_state_at_the_top(phone_page, tenant):
    user, unit = tenant
    invoice = factories.InvoiceFactory(unit=unit, buyer=user.person)
    _log_in(phone_page, user)
    phone_page.goto(phone_page.base_url + f"/lokale/{unit.pk}/faktury/{invoice.pk}/")
    facts = phone_page.locator("dl.facts")
    first_screen = phone_page.viewport_size["height"]
    for label, value in (("Wartość brutto", "274,57 zł"), ("Do zapłaty", None)):
        term = facts.locator("dt", has_text=label)
        answer = term.locator("xpath=following-sibling::dd[1]")
        assert _on_screen(answer), label
        assert answer.bounding_box()["y"] + answer.bounding_box()["height"] <= first_screen, label
        if value:
            assert value in answer.inner_text().replace("\xa0", " "), label
    # The lines are cards too: the gross amount of each line is on screen.
    lines = phone_page.locator(".invoice-lines")
    assert lines.locator("xpath=..").evaluate("el => el.scrollWidth <= el.clientWidth")
    assert _on_screen(lines.locator("tbody td", has_text="274,57").last)
    assert _page_width(phone_page) <= PHONE_WIDTH
