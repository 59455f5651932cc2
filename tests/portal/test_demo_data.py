import pytest
from django.core.management import call_command

from accounts.models import UnitGrant, User
from billing.models import Building, Unit


@pytest.mark.django_db
def test_demo_data_can_be_loaded_twice_without_duplicates(capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "demo.lokator" in out and "TOTP" in out
    assert Building.objects.count() == 2
    assert Unit.objects.count() == 8
    assert User.objects.filter(username__startswith="demo.").count() == 2
    assert UnitGrant.objects.count() == 2
    staff = User.objects.get(username="demo.obsluga")
    assert staff.is_staff and staff.totpdevice_set.filter(confirmed=True).exists()
