"""A unit the back-office no longer sends (withdrawn, kept for the portal's data) is hidden
from its tenants even while their grant still runs (A10): every page of the unit and of its
invoices, meters, readings and exports answers 404, and the dashboard and the meter list do
not show it. The pages read visibility through different paths (hand-written SQL for the
unit, ledger and invoice pages, the ORM for meters), so each is walked here.

The URLs come from the resolver: a page of a unit's objects added later is walked by itself."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.portal.url_walk import own_objects, tenant_site_routes

pytestmark = pytest.mark.django_db

# Ids that name the unit or something of it; letters and tickets belong to the person.
OF_THE_UNIT = {"unit_id", "invoice_id", "meter_id", "reading_pk"}


@pytest.fixture
def withdrawn(owner, unit):
    """The owner's unit with its objects, withdrawn by the back-office; the grant stays active."""
    factories.OperatorFactory()
    objects = own_objects(owner, unit)
    unit.withdrawn_at = timezone.now()
    unit.save(update_fields=["withdrawn_at"])
    assert owner.grants.get(unit=unit).until is None
    return objects


def urls_of_the_unit(objects: dict) -> dict[str, str]:
    urls = {
        route.name: route.url(objects)
        for route in tenant_site_routes()
        if OF_THE_UNIT & set(route.kwargs) and set(route.kwargs) <= set(objects)
    }
    urls["billing:statement csv"] = urls["billing:statement"] + "?od=2016-01-01&do=2016-12-31&format=csv"
    urls["billing:statement pdf"] = urls["billing:statement"] + "?od=2016-01-01&do=2016-12-31&format=pdf"
    return urls


def test_every_page_of_a_withdrawn_unit_is_404_while_the_grant_runs(client, owner, withdrawn):
    client.force_login(owner)
    urls = urls_of_the_unit(withdrawn)
    expected = {"billing:unit", "billing:invoices", "billing:invoice", "billing:invoice_pdf", "billing:statement"}
    expected |= {"meters:unit", "meters:unit_history", "meters:unit_csv", "meters:meter", "meters:meter_csv"}
    expected |= {"meters:submit", "meters:photo"}
    assert expected <= set(urls)
    for name, url in urls.items():
        status = client.get(url).status_code
        if status == 405:  # a POST-only page (paying online): the unit is looked up on POST
            status = client.post(url).status_code
        assert status == 404, f"{name} {url}"


def test_the_same_pages_answer_once_the_unit_is_sent_again(client, owner, unit, withdrawn):
    unit.withdrawn_at = None
    unit.save(update_fields=["withdrawn_at"])
    client.force_login(owner)
    for name, url in urls_of_the_unit(withdrawn).items():
        status = client.get(url).status_code
        if status == 405:
            status = client.post(url).status_code
            assert status not in (404, 405) and status < 500, f"POST {name} {url} answered {status}"
        else:
            assert status == 200, f"{name} {url}"


def test_the_dashboard_and_the_meter_list_do_not_show_a_withdrawn_unit(client, owner, unit, withdrawn):
    other = factories.UnitFactory()
    owner.grants.create(unit=other, since="2010-01-01", source="staff")
    client.force_login(owner)
    dashboard = client.get(reverse("home")).content.decode()
    assert str(other) in dashboard  # the page lists units at all
    assert str(unit) not in dashboard and f"/lokale/{unit.pk}/" not in dashboard
    meters = client.get(reverse("meters:index")).content.decode()
    assert f"/liczniki/{withdrawn['meter_id']}/" not in meters
    new_ticket = client.get(reverse("tickets:new")).content.decode()
    assert f'value="{unit.pk}"' not in new_ticket and f'value="{other.pk}"' in new_ticket
