"""Checks across rows and files, set-wise in SQL over the staging tables ``b_<file>``.

Row-level rules (formats, checksums, enums) are checked by the reader; here:
duplicate ids, references (inside the bundle, or for a delta also to what the
portal holds and the delta does not delete), invoice totals, deletions that
clash, and readings whose id the portal issued.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence, Set

from django.utils.translation import gettext as _

from billing.models import Invoice, InvoiceLine, Person, Unit
from meters.models import PORTAL_READING_PREFIX, Meter, Reading
from sync.db import Database, Target
from sync.problems import Problem, bundle_amount
from sync.reader import ROW_RULES
from sync.schema import DELETABLE, FILES, KEY_OF

LOOSE_FROM = 50_000  # rows of a table loaded straight (fast mode) from which references are checked per value

# What a delta may refer to in the portal's tables: (table, key column, "kept" condition).
# A row is kept unless the delta deletes it, or deletes the unit it hangs on
# (and does not carry the row itself, with a new unit).
DELETED_UNITS = "SELECT d.id FROM b_deletions d WHERE d.entity = 'units' AND d.id IS NOT NULL"
INVOICE, INVOICE_LINE, READING = Invoice._meta.db_table, InvoiceLine._meta.db_table, Reading._meta.db_table
HELD = {
    "units": (Unit._meta.db_table, "external_id", "t.withdrawn_at IS NULL"),
    "persons": (Person._meta.db_table, "external_id", "t.withdrawn_at IS NULL"),
    "meters": (Meter._meta.db_table, "external_id", f"t.withdrawn_at IS NULL AND t.unit_id NOT IN ({DELETED_UNITS})"),
    "invoices": (INVOICE, "external_id", f"t.unit_id NOT IN ({DELETED_UNITS})"),
}


def run_checks(
    db: Database,
    *,
    full: bool,
    rows: Mapping[str, int],
    fast: bool = False,
    direct: Mapping[str, Target] | None = None,
    unique: Set[str] = frozenset(),
) -> list[Problem]:
    """Every problem across rows. ``rows``: the rows of each file, as the reader counted
    them (files without rows need no check). ``fast``: any problem found sends the import
    through staging tables by the rows path, which name every problem with its line; rows
    may lack their lines. Files in ``direct`` were loaded straight into a table whose
    unique index already refused any duplicate id, as did those in ``unique``."""
    direct = direct or {}
    problems: list[Problem] = []
    for stem, rule in ROW_RULES.items() if fast else ():
        if (
            rule.sql
            and rows.get(stem)
            and db.scalar(f"SELECT EXISTS (SELECT 1 FROM b_{stem} WHERE {rule.sql})") in (True, 1)
        ):
            problems.append(Problem(FILES[stem].filename, None, "", "", "row_check", ""))
    problems += _duplicates(db, rows=rows, skip=frozenset(direct) | frozenset(unique), fast=fast)
    problems += _references(db, full=full, rows=rows, direct=direct)
    if not full and rows.get("deletions"):
        problems += _deletions(db, rows=rows)
    if rows.get("invoices") or rows.get("invoice_lines"):
        problems += _invoice_totals(db, full=full)
    if rows.get("readings"):
        problems += _portal_readings(db)
    return problems


def _duplicates(db: Database, *, rows: Mapping[str, int], skip: frozenset[str], fast: bool) -> list[Problem]:
    found = []
    for stem, spec in FILES.items():
        if not spec.key or stem in skip or not rows.get(stem):
            continue
        key = ", ".join(spec.key)
        if fast:  # rows without their lines: whether there is a duplicate is all that counts
            sql = f"SELECT CAST(NULL AS integer), {key}, NULL FROM b_{stem} GROUP BY {key} HAVING COUNT(*) > 1 LIMIT 1"
            found += [Problem(spec.filename, None, "+".join(spec.key), "", "duplicate_id", "") for _ in db.rows(sql)]
            continue
        match = " AND ".join(f"s.{k} = f.{k}" for k in spec.key)
        sql = (
            f"SELECT s._line, {', '.join('s.' + k for k in spec.key)}, f.first_line "
            f"FROM b_{stem} s JOIN (SELECT {key}, MIN(_line) AS first_line FROM b_{stem} "
            f"WHERE {' AND '.join(k + ' IS NOT NULL' for k in spec.key)} "
            f"GROUP BY {key} HAVING COUNT(*) > 1) f ON {match} "
            "WHERE s._line > f.first_line ORDER BY s._line"
        )
        for row in db.rows(sql):
            line, values, first = row[0], row[1:-1], row[-1]
            found.append(
                Problem(
                    spec.filename,
                    line,
                    "+".join(spec.key),
                    "/".join(str(v) for v in values),
                    "duplicate_id",
                    _("Powtórzony identyfikator (pierwszy raz w wierszu %(line)s).") % {"line": first},
                )
            )
    return found


def _available_keys(db: Database, parent: str, *, full: bool, referring: list[tuple[str, str]]) -> str:
    """A set ``a_<parent>`` of the ids a reference to ``parent`` may name: the bundle's rows,
    and for a delta also the rows the portal keeps (not withdrawn, not deleted by this
    delta, not hanging on a unit it deletes). For a delta, only the ids its rows name
    (``referring``: file, column), each looked up in the portal's table by its index:
    the work follows the delta's size, not the portal's."""
    name = f"a_{parent}"
    key = KEY_OF[parent]
    db.create_temp_keys(name)
    if full:
        db.add_keys(name, f"SELECT {key} FROM b_{parent}")
        return name
    table, column, kept = HELD[parent]
    named = " UNION ".join(f"SELECT {c} AS v FROM b_{stem}" for stem, c in referring)
    db.add_keys(
        name,
        f"WITH n AS ({named}) SELECT n.v FROM n WHERE n.v IN (SELECT p.{key} FROM b_{parent} p) "
        f"UNION SELECT t.{column} FROM {table} t JOIN n ON t.{column} = n.v WHERE {kept} "
        f"AND t.{column} NOT IN (SELECT d.id FROM b_deletions d WHERE d.entity = '{parent}' AND d.id IS NOT NULL)",
    )
    return name


def _references(db: Database, *, full: bool, rows: Mapping[str, int], direct: Mapping[str, Target]) -> list[Problem]:
    found = []
    available: dict[str, str] = {}
    referring: dict[str, list[tuple[str, str]]] = {}
    for stem, spec in FILES.items():
        for ref in spec.refs if rows.get(stem) else ():
            referring.setdefault(ref.parent, []).append((stem, ref.column))
    for stem, spec in FILES.items():
        if not spec.refs or not rows.get(stem):
            continue
        for ref in spec.refs:
            if ref.parent not in available:
                available[ref.parent] = _available_keys(db, ref.parent, full=full, referring=referring[ref.parent])
            value = f"s.{ref.column}"
            sql = (
                f"SELECT s._line, {value} FROM b_{stem} s WHERE {value} IS NOT NULL "
                f"AND NOT EXISTS (SELECT 1 FROM {available[ref.parent]} a WHERE a.k = {value}) ORDER BY s._line"
            )
            target = direct.get(stem)
            if (
                target is not None
                and rows[stem] >= LOOSE_FROM
                and db.leading_index(target.table, target.columns[ref.column])
            ):
                # Fast mode, a big table: its distinct values, one index probe each, instead
                # of a pass over every row (the first unknown one is enough: see run_checks).
                column, table = target.columns[ref.column], target.table
                sql = (
                    f"WITH RECURSIVE d(v) AS ((SELECT {column} FROM {table} ORDER BY {column} LIMIT 1) UNION ALL "
                    f"SELECT (SELECT t.{column} FROM {table} t WHERE t.{column} > d.v ORDER BY t.{column} LIMIT 1) "
                    "FROM d WHERE d.v IS NOT NULL) "
                    f"SELECT CAST(NULL AS integer), d.v FROM d WHERE d.v IS NOT NULL "
                    f"AND NOT EXISTS (SELECT 1 FROM {available[ref.parent]} a WHERE a.k = d.v) LIMIT 1"
                )
            where = _("w pakiecie") if full else _("w pakiecie ani w portalu (albo ten pakiet go usuwa)")
            for line, missing in db.rows(sql):
                found.append(
                    Problem(
                        spec.filename,
                        line,
                        ref.column,
                        missing,
                        "unknown_reference",
                        _("Nieznany %(what)s: nie ma go %(where)s (%(file)s).")
                        % {"what": ref.noun, "where": where, "file": FILES[ref.parent].filename},
                    )
                )
    return found


def _deletions(db: Database, *, rows: Mapping[str, int]) -> list[Problem]:
    found = []
    named = {row[0] for row in db.rows("SELECT DISTINCT entity FROM b_deletions")}
    for entity in DELETABLE:
        if entity not in named or not rows.get(entity):
            continue
        key = KEY_OF[entity]
        sql = (
            f"SELECT d._line, d.id, s._line FROM b_deletions d JOIN b_{entity} s ON s.{key} = d.id "
            f"WHERE d.entity = '{entity}' ORDER BY d._line"
        )
        for line, value, other in db.rows(sql):
            found.append(
                Problem(
                    "deletions.csv",
                    line,
                    "id",
                    value,
                    "delete_and_write",
                    _(
                        "Ten sam identyfikator jest w %(file)s (wiersz %(line)s): nie można go jednocześnie "
                        "zapisać i usunąć."
                    )
                    % {"file": f"{entity}.csv", "line": other},
                )
            )
    if "persons" not in named:
        return found
    # A person stays the buyer of invoices the delta keeps (on_delete=PROTECT).
    sql = f"""
        SELECT d._line, d.id, MIN(i.external_id) FROM b_deletions d
        JOIN {INVOICE} i ON i.buyer_id = d.id
        WHERE d.entity = 'persons'
          AND NOT EXISTS (SELECT 1 FROM b_invoices bi WHERE bi.invoice_id = i.external_id)
          AND NOT EXISTS (SELECT 1 FROM b_deletions x WHERE x.entity = 'invoices' AND x.id = i.external_id)
          AND NOT EXISTS (SELECT 1 FROM b_deletions x WHERE x.entity = 'units' AND x.id = i.unit_id)
        GROUP BY d._line, d.id ORDER BY d._line
    """
    for line, value, invoice in db.rows(sql):
        found.append(
            Problem(
                "deletions.csv",
                line,
                "id",
                value,
                "person_is_buyer",
                _("Osoby nie można usunąć: jest nabywcą faktury %(invoice)s, która zostaje w portalu.")
                % {"invoice": invoice},
            )
        )
    return found


def _invoice_totals(db: Database, *, full: bool) -> list[Problem]:
    found = []
    c = db.cents
    lines_in_bundle = (
        f"SELECT invoice_id, SUM({c('net')}) AS net, SUM({c('vat')}) AS vat, SUM({c('gross')}) AS gross, "
        "MIN(_line) AS first_line FROM b_invoice_lines GROUP BY invoice_id"
    )
    if full:
        lines_held = "SELECT CAST(NULL AS text) AS invoice_id, 0 AS net, 0 AS vat, 0 AS gross WHERE 1 = 0"
    else:
        lines_held = (
            f"SELECT invoice_id, SUM({c('net')}) AS net, SUM({c('vat')}) AS vat, SUM({c('gross')}) AS gross "
            f"FROM {INVOICE_LINE} WHERE invoice_id IN (SELECT invoice_id FROM b_invoices) GROUP BY invoice_id"
        )
    sql = f"""
        SELECT i._line, i.invoice_id, {c("i.net")}, {c("i.vat")}, {c("i.gross")},
               COALESCE(bl.net, hl.net, 0), COALESCE(bl.vat, hl.vat, 0), COALESCE(bl.gross, hl.gross, 0)
        FROM b_invoices i
        LEFT JOIN ({lines_in_bundle}) bl ON bl.invoice_id = i.invoice_id
        LEFT JOIN ({lines_held}) hl ON hl.invoice_id = i.invoice_id
        ORDER BY i._line
    """
    queries = [("invoices.csv", sql)]
    if not full:
        # Lines of an invoice the delta does not carry: they must add up to the invoice held.
        queries.append(
            (
                "invoice_lines.csv",
                f"""
                SELECT bl.first_line, bl.invoice_id, {c("h.net")}, {c("h.vat")}, {c("h.gross")},
                       bl.net, bl.vat, bl.gross
                FROM ({lines_in_bundle}) bl JOIN {INVOICE} h ON h.external_id = bl.invoice_id
                WHERE NOT EXISTS (SELECT 1 FROM b_invoices i WHERE i.invoice_id = bl.invoice_id)
                ORDER BY bl.first_line
                """,
            )
        )
    # Both queries give: line, invoice, the invoice's net, VAT, gross, then its lines' sums.
    for file, query in queries:
        for line, invoice, net, vat, gross, lnet, lvat, lgross in db.rows(query):
            for column, total, lines in _amounts_apart((net, vat, gross), (lnet, lvat, lgross)):
                found.append(_invoice_total_problem(file, line, invoice, column, total=total, lines=lines))
    return found


def _invoice_total_problem(file: str, line: int, invoice: str, column: str, *, total: int, lines: int) -> Problem:
    """The problem reported on the side the bundle carries: the invoice's row, or, when only its
    lines came (a delta), the first of them, compared with the invoice the portal holds."""
    if file == "invoices.csv":
        return Problem(
            file,
            line,
            column,
            bundle_amount(total),
            "invoice_totals",
            _("Kwota faktury różna od sumy jej pozycji (%(sum)s).") % {"sum": bundle_amount(lines)},
        )
    return Problem(
        file,
        line,
        column,
        bundle_amount(lines),
        "invoice_totals",
        _("Suma pozycji różna od kwoty faktury %(invoice)s w portalu (%(total)s).")
        % {"invoice": invoice, "total": bundle_amount(total)},
    )


def _amounts_apart(totals: Sequence[int], sums: Sequence[int]) -> Iterator[tuple[str, int, int]]:
    """(column, invoice amount, sum of its lines) for each of net, VAT and gross that differ."""
    for column, total, lines in zip(("net", "vat", "gross"), totals, sums, strict=True):
        if int(total) != int(lines):
            yield column, int(total), int(lines)


def _portal_readings(db: Database) -> list[Problem]:
    """Rule 5: a reading with an id the portal issued confirms that tenant's submission."""
    found = []
    # Only ids the portal issues (``P-…``) are looked up: the rest cannot be a tenant's reading.
    sql = f"""
        SELECT s._line, s.reading_id, s.source, r.first_sent_at FROM b_readings s
        JOIN {READING} r ON r.reading_id = s.reading_id
        WHERE s.reading_id LIKE '{PORTAL_READING_PREFIX}%%' AND r.submitted_at IS NOT NULL
          AND (s.source <> 'tenant' OR r.first_sent_at IS NULL)
        ORDER BY s._line
    """
    for line, reading_id, source, sent in db.rows(sql):
        if source != "tenant":
            found.append(
                Problem(
                    "readings.csv",
                    line,
                    "source",
                    source,
                    "portal_reading_source",
                    _("Odczyt %(id)s zgłosił lokator w portalu: potwierdzenie musi mieć source=tenant.")
                    % {"id": reading_id},
                )
            )
        if sent is None:
            found.append(
                Problem(
                    "readings.csv",
                    line,
                    "reading_id",
                    reading_id,
                    "portal_reading_not_sent",
                    _("Portal nie wysłał jeszcze odczytu o tym identyfikatorze, więc nie może on być potwierdzony."),
                )
            )
    return found
