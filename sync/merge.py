"""The merge: staging tables → the portal's tables, set-wise, inside the import's transaction.

Order: work out what goes (``r_<file>`` key tables), remove it children first,
then insert or update parents first. A full bundle removes what it does not
carry; a delta removes what deletions.csv names, with what hangs on it.

What was born in the portal is never removed (rule 3): a unit, person or meter
that portal data still points at (an account, a unit grant, a ticket, a tenant
reading not yet confirmed, …, found by looking at every foreign key of the
project) is *withdrawn* (``withdrawn_at``) instead of deleted; tenant readings
not yet confirmed are never touched.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.apps import apps
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import models

from accounts.services import grants_end_for_title
from billing.ksef import xml_storage_name
from billing.models import Building, Document, Invoice, InvoiceLine, LedgerEntry, Person, Title, Unit
from meters.models import Meter, Reading
from portal.sql import as_date
from sync.container import Container
from sync.db import Database
from sync.schema import FILES, Column, FileSpec


@dataclass(frozen=True)
class Entity:
    """How one file's rows become rows of one of the portal's tables. The file's columns and
    the portal's column of each come from the file's spec (sync/schema.py); here only what
    the merge makes of the rest."""

    spec: FileSpec
    model: type[models.Model]
    # Portal columns the file does not give as they are: (portal column, SQL over the staging row ``s``).
    computed: tuple[tuple[str, str], ...] = ()
    insert_only: tuple[tuple[str, str], ...] = ()
    copy_suffix: tuple[tuple[str, str], ...] = ()  # fast mode: constant columns after the file's
    owned: str = ""  # which rows of the table the back-office owns (SQL on alias t)
    withdraw: bool = False
    # First load of a big table (PostgreSQL): loaded into a shadow table, indexed in bulk
    # and swapped in at the end (sync/db.py Shadow) instead of into the table itself.
    shadow: bool = False
    # The shadow table's fillfactor when the table has none of its own: deltas rewrite these
    # rows in place (HOT updates, no new index entries) when their page has room.
    fillfactor: int = 0
    # Rows are added by the portal too (tenant readings), not only by the import.
    shared: bool = False

    @property
    def stem(self) -> str:
        return self.spec.stem

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    @property
    def key(self) -> tuple[tuple[str, str], ...]:
        """(portal column, file column) of the file's key."""
        return tuple((_target(self.spec.column(name)), name) for name in self.spec.key)

    @property
    def columns(self) -> tuple[tuple[str, str], ...]:
        """(portal column, SQL over the staging row ``s``) of everything but the key."""
        plain = tuple(
            (c.target, f"s.{c.name}") for c in self.spec.columns if c.target is not None and c.name not in self.spec.key
        )
        return plain + self.computed

    @property
    def copy_columns(self) -> tuple[str, ...]:
        """Fast mode: the portal's columns in the file's column order; () when some column
        is not written as it is (the file goes through its staging table)."""
        targets = tuple(c.target for c in self.spec.columns)
        return () if None in targets else tuple(t for t in targets if t is not None)

    @property
    def direct(self) -> bool:
        return bool(self.copy_columns)

    # The pieces of the statements that write a file's rows into the table (``Merger._upsert*``).
    def matches(self, alias: str) -> str:
        """The table's row (``alias``) is the staging row ``s``'s: same back-office key."""
        return " AND ".join(f"{alias}.{final} = s.{column}" for final, column in self.key)

    def differs(self, alias: str) -> str:
        """The table's row (``alias``) differs from what the staging row ``s`` makes of it."""
        return " OR ".join(f"{alias}.{final} IS DISTINCT FROM {expr}" for final, expr in self.columns)

    @property
    def assignments(self) -> str:
        return ", ".join(f"{final} = {expr}" for final, expr in self.columns)

    @property
    def insert_columns(self) -> str:
        return ", ".join([f for f, _ in self.key] + [f for f, _ in self.columns] + [c for c, _ in self.insert_only])

    @property
    def insert_values(self) -> str:
        return ", ".join(
            [f"s.{c}" for _, c in self.key] + [expr for _, expr in self.columns] + [v for _, v in self.insert_only]
        )


