"""Online payment workflows (B8): start, gateway notifications, expiry, booking, staff reminders.

Only a notification with a valid signature, the expected merchant, amount and currency,
confirmed by the gateway's verify call, makes a payment paid. Every state change writes an
audit entry (``payment.<state>``)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from billing.models import Invoice, LedgerEntry, Unit
from payments import selectors
from payments.gateways import (
    Gateway,
    GatewayUnavailable,
    NotificationRefused,
    Registration,
)
from payments.models import Payment, issue_payment_id, to_grosze
from portal import sql
from portal.links import absolute_reverse
from portal.services.audit import audit_log
from portal.services.mail import email_queue
from portal.workdays import add_working_days

NoticeT = TypeVar("NoticeT")

logger = logging.getLogger(__name__)
CENT = Decimal("0.01")


class PaymentRefused(Exception):
    """A payment that cannot start; the message is Polish, for the tenant."""


def payment_fee(amount: Decimal) -> Decimal:
    """The gateway's fee passed on to the payer (PAYMENTS_FEE_PERCENT of the amount, rounded
    half up to the grosz, plus PAYMENTS_FEE_FIXED); 0 when the operator bears it."""
    percent: Decimal = settings.PAYMENTS_FEE_PERCENT
    fixed: Decimal = settings.PAYMENTS_FEE_FIXED
    if not percent and not fixed:
        return Decimal("0.00")
    return ((amount * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP) + fixed).quantize(CENT)


def payment_check_amount(amount: Decimal, payable: Decimal) -> Decimal:
    """The amount a tenant asked to pay, if it may be paid: more than 0, at most ``payable``,
    whole grosze."""
    if not amount.is_finite() or amount <= 0:
        raise PaymentRefused(_("Kwota wpłaty musi być większa od zera."))
    if amount != amount.quantize(CENT):
        raise PaymentRefused(_("Kwota może mieć najwyżej dwie cyfry po przecinku (grosze)."))
    if amount > payable:
        raise PaymentRefused(_("Kwota przekracza należność do zapłaty."))
    return amount.quantize(CENT)


def _gateway_urls(payment: Payment, request: HttpRequest | None) -> tuple[str, str, str]:
    """urlReturn, urlStatus, urlCardPaymentNotification: the portal's own addresses, never
    anything from the request's data. The simulator (the demo, tests) runs on whatever host the
    request came to; a real gateway gets PORTAL_BASE_URL's."""
    names: tuple[tuple[str, dict[str, int]], ...] = (
        ("payments:detail", {"unit_id": payment.unit_id, "payment_id": payment.pk}),
        ("payments:notify", {}),
        ("payments:notify_refusal", {}),
    )
    if settings.PAYMENTS_GATEWAY == "simulator" and request is not None:
        ret, status, refusal = (request.build_absolute_uri(reverse(n, kwargs=k)) for n, k in names)
    else:
        ret, status, refusal = (absolute_reverse(n, **k) for n, k in names)
    return ret, status, refusal


