"""Security headers (issue 13, item 9): a Content-Security-Policy without 'unsafe-inline' on
every page (so no page may carry an inline script, style element or style attribute), a
report-only switch, Permissions-Policy, and ``Cache-Control: private, no-store`` on every
response to a logged-in user and on private files.

The walk covers every URL pattern of the portal outside admin (a new one joins it by itself,
or must be named in NOT_WALKED) for a visitor, a tenant and staff, and every admin model's
list, add and change pages."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from csp.middleware import CSPMiddleware
from django.contrib import admin
from django.core.files.base import ContentFile
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.profil_zaufany.views import post_binding
from accounts.services.applications import pdf_token
from portal import files
from tests import factories
from tests.billing.conftest import add_history
from tickets.models import TicketAttachment
from tickets.services import status_token

pytestmark = pytest.mark.django_db

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)
# Patterns the walk does not GET, and why.
NOT_WALKED = {
    "wyloguj/": "logging out (POST)",
    "profil-zaufany/zaloguj/": "POST only (test_the_profil_zaufany_hand_over_may_post_to_the_idp)",
    "profil-zaufany/acs/": "the IdP's answer (tests/profil_zaufany)",
    "profil-zaufany/slo/": "the IdP's logout request (POST)",
    "profil-zaufany/wyloguj/": "logging out",
    "profil-zaufany/symulator/SingleSignOnService": "the simulator's SAML endpoint (POST)",
    "profil-zaufany/symulator/idpArtifactResolutionService": "the simulator's SOAP endpoint",
    "profil-zaufany/symulator/singleLogoutService": "the simulator's SAML endpoint (POST)",
    "profil-zaufany/symulator/wyloguj/": "logging out of the simulator (POST)",
    "i18n/setlang/": "switching the language (POST)",
}


def directives(header: str) -> dict[str, set[str]]:
    """A policy as {directive: sources}: django-csp writes the directives in no fixed order."""
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: set(sources) for name, *sources in parts}


class InlineCode(HTMLParser):
    """What a CSP without 'unsafe-inline' would block in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "script" and not attributes.get("src") and attributes.get("type") != "application/json":
            self.found.append(f"<script> without src: {self.get_starttag_text()}")
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs:
            if name == "style":
                self.found.append(f"style attribute: {self.get_starttag_text()}")
            if name.startswith("on"):
                self.found.append(f"event handler attribute: {self.get_starttag_text()}")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"javascript: URL: {self.get_starttag_text()}")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def _routes(patterns=None, prefix: str = ""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = str(pattern.pattern).lstrip("^").rstrip("$")
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + route)
        elif isinstance(pattern, URLPattern):
            yield prefix + route


@pytest.fixture
def world(owner, unit, staff):
    """One of everything a page shows: a unit with a ledger, an invoice, a letter, a meter with
    readings, a ticket with an attachment, a form to download, an overdue application and an
    announcement."""
    factories.OperatorFactory()
    buyer = factories.PersonFactory(email=owner.email)
    owner.person = buyer
    owner.save(update_fields=["person"])
    add_history(unit, months=14, start=dt.date(2025, 10, 1))
    invoice = factories.InvoiceFactory(unit=unit, buyer=buyer)
    document = factories.DocumentFactory(person=buyer, unit=unit)
    meter = factories.MeterFactory(unit=unit)
    for month in range(1, 12):
        factories.ReadingFactory(meter=meter, read_on=dt.date(2026, month, 1), value=10 + 3 * month)
    ticket = factories.TicketFactory(reporter=owner, unit=unit)
    attachment = TicketAttachment(ticket=ticket, original_name="skan.pdf", content_type=files.PDF, size=10)
    attachment.file.save("skan.pdf", ContentFile(factories.MINIMAL_PDF), save=True)
    form = factories.DownloadFormFactory()
    # Waiting past the target: the list marks it (accounts.admin.ApplicationAdmin.waiting).
    factories.ApplicationFactory(email_confirmed_at=timezone.now() - dt.timedelta(days=30))
    factories.AnnouncementFactory()
    from chat.services import conversation_start  # issue 16: the chat's pages join the walk

    conversation = conversation_start(tenant=owner, body="Pytanie z <b>HTML</b> https://example.pl", unit=unit)
    return {
        "conversation_id": conversation.pk,
        "unit_id": unit.pk,
        "invoice_id": invoice.pk,
        "document_id": document.pk,
        "meter_id": meter.pk,
        "ticket_id": ticket.pk,
        "attachment_id": attachment.pk,
        "form_id": form.pk,
        # The ticket's status link; every other token link opens with it too (its "invalid link" page).
        "token": status_token(ticket),
    }


def _walked_urls(ids: dict[str, int]) -> dict[str, str]:
    urls = {}
    for route in _routes():
        if route.startswith("admin/") or route in NOT_WALKED:
            continue
        names = re.findall(r"<(?:\w+:)?(\w+)>", route)
        if not all(name in ids for name in names):
            continue  # a download, a token link (named below) or a page of someone's file
        urls[route] = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m.group(1)]), route)
    return urls


def _check_page(response, url: str) -> None:
    assert directives(response["Content-Security-Policy"]) == directives(POLICY), url
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"], url
    assert inline_code(response.content.decode()) == [], url