def _target(column: Column) -> str:
    if column.target is None:
        raise ValueError(f"the key column {column.name} must name the portal's column")
    return column.target


BUILDING = Building._meta.db_table
UNIT = Unit._meta.db_table
PERSON = Person._meta.db_table
DOCUMENT = Document._meta.db_table
INVOICE = Invoice._meta.db_table
INVOICE_LINE = InvoiceLine._meta.db_table
READING = Reading._meta.db_table
WITHDRAWN = ("withdrawn_at", "NULL")  # a row the bundle carries again is back

ENTITIES: dict[str, Entity] = {
    e.stem: e
    for e in (
        Entity(
            FILES["units"],
            Unit,
            computed=(
                (
                    "building_id",
                    f"(SELECT b.id FROM {BUILDING} b WHERE b.street = s.street AND b.building_no = s.building_no "
                    "AND b.postal_code = s.postal_code AND b.city = s.city)",
                ),
                WITHDRAWN,
            ),
            withdraw=True,
        ),
        Entity(FILES["persons"], Person, computed=(WITHDRAWN,), withdraw=True),
        Entity(
            FILES["titles"],
            Title,
            computed=(
                ("unit_id", f"(SELECT u.id FROM {UNIT} u WHERE u.external_id = s.unit_id)"),
                ("person_id", f"(SELECT p.id FROM {PERSON} p WHERE p.external_id = s.person_id)"),
            ),
        ),
        Entity(FILES["meters"], Meter, computed=(WITHDRAWN,), withdraw=True),
        Entity(
            FILES["readings"],
            Reading,
            computed=(("status", "'confirmed'"),),
            insert_only=(("rejected_reason", "''"),),
            copy_suffix=(("status", "confirmed"), ("rejected_reason", "")),
            owned="t.status = 'confirmed'",
            shadow=True,
            fillfactor=90,
            shared=True,
        ),
        Entity(FILES["invoices"], Invoice, shadow=True),
        Entity(FILES["invoice_lines"], InvoiceLine, shadow=True),
        Entity(FILES["ledger"], LedgerEntry, shadow=True),
        Entity(
            FILES["documents"],
            Document,
            computed=(("file", "s.stored_name"), ("sha256", "s.sha256"), ("size", "s.size")),
        ),
    )
}
# Rows nothing else hangs on (no file refers to them, nothing is withdrawn or ended with them).
LEAVES = frozenset({"ledger", "readings"})
# Removal goes children first; insert/update parents first (ENTITIES' order).
REMOVAL_ORDER = ("documents", "readings", "invoice_lines", "invoices", "ledger", "titles", "meters", "persons", "units")
BACK_OFFICE_MODELS = {Building, Unit, Person, Title, LedgerEntry, Invoice, InvoiceLine, Document, Meter, Reading}


def pinned(model: type[models.Model], table: str) -> str:
    """SQL: rows of ``model`` (table alias ``table``) that portal-born data points at.

    Found from the project's foreign keys, so a model another app adds later
    (tickets, applications, …) protects what it points at without a change here.
    """
    parts = []
    for other in apps.get_models(include_auto_created=True):
        if other in BACK_OFFICE_MODELS:
            continue
        for f in other._meta.concrete_fields:
            if isinstance(f, models.ForeignKey) and f.related_model is model:  # one-to-one fields too
                parts.append(
                    f"{table}.{f.target_field.column} IN "
                    f"(SELECT {f.column} FROM {other._meta.db_table} WHERE {f.column} IS NOT NULL)"
                )
    if model is Meter:
        parts.append(f"{table}.external_id IN (SELECT meter_id FROM {READING} WHERE status <> 'confirmed')")
    return "(" + " OR ".join(parts) + ")" if parts else "(1 = 0)"


