from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0006_document_reads"),
    ]

    operations = [
        migrations.AddField(
            model_name="invoice",
            name="ksef_hash",
            field=models.CharField(blank=True, default="", max_length=44, verbose_name="skrót KSeF (SHA-256)"),
            preserve_default=False,
        ),
    ]
