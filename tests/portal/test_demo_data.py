import pytest
from django.core.management import call_command

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
