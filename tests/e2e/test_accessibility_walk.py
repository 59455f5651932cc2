"""The accessibility walk (issue 14, "Done when"; E4: WCAG 2.1 AA, works on a phone).

Every public, tenant and admin page — each admin list, add and change form and the pages a
clerk acts on (application activation panel, rejecting an application, blocking, unblocking and
unlocking an account, a new first password, rejecting readings, meters due for legalization) —
is opened in Debian Chromium at 1280 and at 360 px. On each, axe-core runs the WCAG 2.0/2.1 A
and AA rules, and the page must not scroll sideways. A failure lists every page with the rule
ids and the elements, or the elements that stick out.

axe-core is the npm package pinned in package-lock.json; scripts/test.sh installs it into
node_modules/ before the tests run (nothing is downloaded here). The pages' tools come from
the portal's own URL patterns and admin registry, so a new page or model joins the walk by
itself."""

from __future__ import annotations

import datetime as dt
import re
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.tokens import default_token_generator
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp

from accounts.models import Application, TermsAcceptance
from accounts.services.applications import confirm_token, pdf_token
from chat.services import conversation_start, conversation_take, message_post
from meters.models import Meter
from payments.models import Payment, SimulatedTransaction
from portal import files
from portal.models import EmailMessage
from sync.models import ConsentChange, ImportProblem, ImportRun, OutboundBundle
from tests import factories
from tests.billing.conftest import add_history
from tests.portal.test_security_headers import NOT_WALKED, _routes
from tickets.models import TicketAttachment, TicketMessage
from tickets.services import status_token, unsubscribe_token

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WIDTHS = (1280, 360)
# Too long for a phone's line and without a hyphen a browser would break it at: a layout that
# does not wrap it scrolls sideways (issue 14, item 8).
LONG_EMAIL = "konstancja.wisniewskakowalczyk@spoldzielniamieszkaniowa.example.test"

# axe runs in both widths' pages at once (two renderer processes): started in each, then awaited.
START_AXE = """(tags) => {
  window.__axeViolations = axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})
    .then((result) => result.violations.map((v) => `${v.id} (${v.impact}, ${v.nodes.length}): ` +
      v.nodes.slice(0, 6).map((n) => n.target.join(" ")).join(" | ")));
}"""
AXE_VIOLATIONS = "() => window.__axeViolations"

# The outermost elements that reach past the right edge (their parent does not) and that no
# scrolling or clipping box contains: what makes the page scroll sideways.
OVERFLOW = """(width) => {
  const page = document.documentElement.scrollWidth;
  if (page <= width) return [];
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== "visible") return true;
    }
    return false;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "");
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const right = el.getBoundingClientRect().right;
    const parent = el.parentElement;
    if (right > width + 1 && !(parent && parent.getBoundingClientRect().right > width + 1) && !clipped(el)) {
      out.push(`${name(parent)} > ${name(el)} right=${Math.round(right)}`);
    }
  }
  if (!out.length) {
    // Text too long for its box (a word without a break) spills out of an element that stays narrow.
    for (const el of document.body.querySelectorAll("*")) {
      const box = el.getBoundingClientRect();
      if (el.scrollWidth > el.clientWidth + 1 && box.left + el.scrollWidth > width + 1 && !clipped(el) &&
          getComputedStyle(el).overflowX === "visible") out.push(`text in ${name(el)} reaches ${Math.round(box.left + el.scrollWidth)}`);
    }
  }
  return [`page ${page} px wide`, ...out.slice(-6)];
}"""