def payment_start(
    *,
    user: User,
    unit: Unit,
    gateway: Gateway,
    amount: Decimal | None = None,
    invoice: Invoice | None = None,
    request: HttpRequest | None = None,
) -> tuple[Payment, bool]:
    """Start paying ``invoice`` (what is left of it) or the unit's balance (``amount``, at most
    what is due): register the transaction with the gateway. Returns the payment and whether an
    open one was resumed instead (a second click while one is waiting charges nothing twice).

    ``unit`` (and ``invoice``) must come through the scoped selectors. The gateway down: nothing
    is kept (PaymentRefused with a Polish message) and the tenant may try again."""
    with transaction.atomic():
        # Race: a double click or two tabs; the lock on the unit row makes the second request
        # wait and then find the first one's payment (the partial unique constraints back it up).
        Unit.objects.select_for_update().filter(pk=unit.pk).first()
        open_payments = Payment.objects.filter(unit=unit, state__in=Payment.OPEN_STATES)
        existing = (
            open_payments.filter(invoice=invoice).first()
            if invoice
            else open_payments.filter(invoice__isnull=True).first()
        )
        if existing is not None:
            audit_log(action="payment.resumed", actor=user, obj=existing, request=request)
            return existing, True
        if invoice is not None:
            wanted = selectors.invoice_payment_panel(invoice).payable
            if wanted <= 0:
                raise PaymentRefused(_("Ta faktura nie ma nic do zapłaty."))
        else:
            payable = selectors.unit_payment_panel(unit).payable
            if payable <= 0:
                raise PaymentRefused(_("Na tym lokalu nie ma nic do zapłaty."))
            wanted = payment_check_amount(amount if amount is not None else payable, payable)
        try:
            payment_id = issue_payment_id()
            with transaction.atomic():
                payment = Payment.objects.create(
                    unit=unit,
                    invoice=invoice,
                    invoice_number=invoice.number if invoice else "",
                    user=user,
                    amount=wanted,
                    fee=payment_fee(wanted),
                    currency="PLN",
                    gateway=settings.PAYMENTS_GATEWAY,
                    payment_id=payment_id,
                    session_id=payment_id,  # the gateway knows the payment by the same id
                )
        except IntegrityError:
            # The constraint's twin of the lock above (a database without row locks).
            existing = open_payments.filter(invoice=invoice).first() if invoice else open_payments.first()
            if existing is None:
                raise
            return existing, True
        audit_log(
            action="payment.created",
            actor=user,
            obj=payment,
            request=request,
            details={"amount": str(payment.amount), "fee": str(payment.fee), "invoice": payment.invoice_number},
        )
    url_return, url_status, url_refusal = _gateway_urls(payment, request)
    description = (
        _("Faktura %(number)s, lokal %(unit)s") % {"number": invoice.number, "unit": unit.external_id}
        if invoice
        else _("Wpłata na lokal %(unit)s") % {"unit": unit.external_id}
    )
    # The gateway is called outside the transaction: a slow gateway must not hold the unit's
    # lock, and the simulator answers from this same database.
    try:
        registered = gateway.register(
            Registration(
                session_id=payment.session_id,
                amount=payment.total_grosze,
                currency=payment.currency,
                description=description,
                email=user.email,
                url_return=url_return,
                url_status=url_status,
                url_refusal=url_refusal,
                time_limit_minutes=settings.PAYMENTS_TIME_LIMIT_MINUTES,
            )
        )
    except GatewayUnavailable as exc:
        logger.warning("payment %s: gateway unavailable at register: %s", payment.session_id, exc)
        with transaction.atomic():
            audit_log(action="payment.gateway_unavailable", actor=user, obj=payment, request=request)
            payment.delete()  # nothing half-made: the tenant simply tries again
        raise PaymentRefused(
            _("Bramka płatności chwilowo nie odpowiada. Nic nie zostało pobrane — spróbuj ponownie za kilka minut.")
        ) from exc
    with transaction.atomic():
        payment.state = Payment.State.WAITING
        payment.token = registered.token
        payment.expires_at = timezone.now() + dt.timedelta(minutes=settings.PAYMENTS_TIME_LIMIT_MINUTES)
        payment.save(update_fields=["state", "token", "expires_at"])
        audit_log(action="payment.waiting", actor=user, obj=payment, request=request)
    return payment, False


def _refuse(reason: str, detail: str, *, payment: Payment | None, request: HttpRequest | None) -> NotificationRefused:
    audit_log(
        action="payment.notification_refused",
        actor_label="bramka płatności",
        obj=payment,
        request=request,
        details={"reason": reason, "detail": detail[:200]},
    )
    return NotificationRefused(reason, detail)


def _notice(read: Callable[[bytes], NoticeT], body: bytes, *, request: HttpRequest | None) -> NoticeT:
    """The notification ``read`` finds in ``body``; refused (and audited) when it is not genuine."""
    try:
        return read(body)
    except NotificationRefused as exc:
        raise _refuse(exc.reason, str(exc), payment=None, request=request) from exc


def _notified_payment(session_id: str, *, request: HttpRequest | None) -> Payment:
    """The payment a notification names; refused (and audited) when the session is unknown."""
    payment = Payment.objects.filter(session_id=session_id).first()
    if payment is None:
        raise _refuse("unknown_session", session_id, payment=None, request=request)
    return payment


