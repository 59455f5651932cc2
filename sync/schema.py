"""The files of a bundle and their columns (EXCHANGE_FORMAT.md): the registry.

Each file's columns are declared here once: name, kind (sync/kinds.py: format,
converter, fast pattern, SQL types), whether required, and the portal's column it
is written to. From this the reader derives its converters, generated row check
and fast pattern, sync/db.py the staging tables, sync/checks.py the set-wise
checks and sync/merge.py its column lists, on PostgreSQL and SQLite alike. Enum
values are the models' own choices.

Adding a column: one ``Column(...)`` below (and the model's field with its
migration when the portal keeps it), plus a test; see docs/sync.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from billing.models import InvoiceLine, LedgerEntry, Title, Unit
from meters.models import Meter, Reading
from sync.kinds import ID_MAX, KINDS, Kind

FORMAT = "ebok-bundle/1"
OUTBOUND_FORMAT = "ebok-outbound/1"

__all__ = ["FILES", "FORMAT", "ID_MAX", "OUTBOUND_FORMAT", "Column", "FileSpec", "Ref"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # a name in sync.kinds.KINDS
    required: bool = False
    max_length: int = 0  # text: 0 = no limit
    choices: tuple[str, ...] = ()
    # What an empty optional field becomes: None (NULL) or "" for the text columns
    # Django keeps NOT NULL with blank=True.
    empty: str | None = None
    # The portal's column the value is written to as it is: "" = the same name; None = the
    # merge makes something else of it (a building, a lookup: sync/merge.py ``computed``).
    field: str | None = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r} of {self.name}")

    @property
    def rules(self) -> Kind:
        return KINDS[self.kind]

    @property
    def target(self) -> str | None:
        """The portal's column for this one (None: computed by the merge)."""
        return self.name if self.field == "" else self.field


@dataclass(frozen=True)
class Ref:
    column: str
    parent: str  # stem of the file the value must be found in
    noun: str  # Polish, for messages: "lokal", "osoba", …


@dataclass(frozen=True)
class FileSpec:
    stem: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # unique within the file
    refs: tuple[Ref, ...] = ()
    noun: str = ""

    @property
    def filename(self) -> str:
        return f"{self.stem}.csv"

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def position(self, name: str) -> int:
        """Where column ``name`` is in a normalized row (after the row's line: ``_line`` first)."""
        return 1 + next(i for i, c in enumerate(self.columns) if c.name == name)


def _id(name: str, field: str | None = "external_id") -> Column:
    """A file's own id; the portal keeps back-office ids in ``external_id``."""
    return Column(name, "id", required=True, field=field)


def _ref(name: str, required: bool = True, field: str | None = "") -> Column:
    return Column(name, "ref", required=required, field=field)


def _choices(choices: list[str]) -> tuple[str, ...]:
    return tuple(choices)