def _walk(client: Client, urls) -> int:
    pages = 0
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, url
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            _check_page(response, url)
            pages += 1
    return pages


def test_the_walk_reaches_the_tenants_pages(world):
    urls = _walked_urls(world)
    for route in (
        "lokale/<id:unit_id>/",
        "liczniki/<id:meter_id>/",
        "zgloszenia/nowe/",
        "lokale/<id:unit_id>/faktury/",
    ):
        assert route in urls, route
    assert set(NOT_WALKED) <= set(_routes())


def test_every_page_for_a_visitor_has_the_policy_and_no_inline_code(client, world):
    pages = _walk(client, [*_walked_urls(world).values(), reverse("login"), "/nie-ma-takiej-strony/"])
    assert pages >= 10


def test_every_page_for_a_tenant_has_the_policy_and_no_inline_code(client, owner, world):
    client.force_login(owner)
    pages = _walk(client, _walked_urls(world).values())
    assert pages >= 20


def test_every_admin_page_has_the_policy_and_no_inline_code(staff_client, world):
    urls = [reverse("admin:index"), reverse("admin:password_change")]
    for model in admin.site._registry:
        info = model._meta.app_label, model._meta.model_name
        urls += [reverse("admin:{}_{}_changelist".format(*info)), reverse("admin:{}_{}_add".format(*info))]
        first = model._default_manager.first()
        if first is not None:
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
    assert _walk(staff_client, urls) >= 2 * len(admin.site._registry)


def test_the_admin_login_page_has_the_policy_and_no_inline_code(client):
    response = client.get(reverse("admin:login"))
    _check_page(response, "admin login")


def test_every_response_to_a_logged_in_user_is_private_and_not_stored(client, owner, world):
    client.force_login(owner)
    for url in [*_walked_urls(world).values(), "/nie-ma-takiej-strony/"]:
        cache_control = {part.strip() for part in client.get(url).get("Cache-Control", "").split(",")}
        assert {"private", "no-store"} <= cache_control, url


def test_a_visitors_public_page_may_be_cached_by_the_browser(client, world):
    assert "no-store" not in client.get(reverse("terms")).get("Cache-Control", "")


def test_static_files_keep_their_cache_lifetime_for_a_logged_in_user(settings, owner):
    settings.WHITENOISE_USE_FINDERS = True
    client = Client()  # a new handler: WhiteNoise reads its settings when it starts
    client.force_login(owner)
    response = client.get("/static/css/portal.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "") and "max-age" in response["Cache-Control"]


def test_private_files_without_a_login_are_not_stored(client, world):
    """The applicant's PDF link and a ticket's attachment by its status link need no login."""
    application = factories.ApplicationFactory()
    for url in (
        reverse("application_pdf", args=[pdf_token(application)]),
        reverse("tickets:status_attachment", args=[world["token"], world["attachment_id"]]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert {"private", "no-store"} <= {p.strip() for p in response["Cache-Control"].split(",")}, url


def test_the_profil_zaufany_hand_over_may_post_to_the_idp():
    """The auto-submitting form of the SAML POST binding goes to login.gov.pl: the policy of that
    page alone allows its origin in form-action (else the browser would not send it)."""
    request = RequestFactory().get("/")
    request.session = {}
    idp = "https://podmiotyzewnetrzne.login.gov.pl/login/SingleSignOnService"
    response = CSPMiddleware(lambda request: post_binding(request, action=idp, fields={"SAMLRequest": "x"}, title="t"))(
        request
    )
    assert directives(response["Content-Security-Policy"]) == {
        **directives(POLICY),
        "form-action": {"'self'", "https://podmiotyzewnetrzne.login.gov.pl"},
    }
    html = response.content.decode()
    assert inline_code(html) == [] and 'src="/static/js/post-binding.js"' in html


def test_the_profil_zaufany_simulator_hand_over_page_keeps_the_policy(client, settings):
    settings.PZ_ENVIRONMENT = "simulator"
    response = client.post(reverse("profil_zaufany:start"))
    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"])["form-action"] == {"'self'", "http://testserver"}
    assert inline_code(response.content.decode()) == []


def _settings_with(**environment) -> str:
    script = (
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        "print(repr((settings.CONTENT_SECURITY_POLICY, getattr(settings, 'CONTENT_SECURITY_POLICY_REPORT_ONLY', None))))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", **environment}
    return subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True).stdout


def test_the_operator_can_switch_the_policy_to_report_only():
    enforced = _settings_with(CSP_REPORT_ONLY="0")
    assert enforced.startswith("({'DIRECTIVES'") and enforced.strip().endswith("None)")
    report_only = _settings_with(CSP_REPORT_ONLY="1", CSP_REPORT_URI="https://raporty.example.pl/csp")
    assert (
        report_only.startswith("(None, {'DIRECTIVES'")
        and "'report-uri': 'https://raporty.example.pl/csp'" in report_only
    )


def test_report_only_sends_the_same_policy_as_report_only(client, settings):
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = settings.CONTENT_SECURITY_POLICY
    settings.CONTENT_SECURITY_POLICY = None
    response = client.get("/")
    assert "Content-Security-Policy" not in response
    assert directives(response["Content-Security-Policy-Report-Only"]) == directives(POLICY)
