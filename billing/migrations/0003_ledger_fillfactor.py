"""Leave 10 % of each ledger page free (PostgreSQL only).

The nightly delta rewrites rows in place; with room on the page PostgreSQL
updates them as HOT updates, without a new entry in each of the ledger's three
indexes. SQLite has no such setting.
"""

from django.db import migrations


def fillfactor(value: int):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE billing_ledgerentry SET (fillfactor = {value})")

    return apply


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_ledger_invoices_documents_withdrawn")]

    operations = [migrations.RunPython(fillfactor(90), fillfactor(100))]