@pytest.fixture
def world(db):
    """One of everything a page shows, in the states a tenant, an applicant and a clerk meet."""
    # A refused nightly import with one problem (the sync pages).
    run = ImportRun.objects.create(
        status=ImportRun.Status.REFUSED,
        bundle="/srv/ebok/inbox/EXAMPLE-SM-2026-11-20-001",
        export_id="EXAMPLE-SM-2026-11-20-001",
        source="ERP",
        sequence=1,
        kind="full",
        as_of=timezone.now(),
        counts={"units": {"rows": 40, "inserted": 0}},
        timings={"total": 1.5, "merge": 0.5},
        problem_count=1,
        message="Pakiet odrzucony: 1 problem.",
        finished_at=timezone.now(),
    )
    ImportProblem.objects.create(
        run=run,
        position=1,
        file="units.csv",
        line=4,
        column="kind",
        value="willa",
        code="choice",
        reason="Nieznana wartość",
    )
    bundle = OutboundBundle.objects.create(
        export_id="PORTAL-2026-11-20-001", sequence=1, created_at=timezone.now(), path="/tmp/out", readings=1
    )
    factories.OperatorFactory()
    staff = factories.StaffFactory()
    unit = factories.UnitFactory()
    add_history(unit, months=14, start=dt.date(2025, 10, 1))
    owner = factories.TenantFactory(units=[unit], email=LONG_EMAIL, phone="600 100 200")
    buyer = factories.PersonFactory(email=owner.email)
    owner.person = buyer
    owner.save(update_fields=["person"])
    ConsentChange.objects.create(
        user=owner,
        person_external_id=buyer.external_id,
        e_invoice=True,
        e_correspondence=False,
        changed_at=timezone.now(),
        first_sent_in=bundle,
    )
    invoice = factories.InvoiceFactory(unit=unit, buyer=buyer, due_on=dt.date(2026, 11, 25))
    older = factories.InvoiceFactory(unit=unit, buyer=buyer, issued_on=dt.date(2026, 10, 5), gross=Decimal("1274.57"))
    # Online payments (issue 17): one paid and not yet booked, one waiting at the gateway simulator.
    Payment.objects.create(
        unit=unit,
        user=owner,
        amount=Decimal("100.00"),
        session_id="ebok-walk-paid",
        state=Payment.State.PAID,
        order_id=300000001,
        paid_at=timezone.now(),
        gateway="simulator",
    )
    waiting_payment = Payment.objects.create(
        unit=unit,
        invoice=older,
        invoice_number=older.number,
        user=owner,
        amount=Decimal("50.00"),
        session_id="ebok-walk-waiting",
        state=Payment.State.WAITING,
        token="WALKTOKEN",
        gateway="simulator",
    )
    SimulatedTransaction.objects.create(
        token="WALKTOKEN",
        session_id=waiting_payment.session_id,
        merchant_id=1,
        pos_id=1,
        amount=5000,
        currency="PLN",
        description=f"Faktura {older.number}",
        email=owner.email,
        url_return="http://127.0.0.1/",
        url_status="http://127.0.0.1/",
    )
    factories.DocumentFactory(person=buyer, unit=unit)
    meter = factories.MeterFactory(unit=unit)
    factories.MeterFactory(
        unit=unit, medium=Meter.Medium.HOT_WATER, legalization_valid_until=timezone.localdate() + dt.timedelta(days=20)
    )
    for month in range(1, 12):
        factories.ReadingFactory(meter=meter, read_on=dt.date(2026, month, 1), value=10 + 3 * month)
    waiting = factories.TenantReadingFactory(meter=meter, submitted_by=owner, read_on=timezone.localdate())
    ticket = factories.TicketFactory(reporter=owner, unit=unit)
    TicketMessage.objects.create(ticket=ticket, kind=TicketMessage.Kind.ANSWER, author=staff, body="Sprawdzimy.")
    attachment = TicketAttachment(ticket=ticket, original_name="skan.pdf", content_type=files.PDF, size=10)
    attachment.file.save("skan.pdf", ContentFile(factories.MINIMAL_PDF), save=True)
    form = factories.DownloadFormFactory()
    factories.AnnouncementFactory()
    factories.NewsletterFactory()
    TermsAcceptance.objects.create(user=owner, terms=factories.TermsVersionFactory(), accepted_at=timezone.now())
    # The activation panel: an applicant matching a person of the example bundle, waiting past the target.
    matched = factories.PersonFactory(first_name="Zofia", last_name="Wnioskująca", email=LONG_EMAIL)
    application = factories.ApplicationFactory(
        email=LONG_EMAIL,
        last_name="Wnioskująca",
        pesel=matched.pesel,
        units=[unit],
        email_confirmed_at=timezone.now() - dt.timedelta(days=30),
    )
    unconfirmed = factories.ApplicationFactory(email=LONG_EMAIL, status=Application.Status.UNCONFIRMED)
    blocked = factories.TenantFactory(units=[unit], blocked_at=timezone.now(), blocked_reason="Pisemna prośba")
    EmailMessage.objects.create(to=[owner.email], subject="Nowa faktura", body_text="Treść", status="failed")
    # Issue 16: a conversation taken by the clerk (the tenant's page, the console's panel).
    conversation = conversation_start(tenant=owner, body="Pytanie o saldo https://example.pl", unit=unit)
    conversation_take(conversation=conversation, by=staff)
    message_post(conversation=conversation, author=staff, body="Sprawdzam.")
    conversation_start(tenant=blocked, body="Czekam w kolejce")
    return {
        "staff": staff,
        "owner": owner,
        "blocked": blocked,
        "application": application,
        "waiting_reading": waiting,
        "ids": {
            "unit_id": unit.pk,
            "invoice_id": invoice.pk,
            "meter_id": meter.pk,
            "ticket_id": ticket.pk,
            "attachment_id": attachment.pk,
            "form_id": form.pk,
            "payment_id": waiting_payment.pk,
            "token": status_token(ticket),
            "conversation_id": conversation.pk,
        },
        "token_pages": [
            reverse("payments:simulator:pay", args=["WALKTOKEN"]),
            reverse("application_sent", args=[pdf_token(application)]),
            reverse("application_confirm", args=[confirm_token(unconfirmed)]),
            reverse("tickets:newsletter_unsubscribe", args=[unsubscribe_token(owner)]),
            reverse(
                "password_reset_confirm",
                args=[urlsafe_base64_encode(force_bytes(owner.pk)), default_token_generator.make_token(owner)],
            ),
        ],
    }


