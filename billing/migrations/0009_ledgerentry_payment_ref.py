from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0008_invoice_xml_file"),
    ]

    operations = [
        migrations.AddField(
            model_name="ledgerentry",
            name="payment_ref",
            field=models.CharField(blank=True, default="", max_length=64, verbose_name="płatność online (id)"),
            preserve_default=False,
        ),
        migrations.AddIndex(
            model_name="ledgerentry",
            index=models.Index(
                condition=models.Q(("payment_ref", ""), _negated=True),
                fields=["payment_ref"],
                name="ledger_payment_ref",
            ),
        ),
    ]
