"""Reads of the tenant's money pages: balances, the ledger with its running balance,
statements, invoices and documents. Every lookup by an id from a URL is scoped to
the user (404 for anyone without a grant, co-owners of other units included).

Each page costs a fixed number of queries whatever the length of the history:
sums are computed by the database, the running balance by a window function.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, NamedTuple, cast

from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import UnitGrant, User
from accounts.selectors import granted_units, units_for_user
from billing import ledger_cache
from billing.models import Document, DocumentRead, Invoice, InvoiceLine, LedgerEntry, Person, Unit
from portal import sql
from portal.formats import ZERO
from sync.models import DATA_AS_OF_SQL, LAST_IMPORT_SQL

# --- data as of -------------------------------------------------------------------------------


def data_as_of() -> dt.datetime | None:
    """B3: the back-office's ``as_of`` of the last imported bundle (None before the first)."""
    row = sql.fetch_one(f"SELECT {DATA_AS_OF_SQL}")
    return sql.as_datetime(row[0] if row else None)


def _as_of_column() -> str:
    """``data_as_of()`` as one more column of a page's own query (no query of its own)."""
    return DATA_AS_OF_SQL


# --- balances ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitSummary:
    """A unit with its balance (positive: owed), interest within it and the next due payment."""

    unit: Unit
    balance: Decimal
    interest: Decimal
    next_due_on: dt.date | None = None
    next_due_amount: Decimal | None = None
    as_of: dt.datetime | None = None  # the data is as of (``data_as_of()``)

    @property
    def state(self) -> str:
        """``due`` (do zapłaty), ``credit`` (nadpłata) or ``settled`` (rozliczone)."""
        if self.balance > 0:
            return "due"
        if self.balance < 0:
            return "credit"
        return "settled"

    @property
    def amount_due(self) -> Decimal:
        return self.balance if self.balance > 0 else ZERO

    @property
    def credit(self) -> Decimal:
        return -self.balance if self.balance < 0 else ZERO


# The sums of the given units' ledgers, one unit at a time (a lateral join over the ledger's unit
# index), with the sum of the charges due on each one's next due date. Per unit, not one GROUP BY
# over "unit_id IN (…)": the planner cannot tell how many units such a list names, and its
# estimate of the correlated sum per group once pushed the query's cost past PostgreSQL's JIT
# threshold (300 ms of compiling on every miss, seen by bench/scale.py's month-end load).
_SUMMARY_SUMS = (
    "SUM(l.amount) AS balance, SUM(CASE WHEN l.kind = 'interest' THEN l.amount END) AS interest, "
    "MIN(CASE WHEN l.due_on >= %s AND l.amount > 0 THEN l.due_on END) AS next_due_on "
    f"FROM {LedgerEntry._meta.db_table} l"
)
_SUMMARY_JOIN = {
    "postgresql": f"LEFT JOIN LATERAL (SELECT {_SUMMARY_SUMS} WHERE l.unit_id = u.external_id) s ON TRUE",
    # SQLite (the try-out's embedded database) has no LATERAL: the sums of every unit, joined.
    # Fine for the try-out's few units; production runs on PostgreSQL.
    "sqlite": f"LEFT JOIN (SELECT l.unit_id, {_SUMMARY_SUMS} GROUP BY l.unit_id) s ON s.unit_id = u.external_id",
}
_SUMMARY_SQL = (
    "SELECT u.external_id, s.balance, s.interest, s.next_due_on, CASE WHEN s.next_due_on IS NOT NULL THEN "  # noqa: S608
    f"(SELECT SUM(n.amount) FROM {LedgerEntry._meta.db_table} n "
    "WHERE n.unit_id = u.external_id AND n.amount > 0 AND n.due_on = s.next_due_on) END "
    f"FROM {Unit._meta.db_table} u {{join}} WHERE u.external_id IN ({{units}})"
)