def payment_receive_paid(*, gateway: Gateway, body: bytes, request: HttpRequest | None = None) -> Payment:
    """The gateway's notification that a payment was made (urlStatus). Checked: signature,
    merchant and POS (by the adapter), a known session, amount and currency as registered;
    then confirmed by the verify call. The same notification again changes nothing; a late one
    (after the payment was abandoned or refused) still makes it paid: the money was taken."""
    notice = _notice(gateway.read_paid_notification, body, request=request)
    payment = _notified_payment(notice.session_id, request=request)
    if notice.currency != payment.currency:
        raise _refuse("currency", notice.currency, payment=payment, request=request)
    if notice.amount != payment.total_grosze or notice.origin_amount != payment.total_grosze:
        raise _refuse("amount", f"{notice.amount}/{notice.origin_amount}", payment=payment, request=request)
    if payment.state == Payment.State.PAID:
        if payment.order_id == notice.order_id:
            return payment  # a repeated notification: nothing changes
        raise _refuse("second_order", str(notice.order_id), payment=payment, request=request)
    gateway.verify(
        session_id=payment.session_id, order_id=notice.order_id, amount=notice.amount, currency=notice.currency
    )
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.state == Payment.State.PAID:
            return locked  # race: the twin of this notification got here first
        previous = locked.state
        locked.state = Payment.State.PAID
        locked.order_id = notice.order_id
        locked.statement = notice.statement[:200]
        locked.paid_at = timezone.now()
        locked.save(update_fields=["state", "order_id", "statement", "paid_at"])
        audit_log(
            action="payment.paid",
            actor_label="bramka płatności",
            obj=locked,
            request=request,
            details={"previous": previous, "order_id": notice.order_id, "amount": str(locked.total)},
        )
        # The back-office may book the money before the gateway's notification reaches the
        # portal (a late notification): the row that names the payment books it now.
        entry = (
            LedgerEntry.objects.exclude(payment_ref="")
            .filter(payment_ref=locked.payment_id)
            .order_by("booked_on", "external_id")
            .values_list("external_id", flat=True)
            .first()
        )
        if entry is not None:
            locked = payment_book(payment_id=locked.pk, ledger_entry=entry)
        if locked.user is not None and locked.user.email:
            email_queue(
                to=[locked.user.email],
                template="payment_paid",
                context={
                    "user": locked.user,
                    "payment": locked,
                    "url": absolute_reverse("payments:history", unit_id=locked.unit_id),
                },
                user=locked.user,
                dedup_key=f"payment-paid-{locked.pk}",
            )
    return locked


def payment_receive_refusal(*, gateway: Gateway, body: bytes, request: HttpRequest | None = None) -> Payment:
    """The gateway's signed notification that the payment was refused (a refused card): a
    waiting payment becomes rejected; a paid one stays paid (the notices came out of order)."""
    notice = _notice(gateway.read_refusal_notification, body, request=request)
    payment = _notified_payment(notice.session_id, request=request)
    if notice.amount != payment.total_grosze:
        raise _refuse("amount", str(notice.amount), payment=payment, request=request)
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.state not in Payment.OPEN_STATES:
            return locked  # already paid, refused or abandoned: a late or repeated refusal changes nothing
        locked.state = Payment.State.REJECTED
        locked.closed_at = timezone.now()
        locked.save(update_fields=["state", "closed_at"])
        audit_log(
            action="payment.rejected",
            actor_label="bramka płatności",
            obj=locked,
            request=request,
            details={"error_code": notice.error_code[:50], "error_message": notice.error_message[:200]},
        )
    return locked


def payments_expire(*, now: dt.datetime | None = None) -> int:
    """Abandon the payments whose gateway time limit passed unpaid (a started one that never
    reached the gateway, after the same time). A notification arriving later still makes it paid."""
    now = now or timezone.now()
    limit = dt.timedelta(minutes=settings.PAYMENTS_TIME_LIMIT_MINUTES)
    candidates = Payment.objects.filter(state__in=Payment.OPEN_STATES).values_list("pk", flat=True)
    count = 0
    for pk in candidates:
        with transaction.atomic():
            payment = Payment.objects.select_for_update().get(pk=pk)
            deadline = payment.expires_at or (payment.created_at + limit)
            if payment.state not in Payment.OPEN_STATES or deadline > now:
                continue
            payment.state = Payment.State.ABANDONED
            payment.closed_at = now
            payment.save(update_fields=["state", "closed_at"])
            audit_log(action="payment.abandoned", actor_label="system", obj=payment)
            count += 1
    return count


