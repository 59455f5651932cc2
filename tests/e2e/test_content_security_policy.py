"""Issue 13, item 9, in Chromium: with the Content-Security-Policy enforced, the tenant's pages
(dashboard, unit page, meter chart, ticket form) and the admin pages (staff logged in with a
code) load with no violation reported, and their scripts still work."""

from __future__ import annotations

import datetime as dt

import pytest
from django_otp.oath import totp

from tests import factories
from tests.billing.conftest import add_history

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Every violation the page reports (blocked or, with CSP_REPORT_ONLY=1, only reported),
# recorded from before the page's own scripts run.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI + " " + event.sourceFile + ":" + event.lineNumber);
});
"""


def _watch(page) -> list[str]:
    """Violations from the page's event and from the console (Chromium logs each one there)."""
    console: list[str] = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on(
        "console", lambda message: console.append(message.text) if "Content Security Policy" in message.text else None
    )
    return console


def _violations(page, console: list[str]) -> list[str]:
    return [*page.evaluate("window.__cspViolations || []"), *console]


@pytest.fixture
def tenant_world(db):
    factories.OperatorFactory()
    unit = factories.UnitFactory()
    add_history(unit, months=14, start=dt.date(2025, 10, 1))
    meter = factories.MeterFactory(unit=unit)
    for month in range(1, 12):
        factories.ReadingFactory(meter=meter, read_on=dt.date(2026, month, 1), value=10 + 3 * month)
    tenant = factories.TenantFactory(units=[unit])
    return tenant, unit, meter


def test_the_tenants_pages_report_no_violation_and_their_scripts_run(page, tenant_world):
    tenant, unit, meter = tenant_world
    console = _watch(page)
    page.goto(page.base_url + "/logowanie/")
    page.get_by_label("Login (identyfikator)").fill(tenant.username)
    page.get_by_label("Hasło").fill(factories.PASSWORD)
    page.get_by_role("button", name="Zaloguj się").click()
    page.wait_for_url(page.base_url + "/")
    visited = {"dashboard": page.url}
    for name, path in {
        "unit page": f"/lokale/{unit.pk}/",
        "meter chart": f"/liczniki/{meter.pk}/",
        "ticket form": "/zgloszenia/nowe/",
    }.items():
        response = page.goto(page.base_url + path)
        assert response.status == 200, name
        assert "script-src 'self'" in response.headers["content-security-policy"], name
        visited[name] = page.url
        assert _violations(page, console) == [], name
        if name == "unit page":
            # static/js/billing.js runs: it shows the copy button of the account number.
            assert page.locator("button.copy-button").first.is_visible()
        if name == "meter chart":
            assert page.locator("svg.chart-svg rect.bar").count() > 0
    # The stylesheet applies (a blocked one would leave the skip link in the page's flow).
    assert page.evaluate("getComputedStyle(document.querySelector('.skip-link')).position") == "absolute"
    assert len(visited) == 4


def test_the_admin_pages_report_no_violation_and_their_scripts_run(page, db):
    staff = factories.StaffFactory()
    factories.ApplicationFactory()
    device = staff.totpdevice_set.get()
    console = _watch(page)
    page.goto(page.base_url + "/admin/login/?next=/admin/")
    page.get_by_label("Nazwa użytkownika:").fill(staff.username)
    page.get_by_label("Hasło:").fill(factories.PASSWORD)
    page.get_by_label("Kod:").fill(f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}")
    page.get_by_role("button", name="Zaloguj się").click()
    page.wait_for_url(page.base_url + "/admin/")
    assert _violations(page, console) == []
    for path in (
        "/admin/accounts/application/",
        "/admin/accounts/application/1/change/",
        "/admin/accounts/unitgrant/add/",
        "/admin/accounts/user/",
        "/admin/tickets/ticket/",
        "/admin/meters/reading/",
    ):
        response = page.goto(page.base_url + path)
        assert response.status == 200, path
        assert _violations(page, console) == [], path
    # Admin's own scripts run: the navigation sidebar folds (admin/js/nav_sidebar.js).
    page.goto(page.base_url + "/admin/accounts/application/")
    folded = page.evaluate("document.getElementById('main').classList.contains('shifted')")
    page.locator("#toggle-nav-sidebar").click()
    assert page.evaluate("document.getElementById('main').classList.contains('shifted')") != folded
    # select2 (autocomplete) builds its widget on the add page of a grant.
    page.goto(page.base_url + "/admin/accounts/unitgrant/add/")
    assert page.locator(".select2-container").count() > 0
    assert _violations(page, console) == []