def unit_summaries(user: User, *, today: dt.date | None = None) -> list[UnitSummary]:
    """Every unit the user may see today with its balance and next due payment.

    The next due payment is the earliest due date from today on among the charges, with
    the sum of the charges due that day. The units (through ``granted_units``' rule) in ONE
    query; their sums kept between imports (``billing.ledger_cache``), read for the units
    without them in one more."""
    today = today or timezone.localdate()
    found = granted_units(user, extra_columns=f"{_as_of_column()}, {LAST_IMPORT_SQL}", today=today)
    if not found:
        return []
    version = ledger_cache.ledger_version(found[0][1][1])
    units = [unit for unit, _columns in found]
    sums = ledger_cache.kept_many(
        {f"summary:{unit.pk}:{today.isoformat()}": unit for unit in units},
        version,
        lambda missing: _unit_sums(list(missing.values()), today),
    )
    summaries = []
    for unit, (as_of, _last_import) in found:
        balance, interest, next_due_on, next_due_amount = sums[f"summary:{unit.pk}:{today.isoformat()}"]
        summaries.append(
            UnitSummary(
                unit=unit,
                balance=balance,
                interest=interest,
                next_due_on=next_due_on,
                next_due_amount=next_due_amount,
                as_of=sql.as_datetime(as_of),
            )
        )
    return summaries


_UnitSums = tuple[Decimal, Decimal, dt.date | None, Decimal | None]  # balance, interest, next due on, its sum


def _unit_sums(units: list[Unit], today: dt.date) -> list[_UnitSums]:
    """Each unit's ledger sums, in the order of ``units``: ONE query."""
    rows = {
        unit_id: (balance, interest, next_due_on, next_due_amount)
        for unit_id, balance, interest, next_due_on, next_due_amount in sql.fetch_all(
            _SUMMARY_SQL.format(join=_SUMMARY_JOIN[connection.vendor], units=", ".join(["%s"] * len(units))),
            [today, *(u.external_id for u in units)],
        )
    }
    result: list[_UnitSums] = []
    for unit in units:
        balance, interest, next_due_on, next_due_amount = rows.get(unit.external_id, (None, None, None, None))
        due_on = sql.as_date(next_due_on)
        result.append(
            (sql.as_money(balance), sql.as_money(interest), due_on, sql.as_money(next_due_amount) if due_on else None)
        )
    return result


def units_ended(user: User, *, today: dt.date | None = None) -> list[UnitGrant]:
    """Grants that have ended (e.g. the legal title expired), newest first, for the no-unit page."""
    today = today or timezone.localdate()
    return list(
        UnitGrant.objects.filter(user=user, until__lt=today)
        .exclude(unit__in=units_for_user(user))
        .select_related("unit__building")
        .order_by("-until")[:5]
    )


# --- the ledger -------------------------------------------------------------------------------

# URL values of the kind filter (Polish, they show in the address bar) ↔ ledger kinds.
KIND_SLUGS = {
    "naliczenia": LedgerEntry.Kind.CHARGE,
    "wplaty": LedgerEntry.Kind.PAYMENT,
    "odsetki": LedgerEntry.Kind.INTEREST,
    "korekty": LedgerEntry.Kind.CORRECTION,
}


@dataclass(frozen=True)
class LedgerFilter:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    kinds: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return self.date_from is None and self.date_to is None and not self.kinds

    def sql(self, alias: str) -> tuple[str, list[Any]]:
        parts: list[str] = []
        params: list[Any] = []
        if self.date_from:
            parts.append(f"{alias}.booked_on >= %s")
            params.append(self.date_from)
        if self.date_to:
            parts.append(f"{alias}.booked_on <= %s")
            params.append(self.date_to)
        if self.kinds:
            parts.append(f"{alias}.kind IN ({', '.join(['%s'] * len(self.kinds))})")
            params.extend(self.kinds)
        return (" AND ".join(parts) or "1 = 1"), params


class LedgerRow(NamedTuple):
    """An entry of a ledger page (a tuple: a page builds dozens of them)."""

    id: int
    external_id: str
    booked_on: dt.date
    due_on: dt.date | None
    kind: str
    component: str
    description: str
    amount: Decimal
    balance: Decimal  # the unit's balance after this entry (all kinds, whatever the filter)
    payment_ref: str = ""  # the portal's online payment this entry books (*zapłacono online*)

    @property
    def kind_label(self) -> str:
        return str(LedgerEntry.Kind(self.kind).label)

    @property
    def charge(self) -> Decimal | None:
        return self.amount if self.amount > 0 else None

    @property
    def payment(self) -> Decimal | None:
        return -self.amount if self.amount < 0 else None


@dataclass(frozen=True)
class LedgerTotals:
    """Sums over the whole ledger and over the filtered part, from one aggregate query."""

    balance: Decimal
    interest: Decimal
    count: int  # entries matching the filter
    # The filtered part's sums (the page shows them for a filtered view only): None without a filter.
    charges: Decimal | None = None  # positive amounts matching the filter
    credits: Decimal | None = None  # negative amounts matching the filter, as a positive number
    interest_in_period: Decimal | None = None

    @property
    def state(self) -> str:
        return "due" if self.balance > 0 else "credit" if self.balance < 0 else "settled"

    @property
    def credit(self) -> Decimal:
        return -self.balance if self.balance < 0 else ZERO


