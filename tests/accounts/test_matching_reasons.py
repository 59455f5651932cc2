"""The activation panel says why each candidate matches and warns when the kind of person or
of legal title differs from the application; it shows the terms the applicant accepted
(issue 14 item 13)."""

import pytest
from django.urls import reverse

from accounts.matching import application_matches
from billing.models import Title
from tests.factories import ApplicationFactory, PersonFactory, TermsVersionFactory, TitleFactory

pytestmark = pytest.mark.django_db


def _page(staff_client, application) -> str:
    return staff_client.get(reverse("admin:accounts_application_change", args=[application.pk])).content.decode()


def _private_owner_application():
    """A private applicant (PESEL) claiming ownership of ul. Źródlana 7/12."""
    application = ApplicationFactory(
        first_name="Zofia", last_name="Łęcka", pesel="44051401458", title_kind=Title.Kind.OWNERSHIP
    )
    application.units.create(street="Źródlana", building_no="7", unit_no="12")
    return application


def test_a_company_leasing_the_unit_is_flagged_as_the_wrong_kind_of_person_and_title(zrodlana_unit):
    company = PersonFactory(first_name="", last_name="", company_name="Handel Sp. z o.o.", pesel="", nip="5261040828")
    TitleFactory(unit=zrodlana_unit, person=company, kind=Title.Kind.LEASE)
    application = _private_owner_application()
    match = application_matches(application).persons[0]
    assert match.person == company and match.is_company
    assert match.reasons == [
        f"tytuł prawny do lokalu {zrodlana_unit.external_id}: dzierżawa (lokal znaleziony po: adres lokalu)"
    ]
    assert match.warnings == [
        "Tytuł prawny w systemie źródłowym: dzierżawa, a we wniosku: własność.",
        "To firma lub instytucja (Handel Sp. z o.o. NIP 5261040828), a wniosek złożyła osoba prywatna.",
    ]


def test_the_private_owner_with_the_same_pesel_and_name_matches_without_warnings(zrodlana_unit):
    owner = PersonFactory(first_name="Zofia", last_name="Łęcka", pesel="44051401458")
    TitleFactory(unit=zrodlana_unit, person=owner, kind=Title.Kind.OWNERSHIP)
    match = application_matches(_private_owner_application()).persons[0]
    assert match.person == owner and not match.is_company and match.warnings == []
    assert match.reasons[:2] == ["PESEL zgodny", "imię i nazwisko zgodne"]


def test_a_different_pesel_is_a_warning_and_ranks_the_candidate_lower(zrodlana_unit):
    namesake = PersonFactory(first_name="Zofia", last_name="Łęcka", pesel="02070803628")
    right = PersonFactory(first_name="Zofia", last_name="Łęcka", pesel="44051401458")
    persons = application_matches(_private_owner_application()).persons
    assert [m.person for m in persons] == [right, namesake]
    assert persons[1].warnings == ["PESEL w systemie źródłowym jest inny niż we wniosku."]


def test_panel_shows_reasons_and_loud_warnings_and_the_linked_persons_mismatch(staff_client, zrodlana_unit):
    company = PersonFactory(first_name="", last_name="", company_name="Handel Sp. z o.o.", pesel="", nip="5261040828")
    TitleFactory(unit=zrodlana_unit, person=company, kind=Title.Kind.LEASE)
    application = _private_owner_application()
    html = _page(staff_client, application)
    assert "firma / instytucja" in html and "NIP 5261040828" in html
    assert "dlaczego pasuje" in html and "(lokal znaleziony po: adres lokalu)" in html
    assert "Tytuł prawny w systemie źródłowym: dzierżawa, a we wniosku: własność." in html
    assert "Handel Sp. z o.o. — dzierżawa" in html
    assert "Uwaga: powiązana osoba" not in html
    application.person = company
    application.save()
    html = _page(staff_client, application)
    assert 'class="errornote matching-alert" role="alert"' in html
    assert "Uwaga: powiązana osoba „Handel Sp. z o.o.” nie zgadza się z wnioskiem." in html


def test_panel_shows_the_accepted_terms_version(staff_client):
    terms = TermsVersionFactory(version="2026/1")
    with_version = ApplicationFactory(terms_version=terms)
    assert "wersja 2026/1, zaakceptowana " in _page(staff_client, with_version)
    before_any_version = ApplicationFactory(terms_version=None)
    html = _page(staff_client, before_any_version)
    assert "regulamin podstawowy e-BOK (w chwili złożenia nie opublikowano żadnej wersji), zaakceptowany" in html
