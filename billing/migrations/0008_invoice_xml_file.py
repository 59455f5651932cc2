from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0007_invoice_ksef_hash"),
    ]

    operations = [
        migrations.AddField(
            model_name="invoice",
            name="xml_file",
            field=models.CharField(blank=True, default="", max_length=255, verbose_name="plik XML faktury (KSeF)"),
            preserve_default=False,
        ),
    ]