# The ledger pages' SQL is written out: it runs on every view of a unit, and the ORM
# would spend longer composing it than the database spends running it.
_LEDGER = LedgerEntry._meta.db_table


def unit_with_totals(user: User, unit_id: int, flt: LedgerFilter) -> tuple[Unit, LedgerTotals, dt.datetime | None, str]:
    """The unit if the user has an active grant for it (404 for anyone else, as
    ``unit_for_user``), with its whole balance and the filtered part's count and sums, the time
    the data is as of and the ledger's version (``billing.ledger_cache``): the unit, "as of" and
    the version in ONE query; the sums in one pass over the unit's ledger, kept between imports
    for the unfiltered view (a filter's sums are read each time: filters are endless)."""
    found = granted_units(user, unit_id=unit_id, extra_columns=f"{_as_of_column()}, {LAST_IMPORT_SQL}")
    if not found:
        raise Http404
    unit, (as_of, last_import) = found[0]
    version = ledger_cache.ledger_version(last_import)
    if flt.is_empty:
        totals = ledger_cache.kept(f"totals:{unit.pk}", version, lambda: ledger_totals(unit, flt))
    else:
        totals = ledger_totals(unit, flt)
    return unit, totals, sql.as_datetime(as_of), version


def ledger_totals(unit: Unit, flt: LedgerFilter) -> LedgerTotals:
    """The unit's whole balance and interest, and the count (and, with a filter, the sums) of the
    entries matching ``flt``: ONE query, one pass over the unit's ledger."""
    cond, cond_params = flt.sql("l")
    # Without a filter the count is the whole ledger's and no period sums are shown: half the work.
    period = (
        ""
        if flt.is_empty
        else (
            f", SUM(CASE WHEN {cond} AND l.amount > 0 THEN l.amount END), "
            f"SUM(CASE WHEN {cond} AND l.amount < 0 THEN l.amount END), "
            f"SUM(CASE WHEN {cond} AND l.kind = 'interest' THEN l.amount END)"
        )
    )
    count = "COUNT(*)" if flt.is_empty else f"COUNT(CASE WHEN {cond} THEN 1 END)"
    row = sql.fetch_one(
        f"SELECT SUM(l.amount), SUM(CASE WHEN l.kind = 'interest' THEN l.amount END), {count}{period} "  # noqa: S608
        f"FROM {_LEDGER} l WHERE l.unit_id = %s",
        [*cond_params * 4, unit.external_id],
    )
    balance, interest, n, *period_sums = row or (None, None, 0)
    totals = LedgerTotals(balance=sql.as_money(balance), interest=sql.as_money(interest), count=n or 0)
    if period_sums:
        charges, credits, interest_in_period = period_sums
        totals = replace(
            totals,
            charges=sql.as_money(charges),
            credits=-sql.as_money(credits),
            interest_in_period=sql.as_money(interest_in_period),
        )
    return totals


_ROW_COLUMNS = ("id", "external_id", "booked_on", "due_on", "kind", "component", "description", "amount", "payment_ref")
# The unit's whole ledger, newest first, each entry with the sum of the entries booked after
# it: a window over ALL its entries, so that the filters and pages applied outside it never
# change the balances. The balance after an entry is the unit's balance less that sum
# (the running balance counted from the newest end): scanning the ledger backwards, the
# database stops after the entries of the page instead of summing ten years for each view.
_NEWER_SQL = (
    f"SELECT {', '.join(_ROW_COLUMNS)}, SUM(amount) OVER (ORDER BY booked_on DESC, external_id DESC "  # noqa: S608
    f"ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS newer FROM {_LEDGER} WHERE unit_id = %s"
)


