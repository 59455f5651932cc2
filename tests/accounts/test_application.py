import datetime as dt
import re

import pytest
import time_machine
from django.core import mail, signing
from django.urls import reverse

from accounts.models import Application
from accounts.services import applications_purge_unconfirmed
from accounts.services.applications import CONFIRM_SALT, confirm_token
from portal.models import AuditEntry, EmailMessage
from tests.accounts.conftest import application_data
from tests.factories import TermsVersionFactory

pytestmark = pytest.mark.django_db


def test_application_form_is_public_and_linked_from_the_landing_page(client):
    landing = client.get("/").content.decode()
    assert reverse("application_form") in landing
    html = client.get(reverse("application_form")).content.decode()
    assert "Wniosek o dostęp do e-BOK" in html
    for label in ["Imię", "Nazwisko", "Adres e-mail", "Telefon", "PESEL", "Ulica", "Numer budynku", "Numer lokalu"]:
        assert label in html
    assert "numer lokalu z blankietu opłat" in html
    assert "Akceptuję regulamin" in html and "e-faktur" in html and "newsletter" in html


def test_submitting_stores_the_application_and_emails_a_confirmation_link_with_the_pdf(
    client, zrodlana_unit, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("application_form"), application_data())
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.status == Application.Status.UNCONFIRMED
    assert application.number.startswith("W/") and application.pesel == "44051401458"
    assert application.consent_e_invoice and not application.consent_newsletter
    requested = application.units.get()
    assert (requested.street, requested.building_no, requested.unit_no) == ("ul. Źródlana", "7", "12")
    assert requested.unit == zrodlana_unit  # one exact match: suggested for staff
    message = EmailMessage.objects.get()
    assert message.to == ["zofia.lecka@example.test"]
    # The link is signed with a timestamp: read it from the e-mail and check what it names.
    link = re.search(r"/wniosek/potwierdz/([^/\s]+)/", message.body_text)
    assert link is not None
    assert signing.TimestampSigner(salt=CONFIRM_SALT).unsign(link.group(1)) == str(application.pk)
    assert message.attachments.get().content_type == "application/pdf"
    sent = client.get(response["Location"]).content.decode()
    assert application.number in sent and "Pobierz wniosek (PDF)" in sent
    assert AuditEntry.objects.filter(action="application.submit", object_id=str(application.pk)).exists()
    assert len(mail.outbox) == 1


def test_the_back_office_number_from_a_payment_slip_is_enough(client, zrodlana_unit):
    data = application_data(**{"units-0-street": "", "units-0-building_no": "", "units-0-unit_no": ""})
    data["units-0-external_id"] = "zgm-0712"
    assert client.post(reverse("application_form"), data).status_code == 302
    assert Application.objects.get().units.get().unit == zrodlana_unit


def test_bad_pesel_is_refused_next_to_the_field_and_nothing_typed_is_lost(client):
    response = client.post(reverse("application_form"), application_data(pesel="44051401459"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "To nie jest poprawny numer PESEL" in html
    assert 'value="Łęcka"' in html and 'value="zofia.lecka@example.test"' in html and 'value="ul. Źródlana"' in html
    assert 'id="id_pesel_error"' in html
    assert not Application.objects.exists() and not EmailMessage.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"accept_terms": ""}, "Aby złożyć wniosek, zaakceptuj regulamin."),
        ({"email": "nie-email"}, "Wprowadź poprawny adres email."),
        ({"phone": "12"}, "Podaj numer telefonu"),
        ({"title_kind": ""}, "Wybierz tytuł prawny do lokalu."),
        ({"first_name": ""}, "To pole jest wymagane."),
        ({"units-0-street": ""}, "Podaj ulicę albo numer lokalu z blankietu opłat."),
        ({"units-0-building_no": ""}, "Podaj numer budynku albo numer lokalu z blankietu opłat."),
    ],
)
def test_each_bad_field_gets_a_polish_message(client, overrides, message):
    html = client.post(reverse("application_form"), application_data(**overrides)).content.decode()
    assert message in html
    assert not Application.objects.exists()


def test_an_application_without_any_unit_is_refused(client):
    data = application_data(**{"units-0-street": "", "units-0-building_no": "", "units-0-unit_no": ""})
    html = client.post(reverse("application_form"), data).content.decode()
    assert "Podaj co najmniej jeden lokal." in html
    assert "Podaj ulicę albo numer lokalu z blankietu opłat." in html
    assert not Application.objects.exists()


def test_adding_a_unit_row_keeps_what_was_typed_without_error_messages(client):
    data = application_data(add_unit="1")
    html = client.post(reverse("application_form"), data).content.decode()
    assert 'value="Łęcka"' in html and 'value="ul. Źródlana"' in html
    assert 'name="units-1-street"' in html
    assert "To pole jest wymagane" not in html
    assert not Application.objects.exists()


