"""The forced first-password change (A5) walked over every URL of the tenant site: with a
first password nothing but the change form and a few pages that must stay open answers;
every other URL, its ids filled with the user's own objects, leads to the change form.

The URLs come from the resolver, so a page added later is walked by itself; a page that
must stay open has to be named below, with its reason."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.services.applications import confirm_token, pdf_token
from tests.accounts.conftest import log_in
from tests.factories import ApplicationFactory, DownloadFormFactory, TenantFactory, UnitFactory
from tests.portal.url_walk import own_objects, tenant_site_routes
from tickets.services import announcements_unsubscribe_token, unsubscribe_token

pytestmark = pytest.mark.django_db

# What a user with a first password may still open, and why.
STAYS_OPEN = {
    "password_change": "the change form itself",
    "logout": "leaving without changing it",
    "set_language": "choosing the language of the change form",
    "terms": "the terms they accepted, linked from the form",
    "privacy": "the privacy notice, linked from every page",
    "health": "the load balancer's probe, not a page",
    "health_ready": "the readiness probe, answered before any session is read",
    "metrics": "Prometheus's scrape (its own token), answered before any session is read",
}


@pytest.fixture
def first_timer(db):
    unit = UnitFactory()
    user = TenantFactory(units=[unit], must_change_password=True)
    return user, unit


def filled_urls(user, unit) -> dict[str, str]:
    """Every URL name of the tenant site with its ids and tokens: the user's own ones."""
    values = own_objects(user, unit)
    application = ApplicationFactory()
    values |= {"form_id": DownloadFormFactory().pk, "uidb64": urlsafe_base64_encode(force_bytes(user.pk))}
    tokens = {
        "application_sent": pdf_token(application),
        "application_pdf": pdf_token(application),
        "application_confirm": confirm_token(application),
        "password_reset_confirm": default_token_generator.make_token(user),
        "tickets:newsletter_unsubscribe": unsubscribe_token(user),
        "tickets:announcements_unsubscribe": announcements_unsubscribe_token(user),
        "profil_zaufany:simulator:login": "abc",
    }
    urls = {}
    for route in tenant_site_routes():
        route_values = {**values, "token": tokens.get(route.name, values["token"])}
        urls[route.name] = route.url(route_values)
    return urls


def test_every_url_but_the_open_ones_leads_to_the_change_form(client, first_timer):
    user, unit = first_timer
    urls = filled_urls(user, unit)
    log_in(client, user.username)
    change = reverse("password_change")
    assert set(STAYS_OPEN) <= set(urls)
    for name, url in urls.items():
        if name in STAYS_OPEN or url == change:
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 302, f"{method.upper()} {name} {url} answered {response.status_code}"
            assert response["Location"].startswith(change), f"{method.upper()} {name} {url} → {response['Location']}"
    assert len(urls) > 40


def test_the_open_ones_answer_without_the_change(client, first_timer):
    user, unit = first_timer
    urls = filled_urls(user, unit)
    log_in(client, user.username)
    change = reverse("password_change")
    for name in ("terms", "privacy", "health"):
        response = client.get(urls[name])
        assert response.status_code == 200, name
    assert client.get(change).status_code == 200
    assert client.get(settings.STATIC_URL + "css/portal.css").status_code != 302
    assert client.post(urls["logout"]).status_code == 302
    assert "_auth_user_id" not in client.session