@dataclass
class MergeResult:
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    grants_ended: int = 0
    orphan_files: list[str] = field(default_factory=list)
    # KSeF XMLs (by ksef_hash) of invoices that go or change hash: deleted after the commit
    # unless another invoice still has the same XML (sync.services).
    orphan_xml_hashes: list[str] = field(default_factory=list)

    def add(self, stem: str, what: str, n: int) -> None:
        if n:
            bucket = self.counts.setdefault(stem, {})
            bucket[what] = bucket.get(what, 0) + n


class Merger:
    def __init__(
        self,
        db: Database,
        *,
        full: bool,
        direct: set[str],
        staged: dict[str, int],
        container: Container,
        now: dt.datetime,
        today: dt.date,
    ) -> None:
        self.db = db
        self.staged = staged  # rows per staging table, as the reader counted them
        self.removing: dict[str, int] = {}
        self.full = full
        self.direct = direct
        self.container = container
        self.now = db.datetime_param(now)
        self.today = today
        self.result = MergeResult()

    def _has_rows(self, table: str) -> bool:
        """Whether a staging (``b_``) or removal (``r_``) table has rows, known without asking."""
        kind, stem = table.split("_", 1)
        return bool((self.staged if kind == "b" else self.removing).get(stem, 0))

    def run(self) -> MergeResult:
        self._collect_removals()
        self.result.orphan_files = [
            row[0]
            for row in self.db.rows(
                f"SELECT t.file FROM {DOCUMENT} t WHERE t.external_id IN (SELECT k FROM r_documents) "
                f"UNION SELECT t.file FROM {DOCUMENT} t JOIN b_documents s ON s.document_id = t.external_id "
                "WHERE t.file <> s.stored_name"
            )
        ]
        self.result.orphan_xml_hashes = [
            row[0]
            for row in self.db.rows(
                f"SELECT t.ksef_hash FROM {INVOICE} t WHERE t.xml_file <> '' "
                "AND t.external_id IN (SELECT k FROM r_invoices) "
                f"UNION SELECT t.ksef_hash FROM {INVOICE} t JOIN b_invoices s ON s.invoice_id = t.external_id "
                "WHERE t.xml_file <> '' AND (s.xml_file IS NULL OR s.xml_file = '' OR t.ksef_hash <> s.ksef_hash)"
            )
        ]
        for stem in REMOVAL_ORDER:
            self._remove(stem)
        self._buildings()
        for stem, entity in ENTITIES.items():
            if stem == "readings":
                self.result.add(
                    "readings",
                    "confirmed",
                    self.db.execute(
                        f"UPDATE {READING} SET status = 'confirmed', confirmed_at = %s "
                        "WHERE status <> 'confirmed' AND EXISTS "
                        f"(SELECT 1 FROM b_readings s WHERE s.reading_id = {READING}.reading_id)",
                        [self.now],
                    ),
                )
            if stem == "documents":
                self._store_documents()
            if stem == "invoices":
                self._store_invoice_xml()
            if stem in self.direct:
                continue
            self._upsert(entity)
        self._buildings_cleanup()
        return self.result

    # --- what goes ----------------------------------------------------------------------------
    def _collect_removals(self) -> None:
        db = self.db
        for stem in REMOVAL_ORDER:
            db.create_temp_keys(f"r_{stem}")
        named = set()  # the entities deletions.csv names
        if not self.full and self._has_rows("b_deletions"):
            named = {row[0] for row in db.rows("SELECT DISTINCT entity FROM b_deletions")}
        for stem in REMOVAL_ORDER:
            if stem == "invoice_lines":
                continue
            e = ENTITIES[stem]
            final_key, file_key = e.key[0]
            owned = f" AND {e.owned}" if e.owned else ""
            if self.full:
                if stem in self.direct:
                    continue
                found = db.add_keys(
                    f"r_{stem}",
                    f"SELECT t.{final_key} FROM {e.table} t "
                    f"WHERE NOT EXISTS (SELECT 1 FROM b_{stem} s WHERE s.{file_key} = t.{final_key}){owned}",
                )
            elif stem in named and stem in LEAVES:
                # Nothing hangs on these rows: they go at once, one index probe each
                # (what a unit's removal takes with it still goes through r_<file> below).
                self.result.add(
                    stem,
                    "removed",
                    db.execute(
                        f"DELETE FROM {e.table} AS t WHERE t.{final_key} IN "
                        f"(SELECT d.id FROM b_deletions d WHERE d.entity = '{stem}'){owned}"
                    ),
                )
                found = 0
            elif stem in named:
                found = db.add_keys(
                    f"r_{stem}",
                    f"SELECT d.id FROM b_deletions d JOIN {e.table} t ON t.{final_key} = d.id "
                    f"WHERE d.entity = '{stem}'{owned}",
                )
            else:
                found = 0
            self.removing[stem] = found
        if self.full:
            return
        # A delta that deletes a unit or person takes what hangs on it, unless it carries that row.
        cascades = [
            (
                "titles",
                f"t.unit_id IN (SELECT u.id FROM {UNIT} u WHERE u.external_id IN (SELECT k FROM r_units)) "
                f"OR t.person_id IN (SELECT p.id FROM {PERSON} p WHERE p.external_id IN (SELECT k FROM r_persons))",
            ),
            ("ledger", "t.unit_id IN (SELECT k FROM r_units)"),
            ("invoices", "t.unit_id IN (SELECT k FROM r_units)"),
            ("meters", "t.unit_id IN (SELECT k FROM r_units)"),
            ("readings", "t.meter_id IN (SELECT k FROM r_meters) AND t.status = 'confirmed'"),
            ("documents", "t.person_id IN (SELECT k FROM r_persons)"),
        ]
        for stem, condition in cascades:
            parents = [p for p in ("units", "persons", "meters") if f"r_{p}" in condition]
            if not any(self._has_rows(f"r_{p}") for p in parents):
                continue  # nothing deleted above it: skip scanning a big table
            e = ENTITIES[stem]
            final_key, file_key = e.key[0]
            self.removing[stem] += db.add_keys(
                f"r_{stem}",
                f"SELECT t.{final_key} FROM {e.table} t WHERE ({condition}) "
                f"AND NOT EXISTS (SELECT 1 FROM b_{stem} s WHERE s.{file_key} = t.{final_key}) "
                f"AND NOT EXISTS (SELECT 1 FROM r_{stem} r WHERE r.k = t.{final_key})",
            )

    def _remove(self, stem: str) -> None:
        db = self.db
        if stem in self.direct:
            return
        if stem == "invoice_lines":
            if not self.full and not self._has_rows("r_invoices") and not self._has_rows("b_invoice_lines"):
                return
            if self.full:
                gone = (
                    f"NOT EXISTS (SELECT 1 FROM b_invoice_lines s WHERE s.invoice_id = {INVOICE_LINE}.invoice_id "
                    f"AND s.line_no = {INVOICE_LINE}.line_no)"
                )
            else:
                # The lines of an invoice a delta carries lines for are replaced by those lines.
                gone = (
                    "invoice_id IN (SELECT k FROM r_invoices) OR (invoice_id IN (SELECT invoice_id FROM b_invoice_lines) "
                    f"AND NOT EXISTS (SELECT 1 FROM b_invoice_lines s WHERE s.invoice_id = {INVOICE_LINE}.invoice_id "
                    f"AND s.line_no = {INVOICE_LINE}.line_no))"
                )
            self.result.add(stem, "removed", db.execute(f"DELETE FROM {INVOICE_LINE} WHERE {gone}"))
            return
        e = ENTITIES[stem]
        final_key = e.key[0][0]
        if not self._has_rows(f"r_{stem}") and not (stem == "documents" and self._has_rows("r_units")):
            return
        if stem == "titles":
            self.result.grants_ended += self._end_access_of_removed_titles()
        if stem == "documents" and not self.full:
            db.execute(
                f"UPDATE {DOCUMENT} SET unit_id = NULL WHERE unit_id IN (SELECT k FROM r_units) "
                f"AND NOT EXISTS (SELECT 1 FROM b_documents s WHERE s.document_id = {DOCUMENT}.external_id)"
            )
        going = f"{e.table}.{final_key} IN (SELECT k FROM r_{stem})"
        if e.withdraw:
            keep = pinned(e.model, e.table)
            self.result.add(
                stem,
                "withdrawn",
                db.execute(
                    f"UPDATE {e.table} SET withdrawn_at = %s WHERE {going} AND withdrawn_at IS NULL AND {keep}",
                    [self.now],
                ),
            )
            going += f" AND NOT {keep}"
        self.result.add(stem, "removed", db.execute(f"DELETE FROM {e.table} WHERE {going}"))

    def _end_access_of_removed_titles(self) -> int:
        """A title that disappears ends its holder's access to the unit (A10), unless
        the same person keeps another title to that unit that is valid today."""
        db = self.db
        today = self.today
        ended = 0
        candidates = db.rows(
            "SELECT t.id, t.unit_id, t.person_id, t.valid_to FROM billing_title t "
            "WHERE t.external_id IN (SELECT k FROM r_titles) AND EXISTS (SELECT 1 FROM accounts_unitgrant g "
            "JOIN accounts_user a ON a.id = g.user_id WHERE g.unit_id = t.unit_id AND a.person_id = t.person_id "
            "AND (g.until IS NULL OR g.until >= %s))",
            [today],
        )
        for title_id, unit_id, person_id, valid_to in candidates:
            stays = db.scalar(
                "SELECT COUNT(*) FROM billing_title t WHERE t.unit_id = %s AND t.person_id = %s "
                "AND t.external_id NOT IN (SELECT k FROM r_titles) "
                "AND NOT EXISTS (SELECT 1 FROM b_titles s WHERE s.title_id = t.external_id) "
                f"AND {Title.PERIOD.sql('t')}",
                [unit_id, person_id, *Title.PERIOD.params(today)],
            ) + db.scalar(
                "SELECT COUNT(*) FROM b_titles s JOIN billing_unit u ON u.external_id = s.unit_id "
                "JOIN billing_person p ON p.external_id = s.person_id WHERE u.id = %s AND p.id = %s "
                f"AND {Title.PERIOD.sql('s')}",
                [unit_id, person_id, *Title.PERIOD.params(today)],
            )
            if not stays:
                yesterday = today - dt.timedelta(days=1)
                ended += grants_end_for_title(title_id=title_id, on=min(as_date(valid_to) or yesterday, yesterday))
        return ended

    # --- what comes -----------------------------------------------------------------------------
    def _buildings(self) -> None:
        self.result.add(
            "buildings",
            "inserted",
            self.db.execute(
                f"INSERT INTO {BUILDING} (street, building_no, postal_code, city) "
                "SELECT DISTINCT s.street, s.building_no, s.postal_code, s.city FROM b_units s "
                f"WHERE NOT EXISTS (SELECT 1 FROM {BUILDING} b WHERE b.street = s.street "
                "AND b.building_no = s.building_no AND b.postal_code = s.postal_code AND b.city = s.city)"
            ),
        )

    def _buildings_cleanup(self) -> None:
        keep = pinned(Building, BUILDING)
        self.result.add(
            "buildings",
            "removed",
            self.db.execute(
                f"DELETE FROM {BUILDING} WHERE NOT EXISTS "
                f"(SELECT 1 FROM {UNIT} u WHERE u.building_id = {BUILDING}.id) AND NOT {keep}"
            ),
        )

    def _upsert(self, e: Entity) -> None:
        db = self.db
        if not self._has_rows(f"b_{e.stem}"):
            return
        if db.pg and not self.full:
            self._upsert_by_key(e)
            return
        if db.pg and not e.shared:
            self._upsert_merge(e)
            return
        self.result.add(
            e.stem,
            "updated",
            db.execute(
                f"UPDATE {e.table} SET {e.assignments} FROM b_{e.stem} s "
                f"WHERE {e.matches(e.table)} AND ({e.differs(e.table)})"
            ),
        )
        self.result.add(
            e.stem,
            "inserted",
            db.execute(
                f"INSERT INTO {e.table} ({e.insert_columns}) SELECT {e.insert_values} FROM b_{e.stem} s "
                f"WHERE NOT EXISTS (SELECT 1 FROM {e.table} t WHERE {e.matches('t')})"
            ),
        )

    def _upsert_merge(self, e: Entity) -> None:
        """A full bundle's rows (PostgreSQL): ``MERGE``, one pass over the table for updates
        and inserts alike (a full bundle matches most of the table: one hash join). Only the
        import adds rows to these tables, so the rows above the sequence's last value before
        the statement are the ones it inserted."""
        db = self.db
        sequence = db.scalar("SELECT pg_get_serial_sequence(%s, 'id')", [e.table])
        before = db.scalar(f"SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM {sequence}")
        written = db.execute(
            f"MERGE INTO {e.table} t USING b_{e.stem} s ON {e.matches('t')} "
            f"WHEN MATCHED AND ({e.differs('t')}) THEN UPDATE SET {e.assignments} "
            f"WHEN NOT MATCHED THEN INSERT ({e.insert_columns}) VALUES ({e.insert_values})"
        )
        inserted = db.scalar(f"SELECT COUNT(*) FROM {e.table} WHERE id > %s", [before]) if written else 0
        self.result.add(e.stem, "updated", written - inserted)
        self.result.add(e.stem, "inserted", inserted)

    def _upsert_by_key(self, e: Entity) -> None:
        """A delta's rows (PostgreSQL), in one statement: the update finds each row by the
        back-office id's index and writes only rows that changed; only rows it did not
        update are looked up again, to insert the new ones."""
        db = self.db
        key = [column for _, column in e.key]
        returned = ", ".join(f"s.{column}" for column in key)
        in_u = " AND ".join(f"u.{column} = s.{column}" for column in key)
        updated, inserted = db.rows(
            f"WITH u AS (UPDATE {e.table} t SET {e.assignments} FROM b_{e.stem} s "
            f"WHERE {e.matches('t')} AND ({e.differs('t')}) RETURNING {returned}), "
            f"i AS (INSERT INTO {e.table} ({e.insert_columns}) SELECT {e.insert_values} FROM b_{e.stem} s "
            f"WHERE NOT EXISTS (SELECT 1 FROM u WHERE {in_u}) "
            f"AND NOT EXISTS (SELECT 1 FROM {e.table} t WHERE {e.matches('t')}) RETURNING 1) "
            "SELECT (SELECT COUNT(*) FROM u), (SELECT COUNT(*) FROM i)"
        )[0]
        self.result.add(e.stem, "updated", updated)
        self.result.add(e.stem, "inserted", inserted)

    def _store_documents(self) -> None:
        """PDFs go to the private storage (PRIVATE_MEDIA_ROOT) under their SHA-256."""
        for member, stored in self.db.rows("SELECT DISTINCT file, stored_name FROM b_documents"):
            self._store_member(member, stored)

    def _store_invoice_xml(self) -> None:
        """KSeF XMLs go to the private storage under their SHA-256 (the reader checked that it
        is ``ksef_hash``): billing.ksef.xml_storage_name."""
        for member, ksef_hash in self.db.rows(
            "SELECT DISTINCT xml_file, ksef_hash FROM b_invoices WHERE xml_file IS NOT NULL AND xml_file <> ''"
        ):
            self._store_member(member, xml_storage_name(ksef_hash))

    def _store_member(self, member: str, stored: str) -> None:
        """A file of the bundle into the private storage under ``stored`` (named by its content,
        so one already there is the same file)."""
        if default_storage.exists(stored):
            return
        with self.container.open(member) as fh:
            saved = default_storage.save(stored, File(fh, name=stored))
        if saved != stored:  # a race with another writer of the same content
            default_storage.delete(saved)
