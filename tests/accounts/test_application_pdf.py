import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import Application
from accounts.pdf import application_pdf
from accounts.services.applications import application_from_pdf_token, pdf_token
from tests.accounts.conftest import application_data
from tests.factories import OperatorFactory

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_pdf_holds_everything_entered_with_polish_glyphs_and_places_to_sign(client):
    client.post(reverse("application_form"), application_data(first_name="Grzegorz", last_name="Źdźbło-Łęcka"))
    application = Application.objects.get()
    text = _text(application_pdf(application))
    for expected in [
        application.number,
        "Grzegorz Źdźbło-Łęcka",
        "44051401458",
        "zofia.lecka@example.test",
        "+48 600 123 456",
        "własność",
        "ul. Źródlana",
        "czytelny podpis wnioskodawcy",
        "podpis i pieczątka pracownika",
        "Zgoda na otrzymywanie faktur",
    ]:
        assert expected in text, expected


def test_applicant_downloads_the_pdf_from_the_link_after_submitting(client):
    response = client.post(reverse("application_form"), application_data())
    application = Application.objects.get()
    download = client.get(reverse("application_pdf", args=[pdf_token(application)]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert application.number.replace("/", "-") in download["Content-Disposition"]
    assert application.number in _text(download.content)
    sent_token = response["Location"].rstrip("/").rsplit("/", 1)[1]
    assert application_from_pdf_token(sent_token) == application  # signed with a timestamp: compare what it names


def test_tampered_pdf_link_gets_a_clear_page(client):
    client.post(reverse("application_form"), application_data())
    token = pdf_token(Application.objects.get())
    response = client.get(reverse("application_pdf", args=[token + "x"]))
    assert response.status_code == 200
    assert "Link jest nieprawidłowy lub wygasł" in response.content.decode()


def test_pdf_is_attached_to_the_confirmation_email(client, django_capture_on_commit_callbacks):
    client.post(reverse("application_form"), application_data())
    from portal.models import EmailAttachment

    attachment = EmailAttachment.objects.get()
    assert attachment.filename.endswith(".pdf")
    assert Application.objects.get().number in _text(bytes(attachment.content))


def _office_box_pages(pdf: bytes) -> list[int]:
    """The pages on which the "Wypełnia biuro obsługi" box's heading and its last line are."""
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    return [
        next(i for i, text in enumerate(pages) if "Wypełnia biuro obsługi" in text),
        next(i for i, text in enumerate(pages) if "podpis i pieczątka pracownika" in text),
    ]


def test_the_office_box_is_never_split_across_pages_whatever_the_number_of_units(client):
    OperatorFactory(street="ul. Spółdzielcza 1", postal_code="00-950", city="Warszawa")  # the header's three lines
    client.post(reverse("application_form"), application_data())
    application = Application.objects.get()
    for n in range(2, 11):  # up to the form's 10 units: the box lands at every height of page 1 and 2
        application.units.create(street="ul. Długa", building_no=str(n), unit_no=str(n))
        assert len(set(_office_box_pages(application_pdf(application)))) == 1, f"{n} units"