def _html_pages(client: Client, urls) -> list[str]:
    """The URLs that answer with a page (not a file, a redirect or an error), each page once."""
    pages = []
    for url in dict.fromkeys(urls):
        response = client.get(url)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            pages.append(url)
    return pages


def _portal_urls(ids: dict) -> list[str]:
    urls = []
    for route in _routes():
        if route.startswith("admin/") or route in NOT_WALKED:
            continue
        names = re.findall(r"<(?:\w+:)?(\w+)>", route)
        if all(name in ids for name in names):
            urls.append("/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m.group(1)]), route))
    return urls


def _admin_urls(world) -> list[str]:
    urls = [reverse("admin:index"), reverse("admin:password_change")]
    for model in admin.site._registry:
        info = model._meta.app_label, model._meta.model_name
        app_list = reverse("admin:app_list", args=[info[0]])
        urls += [app_list, reverse("admin:{}_{}_changelist".format(*info)), reverse("admin:{}_{}_add".format(*info))]
        first = model._default_manager.order_by("-pk").first()
        if first is not None:
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
    owner, blocked, staff = world["owner"], world["blocked"], world["staff"]
    return [
        *urls,
        # The pages a clerk acts on.
        reverse("admin:accounts_application_change", args=[world["application"].pk]),
        reverse("admin:accounts_application_reject", args=[world["application"].pk]),
        reverse("admin:accounts_user_change", args=[owner.pk]),
        reverse("admin:accounts_user_change", args=[blocked.pk]),
        reverse("admin:accounts_user_block", args=[owner.pk]),
        reverse("admin:accounts_user_unblock", args=[blocked.pk]),
        reverse("admin:accounts_user_unlock", args=[owner.pk]),
        reverse("admin:accounts_user_new_password", args=[owner.pk]),
        reverse("admin:auth_user_password_change", args=[owner.pk]),
        reverse("admin:meters_reading_reject") + f"?ids={world['waiting_reading'].pk}",
        reverse("admin:meters_reading_change", args=[world["waiting_reading"].pk]),
        reverse("admin:meters_meter_legalization"),
        reverse("admin:otp_totp_totpdevice_config", args=[staff.totpdevice_set.get().pk]),
        reverse("admin:chat_conversation_console"),
    ]


def _start(page, url: str) -> None:
    response = page.goto(page.base_url + url)
    assert response is not None and response.status == 200, f"{url}: {response and response.status}"
    page.add_script_tag(path=str(AXE))
    page.evaluate(START_AXE, AXE_TAGS)


def _finish(page, url: str, width: int) -> list[str]:
    problems = [f"axe {rule}" for rule in page.evaluate(AXE_VIOLATIONS)]
    problems += [f"overflow: {what}" for what in page.evaluate(OVERFLOW, width)]
    return [f"{width} px {url} — {problem}" for problem in problems]


def _walk(browser, base_url: str, urls: list[str], *, log_in=None) -> tuple[list[str], int]:
    """Every URL at every width; ``log_in(page)`` once, its session shared by both widths."""
    assert AXE.exists(), "axe-core is missing: scripts/test.sh installs it (npm ci, package-lock.json)"
    problems: list[str] = []
    opened = []
    state = None
    try:
        for width in WIDTHS:
            # The pages' Content-Security-Policy (script-src 'self') would block the injected
            # axe-core, so this walk alone bypasses it; tests/e2e/test_content_security_policy.py
            # and tests/portal/test_security_headers.py check the policy itself.
            context = browser.new_context(
                bypass_csp=True,
                locale="pl-PL",
                viewport={"width": width, "height": 900},
                is_mobile=width < 600,
                storage_state=state,
            )
            context.set_default_timeout(15_000)
            page = context.new_page()
            page.base_url = base_url
            opened.append((width, context, page))
            if log_in is not None and state is None:
                log_in(page)
                state = context.storage_state()
        for url in urls:
            for _width, _context, page in opened:
                _start(page, url)
            for width, _context, page in opened:
                problems += _finish(page, url, width)
    finally:
        for _width, context, _page in opened:
            context.close()
    return problems, len(urls) * len(opened)


def _report(problems: list[str]) -> str:
    return "\n" + "\n".join(problems)


def test_every_public_page_passes_axe_and_fits_a_phone(browser, live_server, world):
    pages = _html_pages(
        Client(), [*_portal_urls(world["ids"]), reverse("login"), reverse("admin:login"), *world["token_pages"]]
    )
    assert reverse("application_form") in pages and reverse("tickets:failure_report") in pages
    started = time.monotonic()
    problems, visits = _walk(browser, live_server.url, pages)
    print(f"public walk: {visits} page visits in {time.monotonic() - started:.1f} s")
    assert problems == [], _report(problems)


def test_every_tenant_page_passes_axe_and_fits_a_phone(browser, live_server, world):
    owner = world["owner"]
    client = Client()
    client.force_login(owner)
    pages = _html_pages(client, _portal_urls(world["ids"]))
    assert {reverse("profile"), reverse("meters:unit", args=[world["ids"]["unit_id"]])} <= set(pages)
    assert len(pages) >= 20

    def log_in(page):
        page.goto(page.base_url + reverse("login"))
        page.get_by_label("Login (identyfikator)").fill(owner.username)
        page.get_by_label("Hasło").fill(factories.PASSWORD)
        page.get_by_role("button", name="Zaloguj się").click()
        page.wait_for_url(page.base_url + "/")

    started = time.monotonic()
    problems, visits = _walk(browser, live_server.url, pages, log_in=log_in)
    print(f"tenant walk: {visits} page visits in {time.monotonic() - started:.1f} s")
    assert problems == [], _report(problems)


def test_every_admin_page_a_clerk_uses_passes_axe_and_fits_a_phone(browser, live_server, world):
    staff = world["staff"]
    device = staff.totpdevice_set.get()
    client = Client()
    client.force_login(staff)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    pages = _html_pages(client, _admin_urls(world))
    assert len(pages) >= 2 * len(admin.site._registry)

    def log_in(page):
        page.goto(page.base_url + "/admin/login/?next=/admin/")
        page.get_by_label("Nazwa użytkownika:").fill(staff.username)
        page.get_by_label("Hasło:").fill(factories.PASSWORD)
        page.get_by_label("Kod:").fill(
            f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
        )
        page.get_by_role("button", name="Zaloguj się").click()
        page.wait_for_url(page.base_url + "/admin/")

    started = time.monotonic()
    problems, visits = _walk(browser, live_server.url, pages, log_in=log_in)
    print(f"admin walk: {visits} page visits in {time.monotonic() - started:.1f} s")
    assert problems == [], _report(problems)
