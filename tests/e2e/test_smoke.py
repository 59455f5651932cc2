import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_home_page_is_polish_and_login_page_renders(page):
    page.goto(page.base_url + "/")
    assert page.locator("html").get_attribute("lang") == "pl"
    assert page.get_by_role("heading", name="Internetowe Biuro Obsługi Klienta").is_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "Przejdź do treści"
    page.get_by_role("link", name="Zaloguj się").first.click()
    assert page.get_by_label("Login (identyfikator)").is_visible()
    assert page.get_by_label("Hasło").is_visible()


def test_admin_asks_for_the_second_factor(page):
    page.goto(page.base_url + "/admin/")
    assert "/admin/login/" in page.url
    assert page.get_by_label("Kod:").is_visible()


def test_home_page_fits_a_360_px_phone(phone_page):
    phone_page.goto(phone_page.base_url + "/")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