def ledger_rows(
    unit: Unit,
    flt: LedgerFilter,
    *,
    offset: int,
    limit: int,
    newest_first: bool = True,
    balance: Decimal | None = None,
) -> list[LedgerRow]:
    """One page of the filtered ledger with the balance after each entry: ONE query.
    ``balance`` is the unit's whole balance when the caller has it (``unit_with_totals``);
    otherwise the query sums it too."""
    where, params = flt.sql("l")
    direction = "DESC" if newest_first else "ASC"
    total = "NULL" if balance is not None else f"(SELECT SUM(t.amount) FROM {_LEDGER} t WHERE t.unit_id = %s)"  # noqa: S608
    query = (
        f"SELECT {', '.join('l.' + c for c in _ROW_COLUMNS)}, l.newer, {total} FROM ({_NEWER_SQL}) l "  # noqa: S608
        f"WHERE {where} ORDER BY l.booked_on {direction}, l.external_id {direction} LIMIT %s OFFSET %s"
    )
    total_params = [unit.external_id] if balance is None else []
    rows = sql.fetch_all(query, [*total_params, unit.external_id, *params, limit, offset])
    if balance is None:
        balance = sql.as_money(rows[0][10]) if rows else ZERO
    return [_row(r, balance) for r in rows]


def _row(r: Sequence[Any], balance: Decimal) -> LedgerRow:
    # Positionally: a page builds dozens of rows. SQLite hands dates back as text in raw queries.
    return LedgerRow(
        r[0],
        r[1],
        cast(dt.date, sql.as_date(r[2])),  # booked_on is NOT NULL
        sql.as_date(r[3]),
        r[4],
        r[5],
        r[6],
        sql.as_money(r[7]),
        balance - sql.as_money(r[9]),
        r[8],
    )


class _LazyPage(Sequence[Any]):
    """A page's rows, read on first use: a page whose rendering is kept in the cache
    (``billing.ledger_cache``) costs no query."""

    def __init__(self, load: Callable[[], list[Any]]) -> None:
        self._load: Callable[[], list[Any]] | None = load
        self._rows: list[Any] = []

    def _loaded(self) -> list[Any]:
        if self._load is not None:
            self._rows, self._load = self._load(), None
        return self._rows

    def __len__(self) -> int:
        return len(self._loaded())

    def __getitem__(self, index: Any) -> Any:
        return self._loaded()[index]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._loaded())


class _PageSource:
    """What Django's Paginator needs (``count()`` and slicing): one query a page, ``_page()``,
    run when the page's rows are first used."""

    def __init__(self, count: int) -> None:
        self._count = count

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, key: slice) -> Sequence[Any]:
        if not isinstance(key, slice):
            raise TypeError("pages are sliced")
        start, stop = key.start or 0, key.stop if key.stop is not None else self._count
        if stop <= start:
            return []
        return _LazyPage(lambda: self._page(start, stop - start))

    def _page(self, offset: int, limit: int) -> list[Any]:
        raise NotImplementedError


class LedgerPageSource(_PageSource):
    """The filtered ledger of a unit, page by page (see ``ledger_rows``)."""

    def __init__(self, unit: Unit, flt: LedgerFilter, totals: LedgerTotals) -> None:
        super().__init__(totals.count)
        self.unit, self.flt, self.balance = unit, flt, totals.balance

    def _page(self, offset: int, limit: int) -> list[LedgerRow]:
        return ledger_rows(self.unit, self.flt, balance=self.balance, offset=offset, limit=limit)


# --- statements -------------------------------------------------------------------------------


@dataclass
class Statement:
    """A unit's ledger for a period (B7): opening balance, entries with running balance, closing."""

    unit: Unit
    date_from: dt.date | None
    date_to: dt.date
    opening: Decimal
    rows: list[LedgerRow]
    closing: Decimal
    totals: dict[str, Decimal] = field(default_factory=dict)  # per kind, in the period

    @property
    def closing_abs(self) -> Decimal:
        return abs(self.closing)

    @property
    def charges(self) -> Decimal:
        return sum((r.amount for r in self.rows if r.amount > 0), ZERO)

    @property
    def credits(self) -> Decimal:
        return -sum((r.amount for r in self.rows if r.amount < 0), ZERO)


def statement(unit: Unit, *, date_from: dt.date | None, date_to: dt.date) -> Statement:
    """The statement of ``unit`` from ``date_from`` (None: from the first entry) to ``date_to``."""
    flt = LedgerFilter(date_from=date_from, date_to=date_to)
    balance, opening = sql.fetch_one(
        f"SELECT SUM(l.amount), SUM(CASE WHEN l.booked_on < %s THEN l.amount END) "  # noqa: S608 - constant SQL
        f"FROM {_LEDGER} l WHERE l.unit_id = %s",
        [date_from or dt.date.min, unit.external_id],
    ) or (None, None)
    balance, opening = sql.as_money(balance), sql.as_money(opening)
    rows = ledger_rows(unit, flt, balance=balance, offset=0, limit=1_000_000, newest_first=False)
    totals: dict[str, Decimal] = dict.fromkeys(LedgerEntry.Kind.values, ZERO)
    for row in rows:
        totals[row.kind] += row.amount
    closing = rows[-1].balance if rows else opening
    return Statement(
        unit=unit, date_from=date_from, date_to=date_to, opening=opening, rows=rows, closing=closing, totals=totals
    )


