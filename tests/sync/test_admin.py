import pytest
from django.urls import reverse

from sync.models import ImportRun
from sync.services import bundle_import
from tests.sync.bundles import EXAMPLE

pytestmark = pytest.mark.django_db


def test_staff_see_import_runs_with_status_counts_and_timings(staff_client):
    run = bundle_import(path=EXAMPLE)
    listing = staff_client.get(reverse("admin:sync_importrun_changelist")).content.decode()
    assert "EXAMPLE-SM-2026-11-20-001" in listing and "wczytany" in listing
    detail = staff_client.get(reverse("admin:sync_importrun_change", args=[run.pk])).content.decode()
    assert "<td>ledger</td><td>504</td><td>504</td>" in detail
    assert "merge" in detail and "Wczytano pakiet" in detail


def test_refused_run_links_to_its_problems_and_nobody_edits_runs(staff_client, example):
    example.edit("units", 3, "kind", "willa")
    run = bundle_import(path=example.path)
    detail = staff_client.get(reverse("admin:sync_importrun_change", args=[run.pk])).content.decode()
    assert f"?run__id__exact={run.pk}" in detail and "odrzucony" in detail
    problems = staff_client.get(reverse("admin:sync_importproblem_changelist") + f"?run__id__exact={run.pk}")
    assert "Nieznana wartość" in problems.content.decode()
    assert staff_client.post(reverse("admin:sync_importrun_delete", args=[run.pk])).status_code == 403
    assert ImportRun.objects.filter(pk=run.pk).exists()


def test_back_office_data_is_browsable_in_admin(staff_client):
    bundle_import(path=EXAMPLE)
    for name in ("billing_ledgerentry", "billing_invoice", "meters_meter", "meters_reading", "billing_document"):
        app, model = name.split("_", 1)
        assert staff_client.get(reverse(f"admin:{app}_{model}_changelist")).status_code == 200
