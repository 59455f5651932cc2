"""The accessibility statement (E5, issue 14 item 19): the act's template filled from the operator,
linked from every page, and a request for accessibility that becomes a ticket due in 7 days."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from portal.models import EmailMessage
from tests import factories
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

TEMPLATE_SECTIONS = [
    "Deklaracja dostępności",
    "Data publikacji i aktualizacji",
    "Status pod względem zgodności z ustawą",
    "Niedostępne treści",
    "Przygotowanie deklaracji w sprawie dostępności",
    "Informacje zwrotne i dane kontaktowe",
    "Procedura wnioskowo-skargowa",
    "Dostępność architektoniczna",
    "Aplikacje mobilne",
]


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_the_statement_has_every_section_of_the_acts_template_in_order(client):
    factories.OperatorFactory()
    html = client.get(reverse("accessibility")).content.decode()
    headings = re.findall(r"<h[1-3][^>]*>([^<]+)</h[1-3]>", html)
    assert [h for h in headings if h in TEMPLATE_SECTIONS] == TEMPLATE_SECTIONS
    for identifier in [
        "a11y-deklaracja",
        "a11y-wstep",
        "a11y-podmiot",
        "a11y-url",
        "a11y-data-publikacja",
        "a11y-data-aktualizacja",
        "a11y-status",
        "a11y-data-sporzadzenie",
        "a11y-kontakt",
        "a11y-osoba",
        "a11y-email",
        "a11y-telefon",
        "a11y-procedura",
        "a11y-architektura",
        "a11y-aplikacje",
    ]:
        assert f'id="{identifier}"' in html, identifier


def test_the_statement_is_filled_from_the_operators_settings(client):
    factories.OperatorFactory(
        accessibility_contact_name="Anna Nowak",
        accessibility_contact_email="dostepnosc@sm-zrodlo.example.pl",
        accessibility_contact_phone="32 672 00 99",
        accessibility_published_on=dt.date(2025, 3, 1),
        accessibility_updated_on=dt.date(2026, 11, 20),
        accessibility_prepared_on=dt.date(2026, 11, 25),
        accessibility_known_issues="Filmy z zebrań nie mają napisów.",
        accessibility_architecture="Do budynku prowadzi podjazd dla wózków.",
    )
    text = _text(client.get(reverse("accessibility")))
    assert "Spółdzielnia Mieszkaniowa „Źródło” w Zawierciu zobowiązuje się zapewnić dostępność" in text
    assert "Data publikacji strony internetowej: 2025-03-01" in text
    assert "Data ostatniej istotnej aktualizacji: 2026-11-20" in text
    assert "Deklarację sporządzono dnia: 2026-11-25" in text
    assert "samooceny" in text
    assert "Osobą kontaktową jest Anna Nowak" in text
    assert "dostepnosc@sm-zrodlo.example.pl" in text and "32 672 00 99" in text
    assert "częściowo zgodna" in text
    assert "Filmy z zebrań nie mają napisów." in text  # the operator's own list
    assert "PDF/UA" in text  # the measured state: documents made outside the portal
    assert "podjazd dla wózków" in text
    assert "nie później niż w ciągu 7 dni" in text and "2 miesiące" in text
    assert "Rzecznika Praw Obywatelskich" in text


def test_without_operator_settings_the_statement_falls_back_to_the_office_contact(client):
    factories.OperatorFactory()
    text = _text(client.get(reverse("accessibility")))
    assert "Osobą kontaktową jest Biuro obsługi klienta" in text
    assert "bok@sm-zrodlo.example.pl" in text and "32 672 00 00" in text
    assert "ul. Marszałkowska 12, 42-400 Zawiercie" in text
    assert "nie udostępnia aplikacji mobilnych" in text


@pytest.mark.parametrize("url", ["/", "/logowanie/", "/regulamin/", "/awaria/"])
def test_every_page_links_the_statement_in_its_footer(client, url):
    html = client.get(url, follow=True).content.decode()
    footer = html[html.index("<footer") :]
    assert f'href="{reverse("accessibility")}"' in footer


def test_a_logged_in_tenants_page_links_the_statement_too(client, owner):
    client.force_login(owner)
    html = client.get("/").content.decode()
    assert f'href="{reverse("accessibility")}"' in html[html.index("<footer") :]


@time_machine.travel(dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC), tick=False)
def test_anyone_may_ask_for_an_accessible_alternative_and_staff_see_the_7_day_deadline(
    client, staff_client, django_capture_on_commit_callbacks
):
    from django.test import Client

    anonymous = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = anonymous.post(
            reverse("tickets:accessibility_request"),
            {
                "reporter_name": "Jan Kowalski",
                "reporter_email": "jan@example.test",
                "reporter_phone": "",
                "element": "Zawiadomienie o wysokości opłat (PDF)",
                "description": "Czytnik ekranu nie odczytuje tabeli.",
                "alternative": "Proszę o odczytanie przez telefon.",
            },
        )
    assert response.status_code == 302 and response["Location"] == reverse("tickets:filed")
    ticket = Ticket.objects.get()
    assert ticket.kind == Ticket.Kind.ACCESSIBILITY and ticket.reporter is None
    assert ticket.due_on == dt.date(2026, 12, 10)
    assert "odczytanie przez telefon" in ticket.description
    received = EmailMessage.objects.get(to=["jan@example.test"])
    assert ticket.number in received.body_text

    changelist = staff_client.get(reverse("admin:tickets_ticket_changelist")).content.decode()
    assert "10.12.2026 — zostało dni: 7" in changelist
    change = staff_client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk])).content.decode()
    assert "termin ustawowy" in change.lower() and "10.12.2026" in change


def test_an_accessibility_request_needs_a_way_to_answer(client):
    response = client.post(
        reverse("tickets:accessibility_request"),
        {"reporter_name": "Jan Kowalski", "element": "Strona główna", "description": "Za mały kontrast."},
    )
    assert response.status_code == 200
    assert "Podaj e-mail lub telefon" in response.content.decode()
    assert not Ticket.objects.exists()


def test_a_tenant_cannot_file_an_accessibility_request_through_the_ordinary_ticket_form(client, owner):
    client.force_login(owner)
    html = client.get(reverse("tickets:new")).content.decode()
    assert 'value="accessibility"' not in html