# --- invoices ---------------------------------------------------------------------------------


def _outstanding(gross: Decimal, balance: Any, newer_gross: Any) -> Decimal:
    """What is still to pay on an invoice (see ``invoices_of_unit``)."""
    left = sql.as_money(balance) - sql.as_money(newer_gross)
    if gross <= 0 or left <= 0:
        return ZERO
    return min(gross, left)


class InvoiceRow(NamedTuple):
    """An invoice of the list page: what its row shows (a tuple: a page builds twenty)."""

    id: int
    number: str
    issued_on: dt.date
    due_on: dt.date | None
    gross: Decimal
    outstanding: Decimal  # what is still to pay (see ``invoices_of_unit``)

    @property
    def pk(self) -> int:
        return self.id


def invoices_of_unit(unit: Unit, *, offset: int, limit: int) -> list[InvoiceRow]:
    """A page of the unit's invoices, newest first, each with ``outstanding`` (what is still
    to pay): ONE query.

    The back-office sends no matching of payments to invoices; payments settle the
    oldest debts first (art. 451 of the Civil Code), so what the unit owes belongs to
    its newest invoices: each invoice takes what the newer ones leave of the balance,
    up to its gross amount. The newer invoices' total is a window over ALL the unit's
    invoices (computed before the page is cut out), the balance an uncorrelated subquery
    (computed once). Written as SQL, as the ledger's queries are.
    """
    query = (
        "SELECT i.id, i.number, i.issued_on, i.due_on, i.gross, "  # noqa: S608 - constant SQL
        f"(SELECT SUM(l.amount) FROM {_LEDGER} l WHERE l.unit_id = %s), "
        "SUM(CASE WHEN i.gross > 0 THEN i.gross ELSE 0 END) OVER (ORDER BY i.issued_on DESC, i.id DESC "
        "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) "
        f"FROM {Invoice._meta.db_table} i WHERE i.unit_id = %s "
        "ORDER BY i.issued_on DESC, i.id DESC LIMIT %s OFFSET %s"
    )
    return [
        InvoiceRow(
            id=pk,
            number=number,
            issued_on=cast(dt.date, sql.as_date(issued_on)),  # NOT NULL
            due_on=sql.as_date(due_on),
            gross=sql.as_money(gross),
            outstanding=_outstanding(sql.as_money(gross), balance, newer_gross),
        )
        for pk, number, issued_on, due_on, gross, balance, newer_gross in sql.fetch_all(
            query, [unit.external_id, unit.external_id, limit, offset]
        )
    ]


class InvoicePageSource(_PageSource):
    """The unit's invoices, page by page (see ``invoices_of_unit``), for ``unit_with_invoices``."""

    def __init__(self, unit: Unit, count: int) -> None:
        super().__init__(count)
        self.unit = unit

    def _page(self, offset: int, limit: int) -> list[InvoiceRow]:
        return invoices_of_unit(self.unit, offset=offset, limit=limit)


def unit_with_invoices(user: User, unit_id: int) -> tuple[Unit, InvoicePageSource, dt.datetime | None, str]:
    """The unit if the user has an active grant for it (404 for anyone else, as
    ``unit_for_user``), its invoices for a paginator (read when used), the time the data is as
    of and its version (``billing.ledger_cache``); the unit, the number of its invoices, the time
    and the version in ONE query."""
    count = f"(SELECT COUNT(*) FROM {Invoice._meta.db_table} i WHERE i.unit_id = u.external_id)"  # noqa: S608
    found = granted_units(user, unit_id=unit_id, extra_columns=f"{count}, {_as_of_column()}, {LAST_IMPORT_SQL}")
    if not found:
        raise Http404
    unit, (n, as_of, last_import) = found[0]
    return unit, InvoicePageSource(unit, n), sql.as_datetime(as_of), ledger_cache.ledger_version(last_import)


# What is still to pay on the invoice ``i`` (see ``_outstanding``) and the time the data is as of,
# as three more columns of an invoice's own query.
_OUTSTANDING_COLUMNS = (
    f"(SELECT SUM(l.amount) FROM {_LEDGER} l WHERE l.unit_id = i.unit_id), "  # noqa: S608 - constant SQL
    f"(SELECT SUM(n.gross) FROM {Invoice._meta.db_table} n WHERE n.unit_id = i.unit_id AND n.gross > 0 "
    "AND (n.issued_on > i.issued_on OR (n.issued_on = i.issued_on AND n.id > i.id)))"
)


