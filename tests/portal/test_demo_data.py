import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import UnitGrant, User
from accounts.selectors import units_for_user
from billing.models import LedgerEntry, Unit
from sync.models import ImportRun


@pytest.fixture(autouse=True)
def _demo_folders(settings, tmp_path):
    settings.BUNDLE_INBOX = tmp_path / "bundles" / "inbox"


@pytest.mark.django_db
def test_demo_data_can_be_loaded_twice_without_duplicates(capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "demo.lokator" in out and "TOTP" in out
    assert Unit.objects.count() == 40  # from the generated back-office bundle (40 units, 2 years)
    assert LedgerEntry.objects.count() > 2000
    assert ImportRun.objects.filter(status="imported").count() == 1
    assert User.objects.filter(username__startswith="demo.").count() == 2
    staff = User.objects.get(username="demo.obsluga")
    assert staff.is_staff and staff.totpdevice_set.filter(confirmed=True).exists()


@pytest.mark.django_db
def test_demo_tenant_holds_a_title_to_imported_units():
    call_command("seed_demo")
    tenant = User.objects.get(username="demo.lokator")
    units = list(units_for_user(tenant))
    assert len(units) >= 2  # a flat and a garage, say: A9
    for unit in units:
        assert unit.titles.filter(person=tenant.person).exists()
    assert UnitGrant.objects.filter(user=tenant).count() == len(units)


@pytest.mark.django_db
def test_the_demo_passwords_satisfy_the_portals_own_password_rule():
    from django.contrib.auth.password_validation import validate_password

    from portal.management.commands.seed_demo import STAFF_PASSWORD, TENANT_PASSWORD

    call_command("seed_demo")
    validate_password(TENANT_PASSWORD, user=User.objects.get(username="demo.lokator"))
    validate_password(STAFF_PASSWORD, user=User.objects.get(username="demo.obsluga"))


@pytest.mark.django_db
def test_seed_demo_prints_the_address_to_open_with_the_demos_port(capsys, settings):
    settings.PORTAL_BASE_URL = "http://127.0.0.1:8123"
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8123/\n" in out
    assert "http://127.0.0.1:8123/admin/" in out
    assert "http://127.0.0.1:8123/demo/poczta/" in out


@pytest.mark.django_db
def test_the_demo_tenant_meets_every_feature_from_the_printed_accounts(client, capsys):
    from django.urls import reverse

    from accounts.models import Application
    from portal.management.commands.seed_demo import STAFF_PASSWORD, STAFF_STATIC_TOKENS, TENANT_PASSWORD
    from tickets.models import DownloadForm

    call_command("seed_demo")
    call_command("seed_demo")  # a second run adds nothing
    tenant = User.objects.get(username="demo.lokator")
    assert client.post(reverse("login"), {"username": "demo.lokator", "password": TENANT_PASSWORD}).status_code == 302
    flat = next(unit for unit in units_for_user(tenant) if unit.invoices.exists())
    invoices = client.get(reverse("billing:invoices", args=[flat.pk])).content.decode()
    assert invoices.count("/DEMO") >= 3  # three invoices of the flat
    invoice = flat.invoices.order_by("-issued_on").first()
    pdf = client.get(reverse("billing:invoice_pdf", args=[flat.pk, invoice.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert client.get(reverse("billing:documents")).content.decode().count("/korespondencja/") >= 2
    meters = client.get(reverse("meters:index")).content.decode()
    assert "Podaj odczyt" in meters  # a meter taking a reading today
    assert "Legalizacja tego licznika wygasła" in meters  # and one that takes none
    tickets = client.get(reverse("tickets:list")).content.decode()
    assert "Pytanie o rozliczenie wody" in tickets and "Cieknący zawór w piwnicy" in tickets
    form = DownloadForm.objects.get()
    assert reverse("tickets:form_file", args=[form.pk]) in client.get(reverse("tickets:forms")).content.decode()
    download = client.get(reverse("tickets:form_file", args=[form.pk]))
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert Application.objects.filter(status=Application.Status.PENDING, email_confirmed_at__isnull=False).count() == 1

    staff = Client()
    staff.post(
        reverse("admin:login"),
        {"username": "demo.obsluga", "password": STAFF_PASSWORD, "kod": STAFF_STATIC_TOKENS[0]},
    )
    listing = staff.get(reverse("admin:accounts_application_changelist"))
    assert listing.status_code == 200 and "Wnioskująca" in listing.content.decode()
