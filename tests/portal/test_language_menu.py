"""The language menu in every page's footer names each language in itself (issue 14 item 6)."""

import re

import pytest
from django.utils import translation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def polish_afterwards():
    # The locale middleware activates the cookie's language for the thread: give the next test Polish back.
    with translation.override("pl"):
        yield


def _options(html: str) -> list[tuple[str, str, str]]:
    menu = html.split('<select id="jezyk" name="language">', 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option value="([^"]+)" lang="([^"]+)"[^>]*>([^<]+)</option>', menu)


@pytest.mark.parametrize("language", ["pl", "en"])
def test_each_language_is_named_in_itself_whatever_the_page_language(client, settings, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    assert _options(client.get("/logowanie/").content.decode()) == [("pl", "pl", "Polski"), ("en", "en", "English")]


def test_the_current_language_is_the_selected_one(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert '<option value="en" lang="en" selected>English</option>' in client.get("/logowanie/").content.decode()
