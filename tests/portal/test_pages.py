import pytest
from django.test import Client
from django.urls import path

from portal import urls as portal_urls


def _boom(request):
    raise RuntimeError("sekretny ślad stosu")


urlpatterns = [*portal_urls.urlpatterns, path("boom/", _boom)]
handler404 = portal_urls.handler404
handler500 = portal_urls.handler500


@pytest.mark.django_db
def test_home_page_is_polish_with_skip_link_and_footer(client):
    html = client.get("/").content.decode()
    assert '<html lang="pl">' in html
    assert 'href="#tresc"' in html and 'id="tresc"' in html
    assert "Przejdź do treści" in html
    assert "Regulamin" in html and "Informacja o przetwarzaniu danych osobowych" in html
    assert 'name="viewport"' in html


@pytest.mark.django_db
def test_english_is_available(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Skip to content" in html


@pytest.mark.django_db
def test_unknown_url_gets_polish_404_page(client):
    response = client.get("/nie-ma-takiej-strony/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Nie znaleziono strony" in html and '<html lang="pl">' in html


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_server_error_gets_polish_500_page_without_trace():
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Przepraszamy, wystąpił błąd" in html
    assert "sekretny ślad stosu" not in html and "Traceback" not in html


@pytest.mark.django_db
def test_dashboard_lists_only_units_granted_to_the_user(client, owner, unit, stranger):
    client.force_login(owner)
    html = client.get("/").content.decode()
    assert str(unit) in html
    stranger_unit = stranger.grants.get().unit
    assert str(stranger_unit) not in html


@pytest.mark.django_db
def test_an_english_browser_still_gets_polish_until_the_user_switches(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="pl">' in html and "Przejdź do treści" in html
