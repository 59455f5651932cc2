"""ledger.csv's optional ``payment_ref``: the back-office books a payment made online through
the portal; the import books that payment (it leaves *wpłata w trakcie księgowania* and the
outbound payments.csv), and a payment whose booking row leaves the ledger is pending again."""

from __future__ import annotations

import csv
import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import LedgerEntry, Unit
from payments import selectors, services
from payments.models import Payment, issue_payment_id
from portal.models import AuditEntry, EmailMessage
from sync.kinds import PaymentRef
from sync.models import ImportRun
from sync.outbound import export_outbound
from sync.services import bundle_import
from tests import factories
from tests.sync.bundles import EXAMPLE, Bundle, snapshot

pytestmark = pytest.mark.django_db

UNIT = "U0000001"  # the example's flat of P0000001
ONLINE = ["E-ONLINE-1", UNIT, "2026-11-19", "", "payment", "wpłata online", "Płatność online w e-BOK", "-100,00"]
PENDING_LINE = "Wpłata w trakcie księgowania"


def _bundle(tmp_path, name: str, refs: dict[str, str], *, extra: list[list[str]] = (), sequence: int = 2) -> Bundle:
    """The example (full) with a payment_ref column; ``refs``: entry id → payment_ref; ``extra``
    rows are added (their payment_ref last)."""
    bundle = Bundle.example(tmp_path, name)
    header, rows = bundle.rows("ledger")
    rows = [[*row, refs.get(row[0], "")] for row in rows] + [list(row) for row in extra]
    bundle.write("ledger", [*header, "payment_ref"], rows)
    return bundle.set(export_id=f"EX-{name}", sequence=sequence)


def _delta(tmp_path, name: str, sequence: int, *, ledger: list[list[str]] = (), deleted: list[str] = ()) -> Bundle:
    """A delta that carries only ``ledger`` rows (with payment_ref) and deletes ledger rows ``deleted``."""
    bundle = Bundle.example(tmp_path, name).as_delta(f"EX-{name}", sequence)
    for stem in ("units", "persons", "titles", "meters", "readings", "invoices", "invoice_lines"):
        bundle.write(stem, bundle.rows(stem)[0], [])
    bundle.write("ledger", [*bundle.rows("ledger")[0], "payment_ref"], [list(row) for row in ledger])
    return bundle.write("deletions", ["entity", "id"], [["ledger", entry] for entry in deleted])


@pytest.fixture
def portal():
    """The example imported; the tenant of U0000001 paid 100,00 zł online (not booked yet)."""
    assert bundle_import(path=EXAMPLE).status == ImportRun.Status.IMPORTED
    unit = Unit.objects.get(external_id=UNIT)
    tenant = factories.TenantFactory(units=[unit])
    payment = Payment.objects.create(
        unit=unit,
        user=tenant,
        amount=Decimal("100.00"),
        state=Payment.State.PAID,
        session_id="sesja-1",
        order_id=310000001,
        paid_at=timezone.now(),
        gateway="simulator",
    )
    return {"unit": unit, "tenant": tenant, "payment": payment}


def _unit_page(client, portal) -> str:
    client.force_login(portal["tenant"])
    return client.get(reverse("billing:unit", args=[portal["unit"].pk])).content.decode()


def _outbound_ids(tmp_path, name: str) -> list[str]:
    bundle = export_outbound(directory=tmp_path / name)
    with (tmp_path / name / bundle.export_id / "payments.csv").open(encoding="utf-8", newline="") as fh:
        return [row[0] for row in list(csv.reader(fh, delimiter=";"))[1:]]


def test_a_portal_payment_id_has_the_form_the_import_accepts():
    for _ in range(20):
        assert re.fullmatch(PaymentRef.FORMAT, issue_payment_id())