def invoice_for_unit(unit: Unit, invoice_id: int) -> Invoice:
    """An invoice of a unit the caller fetched through ``unit_for_user`` (404 otherwise),
    with its buyer, ``outstanding`` and ``data_as_of``: ONE query.
    ``outstanding`` as in ``invoices_of_unit``: what the newer invoices leave of the balance."""
    table = Invoice._meta.db_table
    row = sql.fetch_one(
        f"SELECT {sql.columns(Invoice, 'i')}, {sql.columns(Person, 'p')}, {_OUTSTANDING_COLUMNS}, {_as_of_column()} "  # noqa: S608
        f"FROM {table} i INNER JOIN {Person._meta.db_table} p ON p.external_id = i.buyer_id "
        "WHERE i.id = %s AND i.unit_id = %s",
        [invoice_id, unit.external_id],
    )
    if row is None:
        raise Http404
    n_invoice, n_person = sql.width(Invoice), sql.width(Person)
    invoice = sql.instance(Invoice, row[:n_invoice])
    invoice.buyer = sql.instance(Person, row[n_invoice : n_invoice + n_person])
    invoice.unit = unit  # already fetched, with its building
    invoice.outstanding = _outstanding(invoice.gross, row[-3], row[-2])
    invoice.data_as_of = sql.as_datetime(row[-1])
    return invoice


def invoice_add_outstanding(invoice: Invoice) -> Invoice:
    """Give an invoice fetched any other way (the e-mail of a new invoice) ``outstanding`` and
    ``data_as_of`` as ``invoice_for_unit`` does: ONE query."""
    balance, newer_gross, as_of = sql.fetch_one(
        f"SELECT {_OUTSTANDING_COLUMNS}, {_as_of_column()} FROM {Invoice._meta.db_table} i WHERE i.id = %s",  # noqa: S608
        [invoice.pk],
    ) or (None, None, None)
    invoice.outstanding = _outstanding(invoice.gross, balance, newer_gross)
    invoice.data_as_of = sql.as_datetime(as_of)
    return invoice


def invoice_settled_as_of(invoice: Invoice) -> dt.date | None:
    """The day a settled invoice is said to be settled as of (*Rozliczona — stan na …*): the
    day of the data the portal holds (the last import; today before the first), or None while
    something is left to pay on it. An invoice for nothing or a correcting one (gross ≤ 0) is
    never "settled": nothing was to be paid on it. Needs ``outstanding`` and ``data_as_of``."""
    if invoice.gross <= 0 or invoice.outstanding > 0:
        return None
    as_of = invoice.data_as_of
    return timezone.localdate(as_of) if as_of is not None else timezone.localdate()


def invoice_lines(invoice: Invoice) -> list[InvoiceLine]:
    """The invoice's lines in order (its page and its PDF; the stored PDF's check needs them)."""
    rows = sql.fetch_all(
        f"SELECT {sql.columns(InvoiceLine, 'l')} FROM {InvoiceLine._meta.db_table} l "  # noqa: S608 - constant SQL
        "WHERE l.invoice_id = %s ORDER BY l.line_no",
        [invoice.external_id],
    )
    return [sql.instance(InvoiceLine, row) for row in rows]


# --- documents (e-correspondence) ---------------------------------------------------------------


def documents_for_user(user: User) -> QuerySet[Document]:
    """Letters and notices addressed to the user's person in the back-office (B5)."""
    if not user.is_authenticated or user.person_id is None:
        return Document.objects.none()
    return Document.objects.filter(person__accounts=user).order_by("-issued_on", "-id")


def documents_listed_for_user(user: User) -> QuerySet[Document]:
    """The correspondence list: ``documents_for_user`` with the unit each letter concerns
    (``unit`` None: all the person's units) and ``is_read`` (the user opened it)."""
    read = DocumentRead.objects.filter(user_id=user.pk, document_id=OuterRef("external_id"))
    return documents_for_user(user).select_related("unit__building").annotate(is_read=Exists(read))


def document_for_user(user: User, document_id: int) -> Document:
    """A document addressed to the user's person; 404 for anyone else (a co-owner included)."""
    document = documents_for_user(user).filter(pk=document_id).first()
    if document is None:
        raise Http404
    return document