def test_two_units_in_one_application(client):
    data = application_data(
        **{
            "units-TOTAL_FORMS": "2",
            "units-1-street": "os. Złote Łany",
            "units-1-building_no": "3",
            "units-1-unit_no": "",
            "units-1-external_id": "",
        }
    )
    assert client.post(reverse("application_form"), data).status_code == 302
    assert Application.objects.get().units.count() == 2


def test_duplicate_for_the_same_email_and_unit_while_pending_is_refused_with_an_explanation(client):
    client.post(reverse("application_form"), application_data())
    first = Application.objects.get()
    # The same unit written differently is still the same unit.
    again = application_data(
        email="ZOFIA.lecka@example.test", **{"units-0-street": "Źródlana", "units-0-unit_no": "12 "}
    )
    html = client.post(reverse("application_form"), again).content.decode()
    assert f"Wniosek nr {first.number}" in html and "już czeka na rozpatrzenie" in html
    assert Application.objects.count() == 1
    other_unit = application_data(**{"units-0-unit_no": "13"})
    assert client.post(reverse("application_form"), other_unit).status_code == 302


def test_a_new_application_is_accepted_once_the_previous_one_was_rejected(client):
    client.post(reverse("application_form"), application_data())
    Application.objects.update(status=Application.Status.REJECTED)
    assert client.post(reverse("application_form"), application_data()).status_code == 302


def test_a_flood_of_applications_from_one_address_is_stopped(client, settings):
    settings.APPLICATION_MAX_PER_IP_HOUR = 2
    for n in range(2):
        assert client.post(reverse("application_form"), application_data(email=f"a{n}@example.test")).status_code == 302
    html = client.post(reverse("application_form"), application_data(email="a3@example.test")).content.decode()
    assert "zbyt wiele wniosków" in html


def test_the_application_records_the_terms_version_accepted(client):
    terms = TermsVersionFactory(version="2026.1")
    html = client.get(reverse("application_form")).content.decode()
    assert "wersja 2026.1" in html
    client.post(reverse("application_form"), application_data(terms_version=str(terms.pk)))
    assert Application.objects.get().terms_version == terms


def test_terms_published_while_the_form_was_open_must_be_read_first(client):
    first = TermsVersionFactory(version="1")
    assert f'name="terms_version" value="{first.pk}"' in client.get(reverse("application_form")).content.decode()
    with time_machine.travel(dt.timedelta(seconds=5)):
        TermsVersionFactory(version="2")
    html = client.post(reverse("application_form"), application_data(terms_version=str(first.pk))).content.decode()
    assert "opublikowano nową wersję regulaminu" in html
    assert 'value="Łęcka"' in html
    assert not Application.objects.exists()


def test_confirmation_link_sends_the_application_to_staff_and_works_twice(client, settings):
    settings.STAFF_NOTIFY_EMAILS = ["bok@example.test"]
    client.post(reverse("application_form"), application_data())
    application = Application.objects.get()
    url = reverse("application_confirm", args=[confirm_token(application)])
    html = client.get(url).content.decode()
    assert "Adres e-mail potwierdzony" in html and "trafił do weryfikacji" in html
    application.refresh_from_db()
    assert application.status == Application.Status.PENDING and application.email_confirmed_at
    assert client.get(url).status_code == 200
    assert EmailMessage.objects.filter(to=["bok@example.test"]).count() == 1


@pytest.mark.parametrize("mangle", [lambda t: t[:-2] + "xx", lambda t: "1:" + t.split(":", 1)[1], lambda t: "abc"])
def test_tampered_confirmation_link_gets_a_clear_page(client, mangle):
    client.post(reverse("application_form"), application_data())
    application = Application.objects.get()
    response = client.get(reverse("application_confirm", args=[mangle(confirm_token(application))]))
    assert response.status_code == 200
    assert "Link jest nieprawidłowy lub wygasł" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Application.Status.UNCONFIRMED


def test_expired_confirmation_link_gets_a_clear_page_and_the_application_is_purged_later(client):
    client.post(reverse("application_form"), application_data())
    token = confirm_token(Application.objects.get())
    with time_machine.travel(dt.timedelta(days=8)):
        assert "Link jest nieprawidłowy" in client.get(reverse("application_confirm", args=[token])).content.decode()
        assert applications_purge_unconfirmed() == 1
    assert not Application.objects.exists()


def test_staff_do_not_see_an_unconfirmed_application_in_the_usual_lists(staff_client, client):
    client.post(reverse("application_form"), application_data())
    application = Application.objects.get()
    for query in ["", "?stan=wszystkie", "?stan=activated"]:
        changelist = staff_client.get(reverse("admin:accounts_application_changelist") + query)
        assert application.number not in changelist.content.decode()