@pytest.mark.parametrize("fast", [True, False])
def test_a_ledger_row_naming_a_paid_payment_books_it_and_the_pending_line_goes(tmp_path, client, portal, fast):
    payment = portal["payment"]
    page = _unit_page(client, portal)
    assert PENDING_LINE in page and "zapłacono online" not in page
    assert _outbound_ids(tmp_path, "before") == [payment.payment_id]

    run = bundle_import(path=_bundle(tmp_path, "booking", {}, extra=[[*ONLINE, payment.payment_id]]).path, fast=fast)

    assert run.status == ImportRun.Status.IMPORTED, run.message
    assert LedgerEntry.objects.get(external_id="E-ONLINE-1").payment_ref == payment.payment_id
    assert set(LedgerEntry.objects.exclude(external_id="E-ONLINE-1").values_list("payment_ref", flat=True)) == {""}
    payment.refresh_from_db()
    assert payment.booked_at is not None and payment.ledger_entry == "E-ONLINE-1"
    assert run.counts["payments_booked"] == 1 and run.counts["payment_warnings"] == 0
    assert f"zaksięgowane płatności online: {payment.payment_id}" in run.message
    assert AuditEntry.objects.filter(action="payment.booked", object_id=str(payment.pk)).count() == 1
    page = _unit_page(client, portal)
    assert PENDING_LINE not in page
    assert page.count('<small class="paid-online">zapłacono online</small>') == 1
    assert _outbound_ids(tmp_path, "after") == []  # confirmed: no longer reported


def test_the_balance_after_booking_counts_the_payment_once(tmp_path, client, portal):
    """Before: the ledger's balance and, beside it, the balance less the pending payment. After:
    the ledger holds the payment and nothing is pending — the same figure, not 100 zł less."""
    payment = portal["payment"]
    before = selectors.unit_payment_panel(portal["unit"])
    assert before.pending == Decimal("100.00")
    bundle_import(path=_bundle(tmp_path, "booking", {}, extra=[[*ONLINE, payment.payment_id]]).path)
    after = selectors.unit_payment_panel(portal["unit"])
    assert after.pending == 0
    assert after.balance == before.balance - Decimal("100.00") == before.balance_after_pending
    assert after.balance_after_pending == after.balance
    page = _unit_page(client, portal)
    assert "Saldo bez tej wpłaty" not in page


BAD_REFS = [
    "PAY-" + "A" * 61,  # 65 characters: longer than an id
    "E0000000042",  # not a portal payment id
    "pay-20261119-0A1B2C3D4E5F",  # the prefix is PAY-
    "PAY-",  # nothing after the prefix
    "PAY-2026 1119",
    "PAY-20261119;X",
    "PAY-płatność",
]


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("value", BAD_REFS)
def test_a_malformed_payment_ref_refuses_the_bundle_with_nothing_changed(tmp_path, portal, fast, value):
    before = snapshot()
    payment_before = Payment.objects.values().get()
    run = bundle_import(path=_bundle(tmp_path, "bad", {"E0000000004": value}).path, fast=fast)
    assert run.status == ImportRun.Status.REFUSED
    assert snapshot() == before and Payment.objects.values().get() == payment_before
    (problem,) = run.problems.all()
    assert (problem.file, problem.line, problem.column, problem.value, problem.code) == (
        "ledger.csv",
        5,
        "payment_ref",
        value,
        "bad_payment_ref",
    )
    assert "PAY-" in problem.reason


def test_a_payment_ref_naming_no_portal_payment_is_imported_with_a_warning(tmp_path, portal):
    run = bundle_import(path=_bundle(tmp_path, "unknown", {}, extra=[[*ONLINE, "PAY-20261119-FFFFFFFFFFFF"]]).path)
    assert run.status == ImportRun.Status.IMPORTED, run.message
    assert LedgerEntry.objects.get(external_id="E-ONLINE-1").payment_ref == "PAY-20261119-FFFFFFFFFFFF"
    assert run.counts["payment_warnings"] == 1 and run.counts["payments_booked"] == 0
    assert (
        "Uwaga: Zapis kartoteki E-ONLINE-1: payment_ref PAY-20261119-FFFFFFFFFFFF nie wskazuje żadnej "
        "płatności online portalu." in run.message
    )
    portal["payment"].refresh_from_db()
    assert portal["payment"].booked_at is None  # the tenant's own payment stays pending


