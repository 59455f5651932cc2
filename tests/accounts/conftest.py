"""Helpers of the accounts tests."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, BuildingFactory, UnitFactory


def application_data(**overrides) -> dict[str, str]:
    """What an applicant types into the public form: one unit, given by address."""
    data = {
        "first_name": "Zofia",
        "last_name": "Łęcka",
        "email": "zofia.lecka@example.test",
        "phone": "+48 600 123 456",
        "pesel": "44051401458",
        "title_kind": "ownership",
        "accept_terms": "on",
        "consent_e_invoice": "on",
        "units-TOTAL_FORMS": "1",
        "units-INITIAL_FORMS": "0",
        "units-MIN_NUM_FORMS": "1",
        "units-MAX_NUM_FORMS": "10",
        "units-0-street": "ul. Źródlana",
        "units-0-building_no": "7",
        "units-0-unit_no": "12",
        "units-0-external_id": "",
    }
    data.update(overrides)
    return data


def log_in(client, username: str, password: str = PASSWORD, **extra):
    """Through the real login form (the axes backend needs the request)."""
    return client.post("/logowanie/", {"username": username, "password": password}, **extra)


@pytest.fixture
def zrodlana_unit(db):
    """The unit the standard application names: ul. Źródlana 7/12."""
    building = BuildingFactory(street="ul. Źródlana", building_no="7")
    return UnitFactory(building=building, unit_no="12", external_id="ZGM-0712")