def payment_book(*, payment_id: int, ledger_entry: str, booked_at: dt.datetime | None = None) -> Payment:
    """The back-office booked a paid payment (the import calls this when a ledger row's
    ``payment_ref`` names it): it leaves *wpłata w trakcie księgowania*. Booking it again with
    the same ledger row changes nothing."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.state != Payment.State.PAID:
            raise ValueError(f"payment {payment.session_id} is {payment.state}, not paid")
        if payment.booked_at is not None:
            if payment.ledger_entry != ledger_entry:
                raise ValueError(f"payment {payment.session_id} is already booked as {payment.ledger_entry}")
            return payment
        payment.booked_at = booked_at or timezone.now()
        payment.ledger_entry = ledger_entry
        payment.save(update_fields=["booked_at", "ledger_entry"])
        audit_log(action="payment.booked", actor_label="system", obj=payment, details={"ledger_entry": ledger_entry})
    return payment


def payment_unbook(*, payment_id: int, reason: str) -> Payment:
    """The ledger row that booked a payment left the ledger (a delta deleted it, a full bundle
    no longer carries it, or it no longer names the payment): the payment is *w trakcie
    księgowania* again, goes out in payments.csv again, and staff are reminded of it again."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.booked_at is None:
            return payment
        previous = payment.ledger_entry
        payment.booked_at = None
        payment.ledger_entry = ""
        payment.staff_reminded_at = None
        payment.save(update_fields=["booked_at", "ledger_entry", "staff_reminded_at"])
        audit_log(
            action="payment.unbooked",
            actor_label="system",
            obj=payment,
            details={"ledger_entry": previous, "reason": reason},
        )
    return payment


@dataclass(frozen=True)
class LedgerReconciliation:
    """What an import changed in the bookings of online payments (``payments_reconcile_ledger``)."""

    booked: list[str] = field(default_factory=list)  # payment ids booked now
    unbooked: list[str] = field(default_factory=list)  # payment ids whose booking row left the ledger
    warnings: list[str] = field(default_factory=list)  # Polish, one per ledger row, for the import's summary


_LEDGER = LedgerEntry._meta.db_table
_PAYMENT = Payment._meta.db_table
# Ledger rows naming a portal payment that is not booked by exactly that row: unknown ids, payments
# not paid (yet), paid ones still pending, ones booked by another row. The partial index
# ledger_payment_ref holds only rows with a payment_ref: the cost follows the online payments, not
# the size of the ledger, and a ledger without them costs nothing.
_LEDGER_NAMING_PAYMENTS = (
    f"SELECT l.external_id, l.payment_ref, p.id, p.state, p.booked_at IS NOT NULL, p.ledger_entry "  # noqa: S608
    f"FROM {_LEDGER} l LEFT JOIN {_PAYMENT} p ON p.payment_id = l.payment_ref "
    "WHERE l.payment_ref <> '' AND (p.id IS NULL OR p.state <> %s OR p.booked_at IS NULL "
    "OR p.ledger_entry <> l.external_id) ORDER BY l.booked_on, l.external_id"
)
# Booked payments whose booking row is gone or no longer names them. ``payment_ref <> ''`` (always
# true of a row naming a payment) lets the planner read the rows from the partial index: the cost
# follows the number of online payments, never the size of the ledger.
_BOOKINGS_GONE = (
    f"SELECT p.id, p.payment_id FROM {_PAYMENT} p WHERE p.booked_at IS NOT NULL AND NOT EXISTS "  # noqa: S608
    f"(SELECT 1 FROM {_LEDGER} l WHERE l.payment_ref <> '' AND l.payment_ref = p.payment_id "
    "AND l.external_id = p.ledger_entry)"
)