def test_a_payment_ref_naming_a_payment_not_yet_paid_is_imported_with_a_warning_and_books_nothing(tmp_path, portal):
    waiting = Payment.objects.create(
        unit=portal["unit"], user=portal["tenant"], amount=Decimal("50.00"), session_id="sesja-2", state="waiting"
    )
    run = bundle_import(path=_bundle(tmp_path, "waiting", {}, extra=[[*ONLINE, waiting.payment_id]]).path)
    assert run.status == ImportRun.Status.IMPORTED, run.message
    assert f"płatność {waiting.payment_id} nie jest zapłacona (stan: oczekuje na wpłatę)" in run.message
    waiting.refresh_from_db()
    assert waiting.state == Payment.State.WAITING and waiting.booked_at is None


def test_two_rows_naming_one_payment_book_it_once_and_warn_about_the_second(tmp_path, portal):
    payment = portal["payment"]
    second = ["E-ONLINE-2", *ONLINE[1:]]
    run = bundle_import(
        path=_bundle(tmp_path, "twice", {}, extra=[[*ONLINE, payment.payment_id], [*second, payment.payment_id]]).path
    )
    assert run.status == ImportRun.Status.IMPORTED, run.message
    payment.refresh_from_db()
    assert payment.ledger_entry == "E-ONLINE-1"
    assert f"Zapis kartoteki E-ONLINE-2: płatność {payment.payment_id} jest już zaksięgowana zapisem E-ONLINE-1." in (
        run.message
    )


def test_importing_the_same_booking_again_changes_nothing(tmp_path, portal):
    payment = portal["payment"]
    bundle_import(path=_bundle(tmp_path, "first", {}, extra=[[*ONLINE, payment.payment_id]]).path)
    booked_at = Payment.objects.get().booked_at
    run = bundle_import(path=_bundle(tmp_path, "again", {}, extra=[[*ONLINE, payment.payment_id]], sequence=3).path)
    assert run.status == ImportRun.Status.IMPORTED, run.message
    assert Payment.objects.get().booked_at == booked_at
    assert (run.counts["payments_booked"], run.counts["payments_unbooked"], run.counts["payment_warnings"]) == (0, 0, 0)
    assert AuditEntry.objects.filter(action="payment.booked").count() == 1


@pytest.mark.parametrize("fast", [True, False])
def test_a_delta_books_a_payment_and_a_later_delta_deleting_that_row_makes_it_pending_again(
    tmp_path, client, portal, fast
):
    payment = portal["payment"]
    run = bundle_import(path=_delta(tmp_path, "d2", 2, ledger=[[*ONLINE, payment.payment_id]]).path, fast=fast)
    assert run.status == ImportRun.Status.IMPORTED, run.message
    payment.refresh_from_db()
    assert payment.ledger_entry == "E-ONLINE-1"
    payment.staff_reminded_at = timezone.now()
    payment.save(update_fields=["staff_reminded_at"])

    run = bundle_import(path=_delta(tmp_path, "d3", 3, deleted=["E-ONLINE-1"]).path, fast=fast)

    assert run.status == ImportRun.Status.IMPORTED, run.message
    assert not LedgerEntry.objects.filter(external_id="E-ONLINE-1").exists()
    payment.refresh_from_db()
    assert (payment.booked_at, payment.ledger_entry, payment.staff_reminded_at) == (None, "", None)
    assert run.counts["payments_unbooked"] == 1
    assert f"znów w trakcie księgowania (zapis kartoteki zniknął): {payment.payment_id}" in run.message
    assert AuditEntry.objects.get(action="payment.unbooked").details == {
        "ledger_entry": "E-ONLINE-1",
        "reason": "ledger_entry_gone",
    }
    assert PENDING_LINE in _unit_page(client, portal)
    assert _outbound_ids(tmp_path, "out") == [payment.payment_id]  # reported to the back-office again

    # The back-office books it again under another row: booked by that row.
    rebooked = ["E-ONLINE-9", *ONLINE[1:]]
    run = bundle_import(path=_delta(tmp_path, "d4", 4, ledger=[[*rebooked, payment.payment_id]]).path, fast=fast)
    payment.refresh_from_db()
    assert payment.ledger_entry == "E-ONLINE-9" and run.counts["payments_booked"] == 1


