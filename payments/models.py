"""Online payments (B8): one row per attempt to pay a unit's balance or an invoice through
the gateway, and the local simulator's own transactions."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.models import Invoice, Unit

# The portal's payment ids (EXCHANGE_FORMAT.md: payments.csv ``payment_id``, ledger.csv
# ``payment_ref``) start with this; sync.kinds' ``payref`` kind accepts only such ids.
PAYMENT_ID_PREFIX = "PAY-"
# The gateway a payment went through, as payments.csv names it (PAYMENTS_GATEWAY → column ``gateway``).
GATEWAY_NAMES = {"p24-production": "przelewy24", "p24-sandbox": "przelewy24-sandbox", "simulator": "symulator"}


def to_grosze(amount: Decimal) -> int:
    """An amount in złoty (Decimal with at most two decimal places) as integer grosze."""
    grosze = amount * 100
    if grosze != grosze.to_integral_value():
        raise ValueError(f"{amount} has more than two decimal places")
    return int(grosze)


def issue_payment_id() -> str:
    """A fresh payment id: ``PAY-`` + date + 48 random bits (the unique constraint guards the
    rest). Random rather than the row's key: a database restored from a backup reissues keys,
    and the back-office must never book one tenant's payment for another."""
    return f"{PAYMENT_ID_PREFIX}{timezone.localdate():%Y%m%d}-{secrets.token_hex(6).upper()}"


class Payment(models.Model):
    """created → waiting → paid / rejected / abandoned; a paid payment is booked when the
    back-office's ledger shows it (``payment_book``)."""

    class State(models.TextChoices):
        CREATED = "created", _("rozpoczęta")
        WAITING = "waiting", _("oczekuje na wpłatę")
        PAID = "paid", _("zapłacona")
        REJECTED = "rejected", _("odrzucona")
        ABANDONED = "abandoned", _("porzucona")

    OPEN_STATES = (State.CREATED, State.WAITING)

    unit = models.ForeignKey(Unit, verbose_name=_("lokal"), on_delete=models.PROTECT, related_name="payments")
    # The back-office owns invoices: a delta may delete one a payment names, and a first load
    # builds the invoice table aside and swaps it in (sync/db.py Shadow); a database constraint
    # would refuse both. The payment keeps the invoice's number for its own history; the id is
    # only compared (a waiting payment per invoice), never followed to a missing row.
    invoice = models.ForeignKey(
        Invoice,
        verbose_name=_("faktura"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="payments",
    )
    invoice_number = models.CharField(_("numer faktury"), max_length=64, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("płacący"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="payments",
    )
    amount = models.DecimalField(_("kwota wpłaty"), max_digits=12, decimal_places=2)
    fee = models.DecimalField(_("opłata za płatność"), max_digits=12, decimal_places=2, default=Decimal("0.00"))
    currency = models.CharField(_("waluta"), max_length=3, default="PLN")
    state = models.CharField(_("stan"), max_length=16, choices=State.choices, default=State.CREATED)
    gateway = models.CharField(_("bramka"), max_length=32)
    # One id on all three sides: the gateway's sessionId of a new payment is this id too, and
    # the back-office books it under it (payments.csv, ledger.csv ``payment_ref``).
    payment_id = models.CharField(
        _("identyfikator płatności"), max_length=64, unique=True, default=issue_payment_id, editable=False
    )
    session_id = models.CharField(_("identyfikator sesji"), max_length=64, unique=True)
    token = models.CharField(_("token bramki"), max_length=100, blank=True)
    order_id = models.BigIntegerField(_("numer transakcji w bramce"), null=True, blank=True)
    statement = models.CharField(_("tytuł w bramce"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("rozpoczęto"), auto_now_add=True)
    expires_at = models.DateTimeField(_("limit czasu bramki"), null=True, blank=True)
    paid_at = models.DateTimeField(_("zapłacono"), null=True, blank=True)
    closed_at = models.DateTimeField(_("odrzucono / porzucono"), null=True, blank=True)
    booked_at = models.DateTimeField(_("zaksięgowano"), null=True, blank=True)
    ledger_entry = models.CharField(_("zapis w kartotece (id)"), max_length=64, blank=True)
    staff_reminded_at = models.DateTimeField(_("przypomnienie dla biura"), null=True, blank=True)

    class Meta:
        verbose_name = _("płatność online")
        verbose_name_plural = _("płatności online")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["unit", "-created_at"], name="payment_unit_created")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(condition=Q(fee__gte=0), name="payment_fee_not_negative"),
            # Race: two clicks on "Zapłać" (two tabs, a double click) for the same invoice, or
            # for the same unit's balance, must not open two charges; the second one resumes.
            models.UniqueConstraint(
                fields=["invoice"],
                condition=Q(state__in=["created", "waiting"], invoice__isnull=False),
                name="payment_one_open_per_invoice",
            ),
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(state__in=["created", "waiting"], invoice__isnull=True),
                name="payment_one_open_balance_per_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_id} ({self.get_state_display()})"

    # A paid payment not yet booked from an imported ledger row (*wpłata w trakcie
    # księgowania*): the unit page shows it, payments.csv carries it, staff are reminded of
    # it. Declared once here and rendered for the ORM, SQL and a loaded row;
    # tests/payments/test_unfinished_rule.py checks the renderings agree.
    @classmethod
    def pending_booking_q(cls) -> Q:
        return Q(state=cls.State.PAID, booked_at__isnull=True)

    @classmethod
    def pending_booking_sql(cls, alias: str) -> str:
        """The rule as an SQL condition on the row ``alias``, with no parameters."""
        return f"{alias}.state = '{cls.State.PAID.value}' AND {alias}.booked_at IS NULL"

    @classmethod
    def unfinished_sql(cls, alias: str) -> str:
        """Pending booking, or started and not finished (``OPEN_STATES``), as SQL."""
        states = ", ".join(f"'{state.value}'" for state in cls.OPEN_STATES)
        return f"(({cls.pending_booking_sql(alias)}) OR {alias}.state IN ({states}))"

    @property
    def total(self) -> Decimal:
        """What the gateway charges: the amount and the fee passed on, if any."""
        return self.amount + self.fee

    @property
    def total_grosze(self) -> int:
        return to_grosze(self.total)

    @property
    def is_pending_booking(self) -> bool:
        return self.state == self.State.PAID and self.booked_at is None

    @property
    def is_unfinished(self) -> bool:
        return self.is_pending_booking or self.state in self.OPEN_STATES


class SimulatedTransaction(models.Model):
    """A transaction registered with the local gateway simulator (PAYMENTS_GATEWAY=simulator)."""

    class Outcome(models.TextChoices):
        OPEN = "open", "open"
        PAID = "paid", "paid"
        REFUSED = "refused", "refused"
        ABANDONED = "abandoned", "abandoned"

    token = models.CharField(max_length=100, unique=True)
    session_id = models.CharField(max_length=100)
    merchant_id = models.IntegerField()
    pos_id = models.IntegerField()
    amount = models.IntegerField()
    currency = models.CharField(max_length=3)
    description = models.CharField(max_length=1024)
    email = models.CharField(max_length=254)
    url_return = models.CharField(max_length=1000)
    url_status = models.CharField(max_length=1000)
    url_refusal = models.CharField(max_length=1000, blank=True)
    time_limit = models.IntegerField(default=15)
    order_id = models.BigIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.OPEN)
    verified = models.BooleanField(default=False)
    notifications_sent = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.token