UNITS = FileSpec(
    "units",
    (
        _id("unit_id"),
        Column("kind", "enum", required=True, choices=tuple(Unit.Kind.values)),
        # The building's address: the merge finds or adds the building (billing_building).
        Column("street", "text", required=True, max_length=200, field=None),
        Column("building_no", "text", required=True, max_length=20, field=None),
        Column("unit_no", "text", max_length=20, empty=""),
        Column("postal_code", "postal", required=True, field=None),
        Column("city", "text", required=True, max_length=100, field=None),
        Column("area_m2", "area"),
        Column("extra_area_m2", "area"),
        Column("occupants", "count"),
        Column("bank_account", "nrb", empty=""),
    ),
    key=("unit_id",),
    noun="lokal",
)
PERSONS = FileSpec(
    "persons",
    (
        _id("person_id"),
        Column("first_name", "text", max_length=100, empty=""),
        Column("last_name", "text", max_length=150, empty=""),
        Column("company_name", "text", max_length=250, empty=""),
        Column("pesel", "pesel", empty=""),
        Column("nip", "nip", empty=""),
        Column("email", "text", max_length=254, empty=""),
        Column("phone", "text", max_length=40, empty=""),
    ),
    key=("person_id",),
    noun="osoba",
)
TITLES = FileSpec(
    "titles",
    (
        _id("title_id"),
        _ref("unit_id", field=None),  # titles point at the unit's and person's primary keys
        _ref("person_id", field=None),
        Column("kind", "enum", required=True, choices=tuple(Title.Kind.values)),
        Column("valid_from", "date", required=True),
        Column("valid_to", "date"),
    ),
    key=("title_id",),
    refs=(Ref("unit_id", "units", "lokal"), Ref("person_id", "persons", "osoba")),
    noun="tytuł prawny",
)
LEDGER = FileSpec(
    "ledger",
    (
        _id("entry_id"),
        _ref("unit_id"),
        Column("booked_on", "date", required=True),
        Column("due_on", "date"),
        Column("kind", "enum", required=True, choices=tuple(LedgerEntry.Kind.values)),
        Column("component", "text", required=True, max_length=100),
        Column("description", "text", empty=""),
        Column("amount", "money", required=True),
        Column("payment_ref", "payref", empty=""),
    ),
    key=("entry_id",),
    refs=(Ref("unit_id", "units", "lokal"),),
    noun="zapis kartoteki",
)
INVOICES = FileSpec(
    "invoices",
    (
        _id("invoice_id"),
        _ref("unit_id"),
        Column("number", "text", required=True, max_length=64),
        Column("issued_on", "date", required=True),
        Column("sale_date", "date", required=True),
        Column("due_on", "date", required=True),
        _ref("buyer_person_id", field="buyer_id"),
        Column("net", "money", required=True),
        Column("vat", "money", required=True),
        Column("gross", "money", required=True),
        Column("ksef_number", "text", max_length=64, empty=""),
        Column("ksef_hash", "sha256b64", empty=""),
        # Its SHA-256 must be ksef_hash (sync/reader.py); stored under it (sync/merge.py).
        Column("xml_file", "xmlpath", max_length=255, empty=""),
    ),
    key=("invoice_id",),
    refs=(Ref("unit_id", "units", "lokal"), Ref("buyer_person_id", "persons", "osoba")),
    noun="faktura",
)
INVOICE_LINES = FileSpec(
    "invoice_lines",
    (
        _ref("invoice_id"),
        Column("line_no", "posint", required=True),
        Column("name", "text", required=True, max_length=250),
        Column("quantity", "qty3", required=True),
        Column("unit", "text", required=True, max_length=20, field="measure_unit"),
        Column("unit_net_price", "money", required=True),
        Column("vat_rate", "enum", required=True, choices=tuple(InvoiceLine.VatRate.values)),
        Column("net", "money", required=True),
        Column("vat", "money", required=True),
        Column("gross", "money", required=True),
    ),
    key=("invoice_id", "line_no"),
    refs=(Ref("invoice_id", "invoices", "faktura"),),
    noun="pozycja faktury",
)
METERS = FileSpec(
    "meters",
    (
        _id("meter_id"),
        _ref("unit_id"),
        Column("medium", "enum", required=True, choices=tuple(Meter.Medium.values)),
        Column("serial_no", "text", required=True, max_length=64),
        Column("installed_on", "date", required=True),
        Column("removed_on", "date"),
        Column("legalization_valid_until", "date"),
        Column("initial_value", "qty3"),
    ),
    key=("meter_id",),
    refs=(Ref("unit_id", "units", "lokal"),),
    noun="licznik",
)
READINGS = FileSpec(
    "readings",
    (
        _id("reading_id", field=""),  # the portal issues reading ids too (P-…): one column for both
        _ref("meter_id"),
        Column("read_on", "date", required=True),
        Column("value", "qty3", required=True),
        Column("source", "enum", required=True, choices=tuple(Reading.Source.values)),
    ),
    key=("reading_id",),
    refs=(Ref("meter_id", "meters", "licznik"),),
    noun="odczyt",
)
DOCUMENTS = FileSpec(
    "documents",
    (
        _id("document_id"),
        _ref("person_id"),
        _ref("unit_id", required=False),
        Column("title", "text", required=True, max_length=250),
        Column("issued_on", "date", required=True),
        Column("file", "path", required=True, field=None),  # stored under its SHA-256 (sync/merge.py)
    ),
    key=("document_id",),
    refs=(Ref("person_id", "persons", "osoba"), Ref("unit_id", "units", "lokal")),
    noun="dokument",
)
# Entities a delta may delete by id. Invoice lines have no id of their own: a
# delta that carries an invoice's lines replaces all of them.
DELETABLE = ("units", "persons", "titles", "ledger", "invoices", "meters", "readings", "documents")
DELETIONS = FileSpec(
    "deletions",
    (
        Column("entity", "enum", required=True, choices=DELETABLE),
        Column("id", "id", required=True, field=None),
    ),
    key=(),
)

# In dependency order: a file only refers to files before it.
FILES: dict[str, FileSpec] = {
    spec.stem: spec
    for spec in (UNITS, PERSONS, TITLES, LEDGER, INVOICES, INVOICE_LINES, METERS, READINGS, DOCUMENTS, DELETIONS)
}
ENTITY_FILES = tuple(stem for stem in FILES if stem != "deletions")
KEY_OF = {stem: FILES[stem].key[0] for stem in DELETABLE}