def test_a_full_bundle_without_the_booking_row_or_with_its_ref_cleared_makes_the_payment_pending_again(
    tmp_path, portal
):
    payment = portal["payment"]
    bundle_import(path=_bundle(tmp_path, "booked", {}, extra=[[*ONLINE, payment.payment_id]]).path)
    assert Payment.objects.get().booked_at is not None
    run = bundle_import(path=_bundle(tmp_path, "cleared", {}, extra=[[*ONLINE, ""]], sequence=3).path)
    assert run.status == ImportRun.Status.IMPORTED, run.message
    assert Payment.objects.get().booked_at is None and run.counts["payments_unbooked"] == 1
    bundle_import(path=_bundle(tmp_path, "again", {}, extra=[[*ONLINE, payment.payment_id]], sequence=4).path)
    assert Payment.objects.get().booked_at is not None
    run = bundle_import(path=_bundle(tmp_path, "gone", {}, sequence=5).path)
    assert Payment.objects.get().booked_at is None and run.counts["payments_unbooked"] == 1


def test_a_payment_booked_by_an_import_is_no_longer_reminded_to_staff(tmp_path, portal, settings):
    settings.PAYMENTS_NOTIFY_EMAILS = ["ksiegowosc@example.test"]
    settings.PAYMENTS_UNBOOKED_WORKING_DAYS = 3
    payment = portal["payment"]
    payment.paid_at = dt.datetime(2026, 11, 2, 12, 0, tzinfo=dt.UTC)
    payment.save(update_fields=["paid_at"])
    bundle_import(path=_bundle(tmp_path, "booking", {}, extra=[[*ONLINE, payment.payment_id]]).path)
    assert services.payments_remind_unbooked(today=dt.date(2026, 12, 1)) == 0
    assert not EmailMessage.objects.filter(to=["ksiegowosc@example.test"]).exists()


def test_without_the_booking_the_same_payment_is_reminded_to_staff(portal, settings):
    """The twin of the test above: the reminder is stopped by the booking, not by the set-up."""
    settings.PAYMENTS_NOTIFY_EMAILS = ["ksiegowosc@example.test"]
    settings.PAYMENTS_UNBOOKED_WORKING_DAYS = 3
    payment = portal["payment"]
    payment.paid_at = dt.datetime(2026, 11, 2, 12, 0, tzinfo=dt.UTC)
    payment.save(update_fields=["paid_at"])
    assert services.payments_remind_unbooked(today=dt.date(2026, 12, 1)) == 1
    assert EmailMessage.objects.filter(to=["ksiegowosc@example.test"]).count() == 1


def test_a_payment_booked_by_its_notification_while_the_import_runs_is_a_warning_not_a_failure(
    tmp_path, portal, monkeypatch
):
    """Race: between the import's query and its booking, the gateway's notification books the
    payment under another row; the import goes on and says so."""
    payment = portal["payment"]
    book = services.payment_book

    def notification_first(*, payment_id, ledger_entry, booked_at=None):
        monkeypatch.setattr(services, "payment_book", book)
        Payment.objects.filter(pk=payment_id).update(booked_at=timezone.now(), ledger_entry="E-OTHER")
        return book(payment_id=payment_id, ledger_entry=ledger_entry, booked_at=booked_at)

    monkeypatch.setattr(services, "payment_book", notification_first)
    run = bundle_import(path=_bundle(tmp_path, "race", {}, extra=[[*ONLINE, payment.payment_id]]).path)
    assert run.status == ImportRun.Status.IMPORTED, run.message
    assert f"płatność {payment.payment_id} jest już zaksięgowana zapisem E-OTHER" in run.message
    assert run.counts["payments_booked"] == 0
