"""End to end in Chromium through the local simulator of login.gov.pl: real HTTP for
every hop, the ArtifactResolve SOAP call included."""

from urllib.parse import parse_qs, urlsplit

import pytest

from accounts.models import User
from tests import factories
from tests.profil_zaufany.conftest import NOBODY_PESEL, OWNER_PESEL

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def owner_with_two_units(db):
    person = factories.PersonFactory(pesel=OWNER_PESEL, first_name="Halina", last_name="Zawadzka")
    return [factories.TitleFactory(person=person).unit for _ in range(2)]


def _to_simulator(page):
    page.goto(page.base_url + "/logowanie/")
    page.get_by_role("button", name="Zaloguj przez Profil Zaufany").click()
    page.get_by_role("heading", name="Symulator login.gov.pl — wybierz osobę").wait_for()


def test_an_owner_with_two_units_logs_in_through_profil_zaufany_and_sees_both(page, owner_with_two_units):
    _to_simulator(page)
    page.get_by_role("button", name="Zaloguj jako Halina Zawadzka").click()
    page.get_by_role("heading", name="Akceptacja regulaminu").wait_for()
    page.get_by_label("Akceptuję regulamin e-BOK").check()
    page.get_by_role("button", name="Akceptuję i przechodzę do e-BOK").click()
    page.get_by_role("heading", name="Twoje lokale").wait_for()
    body = page.locator("main").inner_text()
    assert "Zalogowano przez Profil Zaufany" in body
    for unit in owner_with_two_units:
        assert str(unit) in body
    assert page.locator(".unit-list li").count() == 2
    assert "Halina Zawadzka" in page.locator(".user-menu").inner_text()


def test_a_person_with_no_title_gets_the_application_prefilled_with_the_name(page, db):
    _to_simulator(page)
    page.get_by_label("PESEL").fill(NOBODY_PESEL)
    page.get_by_label("Imię").fill("Grzegorz")
    page.get_by_label("Nazwisko").fill("Brzęczyszczykiewicz")
    page.get_by_role("button", name="Potwierdź tożsamość").click()
    page.get_by_role("heading", name="Nie znaleźliśmy Twoich lokali").wait_for()
    link = page.get_by_role("link", name="Złóż wniosek o dostęp")
    query = parse_qs(urlsplit(link.get_attribute("href")).query)
    assert query == {"first_name": ["Grzegorz"], "last_name": ["Brzęczyszczykiewicz"]}
    assert not User.objects.exists()
    assert page.get_by_role("link", name="Zaloguj się").is_visible()


def _log_in(page):
    _to_simulator(page)
    page.get_by_role("button", name="Zaloguj jako Halina Zawadzka").click()
    page.get_by_label("Akceptuję regulamin e-BOK").check()
    page.get_by_role("button", name="Akceptuję i przechodzę do e-BOK").click()
    page.get_by_role("heading", name="Twoje lokale").wait_for()


def test_logging_out_of_the_portal_logs_out_of_login_gov_pl_too(page, owner_with_two_units):
    _log_in(page)
    page.get_by_role("button", name="Wyloguj").click()
    page.get_by_text("Wylogowano z e-BOK i z login.gov.pl.").wait_for()
    page.goto(page.base_url + "/profil-zaufany/symulator/")
    assert "Nikt nie jest zalogowany w symulatorze." in page.locator("main").inner_text()


def test_logging_out_at_login_gov_pl_ends_the_portal_session(page, owner_with_two_units):
    _log_in(page)
    page.goto(page.base_url + "/profil-zaufany/symulator/")
    page.get_by_role("button", name="Wyloguj z login.gov.pl (i z e-BOK)").click()
    page.get_by_role("heading", name="Wylogowano ze wszystkich serwisów").wait_for()
    page.goto(page.base_url + "/")
    assert page.get_by_role("link", name="Zaloguj się").first.is_visible()
    assert "Twoje lokale" not in page.locator("main").inner_text()
