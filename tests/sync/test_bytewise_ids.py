"""Back-office ids are opaque codes: on PostgreSQL every column holding one, and the
staging tables of the import, compare them byte by byte (the "C" collation), whatever
locale the database was created with. Joins on them and the index builds of a full
bundle then skip the locale's rules (billing/fields.py)."""

import pytest
from django.db import connection

from sync.db import Database
from sync.schema import FILES

pytestmark = pytest.mark.django_db

ID_COLUMNS = {
    "billing_unit": ["external_id"],
    "billing_person": ["external_id"],
    "billing_title": ["external_id"],
    "billing_ledgerentry": ["external_id", "unit_id"],
    "billing_invoice": ["external_id", "unit_id", "buyer_id"],
    "billing_invoiceline": ["invoice_id"],
    "billing_document": ["external_id", "unit_id", "person_id"],
    "meters_meter": ["external_id", "unit_id"],
    "meters_reading": ["reading_id", "meter_id"],
    "meters_readingsubmission": ["reading_id"],
}


def _collations(table: str) -> dict[str, str | None]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attname, c.collname FROM pg_attribute a LEFT JOIN pg_collation c ON c.oid = a.attcollation "
            "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped",
            [table],
        )
        return dict(cursor.fetchall())


def test_every_column_holding_a_back_office_id_compares_bytes():
    for table, columns in ID_COLUMNS.items():
        collations = _collations(table)
        assert {column: collations[column] for column in columns} == dict.fromkeys(columns, "C"), table


def test_other_text_keeps_the_databases_own_rules():
    # Names are sorted for people: they keep the locale of the database.
    assert _collations("billing_person")["last_name"] == "default"


def test_the_staging_tables_of_the_import_compare_ids_as_the_portal_does():
    db = Database(connection)
    spec = FILES["ledger"]
    db.create_staging(spec)
    db.create_empty(FILES["invoices"])
    db.create_temp_keys("r_units")
    try:
        staged = _collations("b_ledger")
        assert staged["entry_id"] == staged["unit_id"] == "C"
        assert staged["description"] == "default"
        assert _collations("b_invoices")["invoice_id"] == "C"
        assert _collations("x_keys")["k"] == "C"
    finally:
        db.drop_temp()