def _already_booked(entry: str, ref: str, other: str) -> str:
    return _("Zapis kartoteki %(entry)s: płatność %(ref)s jest już zaksięgowana zapisem %(other)s.") % {
        "entry": entry,
        "ref": ref,
        "other": other,
    }


def payments_reconcile_ledger() -> LedgerReconciliation:
    """After an import: a payment is booked exactly while a ledger row's ``payment_ref`` names it.

    Two queries whatever the bundle's size, then one ``payment_book`` / ``payment_unbook`` per
    payment that changes (each audited). A ``payment_ref`` naming no portal payment, a payment
    not paid (yet), or a payment another row already booked is a warning, not a refusal: the
    back-office's ledger is the record of the money and the rest of the night's data must not
    wait for it (docs/payments.md, *Booking*). A payment named while not yet paid is booked when
    the gateway's notification makes it paid (``payment_receive_paid``)."""
    result = LedgerReconciliation()
    for pk, payment_id in sql.fetch_all(_BOOKINGS_GONE):
        payment_unbook(payment_id=pk, reason="ledger_entry_gone")
        result.unbooked.append(payment_id)
    rows = sql.fetch_all(_LEDGER_NAMING_PAYMENTS, [Payment.State.PAID.value])
    booked_now: dict[int, str] = {}
    for entry, ref, pk, state, is_booked, booked_by in rows:
        if pk is None:
            result.warnings.append(
                _("Zapis kartoteki %(entry)s: payment_ref %(ref)s nie wskazuje żadnej płatności online portalu.")
                % {"entry": entry, "ref": ref}
            )
        elif state != Payment.State.PAID:
            result.warnings.append(
                _(
                    "Zapis kartoteki %(entry)s: płatność %(ref)s nie jest zapłacona (stan: %(state)s); "
                    "zostanie zaksięgowana, gdy bramka potwierdzi wpłatę."
                )
                % {"entry": entry, "ref": ref, "state": Payment.State(state).label}
            )
        elif is_booked or pk in booked_now:
            result.warnings.append(_already_booked(entry, ref, booked_by if is_booked else booked_now[pk]))
        else:
            try:
                booked = payment_book(payment_id=pk, ledger_entry=entry)
            except ValueError:
                # Race: the gateway's notification booked it meanwhile by another row.
                booked = Payment.objects.get(pk=pk)
                result.warnings.append(_already_booked(entry, ref, booked.ledger_entry))
                continue
            booked_now[pk] = booked.ledger_entry
            result.booked.append(ref)
    return result


def payments_remind_unbooked(*, today: dt.date | None = None) -> int:
    """E-mail staff (PAYMENTS_NOTIFY_EMAILS) once about payments paid online and still not in the
    ledger PAYMENTS_UNBOOKED_WORKING_DAYS working days after the payment."""
    today = today or timezone.localdate()
    recipients = settings.PAYMENTS_NOTIFY_EMAILS
    overdue = [
        p
        for p in Payment.objects.filter(Payment.pending_booking_q(), staff_reminded_at__isnull=True).select_related(
            "unit"
        )
        if p.paid_at is not None
        and add_working_days(timezone.localdate(p.paid_at), settings.PAYMENTS_UNBOOKED_WORKING_DAYS) <= today
    ]
    if not overdue or not recipients:
        return 0
    with transaction.atomic():
        email_queue(
            to=recipients,
            template="payments_unbooked_staff",
            context={
                "payments": overdue,
                "days": settings.PAYMENTS_UNBOOKED_WORKING_DAYS,
                "admin_url": absolute_reverse("admin:payments_payment_changelist"),
            },
            dedup_key=f"payments-unbooked-{today.isoformat()}",
        )
        Payment.objects.filter(pk__in=[p.pk for p in overdue]).update(staff_reminded_at=timezone.now())
        for payment in overdue:
            audit_log(action="payment.staff_reminded", actor_label="system", obj=payment)
    return len(overdue)


__all__ = [
    "LedgerReconciliation",
    "PaymentRefused",
    "payment_book",
    "payment_check_amount",
    "payment_fee",
    "payment_receive_paid",
    "payment_receive_refusal",
    "payment_start",
    "payment_unbook",
    "payments_expire",
    "payments_reconcile_ledger",
    "payments_remind_unbooked",
    "to_grosze",
]
