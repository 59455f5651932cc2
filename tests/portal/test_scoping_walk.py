"""Scoping walk over the whole tenant site (issue 15, item 7): every URL pattern that takes an
id, PDFs, CSV exports, photos and attachments included, tried with every combination of the
tenant's own ids, the ids of their other unit and a stranger's. Only a URL whose ids all
name one object chain the tenant may reach answers; every other combination is a 404,
including an own unit with another unit's invoice (``/lokale/<own>/faktury/<other's>/pdf/``).

The patterns come from the resolver: a pattern added later is walked by itself, and one that
takes an id the walk cannot fill fails the first test until it is added here."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from accounts.models import UnitGrant
from tests import factories
from tests.portal.url_walk import Route, own_objects, tenant_site_routes

pytestmark = pytest.mark.django_db

# URLs with an id that no login scopes: links whose credential is a signed token in the URL
# (sent by e-mail; their own tests try altered tokens), and files published to everyone.
NOT_SCOPED_BY_LOGIN = {
    "application_sent": "the applicant's signed link (tests/accounts/test_application.py)",
    "application_pdf": "the applicant's signed link (tests/accounts/test_application_pdf.py)",
    "application_confirm": "the applicant's signed link (tests/accounts/test_application.py)",
    "password_reset_confirm": "Django's reset token (tests/accounts/test_password_reset.py)",
    "tickets:newsletter_unsubscribe": "signed unsubscribe link (tests/tickets)",
    "tickets:announcements_unsubscribe": "signed unsubscribe link (tests/tickets)",
    "profil_zaufany:simulator:login": "the login.gov.pl simulator's signed request (tests/profil_zaufany)",
    "tickets:form_file": "forms to download are published to everyone (D5); an unpublished one is 404",
    "payments:simulator:pay": "the gateway simulator's page: its credential is the signed transaction token (tests/payments)",
    "payments:simulator:send_late": "the gateway simulator's notification button, by the signed transaction token (tests/payments)",
}

# The ticket's status link (D3) works without logging in: its token is the credential, so a
# stranger's token opens the stranger's ticket for anyone; what must hold is that an
# attachment is served only through the token of its own ticket.
TOKEN_SCOPED = {"tickets:status_link", "tickets:status_reply", "tickets:status_attachment"}

# Other variants of a URL that produce another kind of answer (the statement's CSV and PDF).
QUERY_VARIANTS = {
    "billing:statement": ["?od=2016-01-01&do=2016-12-31&format=csv", "?od=2016-01-01&do=2016-12-31&format=pdf"],
    "billing:unit": ["?od=2016-01-01&rodzaj=wplaty&strona=1"],
}

OWN = ("own unit", "own other unit")


@pytest.fixture
def places(owner, unit, stranger):
    """Object chains by place: the owner's unit, the owner's second unit, the stranger's unit."""
    second = factories.UnitFactory()
    UnitGrant.objects.create(user=owner, unit=second, since=dt.date(2010, 1, 1), source=UnitGrant.Source.STAFF)
    factories.OperatorFactory()
    return {
        "own unit": own_objects(owner, unit),
        "own other unit": own_objects(owner, second),
        "stranger's unit": own_objects(stranger, stranger.grants.get().unit),
    }


def walked_routes() -> list[Route]:
    return [route for route in tenant_site_routes() if route.kwargs and route.name not in NOT_SCOPED_BY_LOGIN]


def urls_of(route: Route, values: dict) -> list[str]:
    url = route.url(values)
    return [url] + [url + query for query in QUERY_VARIANTS.get(route.name, [])]


def combinations(route: Route, places: dict) -> list[tuple[bool, str, dict]]:
    """(reachable, description, values) for each way of taking each id from one of the places."""
    result = []
    for chosen in itertools.product(places, repeat=len(route.kwargs)):
        values = {name: places[place][name] for name, place in zip(route.kwargs, chosen, strict=True)}
        one_chain = len(set(chosen)) == 1
        reachable = one_chain and (chosen[0] in OWN or route.name in TOKEN_SCOPED)
        described = ", ".join(f"{name} of {place}" for name, place in zip(route.kwargs, chosen, strict=True))
        result.append((reachable, described, values))
    return result


def test_every_url_that_takes_an_id_is_in_the_walk(places):
    fillable = set(places["own unit"])
    unknown = {
        route.name: route.route
        for route in walked_routes()
        if not set(route.kwargs) <= fillable  # an id of a new kind: add its object to own_objects()
    }
    assert unknown == {}
    names = {route.name for route in tenant_site_routes()}
    assert set(NOT_SCOPED_BY_LOGIN) | TOKEN_SCOPED <= names  # the lists name live patterns
    walked = {route.name for route in walked_routes()}
    for expected in (
        "billing:invoice_pdf",
        "billing:document",
        "meters:photo",
        "meters:unit_csv",
        "tickets:attachment",
    ):
        assert expected in walked


def test_every_combination_of_foreign_ids_is_404_and_only_own_chains_answer(client, owner, places):
    client.force_login(owner)
    tried = 0
    for route in walked_routes():
        own_url = route.url(places["own unit"])
        method = "post" if client.get(own_url).status_code == 405 else "get"  # the POST-only replies
        for reachable, described, values in combinations(route, places):
            for url in urls_of(route, values):
                status = getattr(client, method)(url).status_code
                tried += 1
                if not reachable:
                    assert status == 404, f"{route.name} {url} ({described}) answered {status}"
                elif method == "get":
                    assert status == 200, f"{route.name} {url} ({described}) answered {status}"
                else:
                    assert status not in (404, 405) and status < 500, f"{route.name} {url} answered {status}"
    assert tried > 60


def test_a_stranger_gets_404_for_every_id_of_the_owner(client, stranger, places):
    client.force_login(stranger)
    for route in walked_routes():
        if route.name in TOKEN_SCOPED:
            continue
        for place in OWN:
            for url in urls_of(route, places[place]):
                response = client.get(url)
                assert response.status_code in (404, 405), f"{route.name} {url} answered {response.status_code}"
                if response.status_code == 405:
                    assert client.post(url).status_code == 404, url
