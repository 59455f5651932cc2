import secrets

from django.db import migrations, models

import payments.models


def fill_payment_ids(apps, schema_editor):
    """Payments made before payment ids: a PAY- id of the day they started (their gateway
    session keeps its old name: the gateway knows them by it)."""
    Payment = apps.get_model("payments", "Payment")
    for payment in Payment.objects.filter(payment_id__isnull=True).only("pk", "created_at"):
        payment.payment_id = f"PAY-{payment.created_at:%Y%m%d}-{secrets.token_hex(6).upper()}"
        payment.save(update_fields=["payment_id"])


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0002_invoice_without_constraint"),
    ]

    operations = [
        migrations.AddField(
            model_name="payment",
            name="payment_id",
            field=models.CharField(max_length=64, null=True, editable=False),
        ),
        migrations.RunPython(fill_payment_ids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="payment",
            name="payment_id",
            field=models.CharField(
                default=payments.models.issue_payment_id,
                editable=False,
                max_length=64,
                unique=True,
                verbose_name="identyfikator płatności",
            ),
        ),
    ]
