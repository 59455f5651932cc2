"""Scoping: every unit, invoice, document and statement URL answers 404 to anyone without
a grant for it. The walk covers every URL of the billing app (a new one must join it)."""

import pytest
from django.urls import URLPattern, reverse

from billing import urls as billing_urls
from tests import factories
from tests.billing.conftest import add_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def owners_things(owner, co_owner, unit, buyer, operator):
    add_history(unit, months=3)
    buyer.nip = "5260250274"  # a business buyer: the invoice's KSeF XML is offered too (B9)
    buyer.save(update_fields=["nip"])
    invoice = factories.InvoiceFactory(
        unit=unit,
        buyer=buyer,
        ksef_number="6340197497-20261105-0100A0B1C2D3-4E",
        ksef_hash=factories.stored_ksef_xml(),
        xml_file="invoices/a.xml",
    )
    document = factories.DocumentFactory(person=buyer, unit=unit)
    co_owner.person = factories.PersonFactory()
    co_owner.save()
    return {"unit_id": unit.pk, "invoice_id": invoice.pk, "document_id": document.pk}


def every_tenant_url(ids: dict[str, int]) -> dict[str, str]:
    """Each billing URL with the owner's ids, plus the statement downloads."""
    urls = {}
    for pattern in billing_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        kwargs = {name: ids[name] for name in pattern.pattern.converters}
        urls[pattern.name] = reverse(f"billing:{pattern.name}", kwargs=kwargs)
    urls["statement_csv"] = urls["statement"] + "?od=2016-01-01&do=2016-12-31&format=csv"
    urls["statement_pdf"] = urls["statement"] + "?od=2016-01-01&do=2016-12-31&format=pdf"
    urls["unit_filtered"] = urls["unit"] + "?od=2016-01-01&rodzaj=wplaty&strona=1"
    return urls


# What a co-owner of the unit sees: everything of the unit, nothing of the owner as a person.
CO_OWNER_SEES = {
    "unit": 200,
    "unit_filtered": 200,
    "invoices": 200,
    "invoice": 200,
    "invoice_pdf": 200,
    "invoice_xml": 200,  # the unit's invoice, as its PDF
    "statement": 200,
    "statement_csv": 200,
    "statement_pdf": 200,
    "documents": 200,  # their own (empty) list
    "document": 404,  # the owner's letter
}


def test_the_walk_covers_every_url_of_the_app(owners_things):
    names = set(every_tenant_url(owners_things))
    assert {p.name for p in billing_urls.urlpatterns} <= names
    assert set(CO_OWNER_SEES) == names


def test_the_owner_reaches_every_tenant_url(client, owner, owners_things):
    client.force_login(owner)
    for name, url in every_tenant_url(owners_things).items():
        assert client.get(url).status_code == 200, name


def test_a_stranger_gets_404_from_every_url_of_someone_elses_unit(client, stranger, unit, owners_things):
    stranger.person = factories.PersonFactory()
    stranger.save()
    client.force_login(stranger)
    for name, url in every_tenant_url(owners_things).items():
        expected = 200 if name == "documents" else 404  # /korespondencja/ is the stranger's own list
        assert client.get(url).status_code == expected, name
    assert "Zawiadomienie" not in client.get(reverse("billing:documents")).content.decode()
    dashboard = client.get("/").content.decode()
    assert str(unit) not in dashboard and f"/lokale/{unit.pk}/" not in dashboard


def test_a_co_owner_sees_the_shared_unit_but_not_the_owners_letters(client, co_owner, owners_things):
    client.force_login(co_owner)
    for name, url in every_tenant_url(owners_things).items():
        assert client.get(url).status_code == CO_OWNER_SEES[name], name


def test_an_ended_grant_closes_every_url_of_the_unit(client, owner, owners_things):
    owner.grants.update(until="2020-12-31")
    client.force_login(owner)
    for name, url in every_tenant_url(owners_things).items():
        if name not in ("documents", "document"):  # letters belong to the person, not the unit
            assert client.get(url).status_code == 404, name


def test_ids_that_do_not_exist_are_404_not_errors(client, owner, owners_things):
    client.force_login(owner)
    missing = {"unit_id": 999_999, "invoice_id": 999_999, "document_id": 999_999}
    for name, url in every_tenant_url({**owners_things, **missing}).items():
        if name != "documents":
            assert client.get(url).status_code == 404, name
    unit_id = owners_things["unit_id"]
    assert client.get(f"/lokale/{unit_id}/faktury/99999999999999999999999/").status_code == 404


def test_anonymous_visitors_are_sent_to_the_login_page(client, owners_things):
    for name, url in every_tenant_url(owners_things).items():
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/logowanie/"), name
