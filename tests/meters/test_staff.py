"""Staff in admin: readings with filters, rejecting a tenant's reading with a reason
(the tenant is e-mailed, the change audited), meters due for legalization by building."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from meters.models import Reading
from portal.models import AuditEntry, EmailMessage
from sync.outbound import pending_readings
from tests.factories import BuildingFactory, MeterFactory, ReadingFactory, TenantReadingFactory, UnitFactory
from tests.meters.helpers import post_reading
from tests.tickets.helpers import jpeg

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:meters_reading_changelist"


@pytest.fixture
def readings(unit, meter, owner):
    other_meter = MeterFactory(unit=UnitFactory())
    return {
        "collector": ReadingFactory(meter=meter, reading_id="R-COLLECTOR", read_on=dt.date(2026, 10, 1)),
        "radio": ReadingFactory(meter=other_meter, reading_id="R-RADIO", source="radio"),
        "waiting": TenantReadingFactory(meter=meter, reading_id="P-20261120-WAITING001", submitted_by=owner),
        "rejected": TenantReadingFactory(
            meter=meter, reading_id="P-20261101-REJECTED01", status="rejected", rejected_reason="Błędny licznik."
        ),
    }


def listed(staff_client, **query) -> set[str]:
    response = staff_client.get(reverse(CHANGELIST), query)
    assert response.status_code == 200
    return {r.reading_id for r in response.context["cl"].result_list}


def test_staff_filter_readings_by_source_status_and_building(staff_client, readings, unit):
    assert listed(staff_client, source="tenant") == {"P-20261120-WAITING001", "P-20261101-REJECTED01"}
    assert listed(staff_client, stan="waiting") == {"P-20261120-WAITING001"}
    assert listed(staff_client, stan="rejected") == {"P-20261101-REJECTED01"}
    assert listed(staff_client, budynek=str(unit.building_id)) == {
        "R-COLLECTOR",
        "P-20261120-WAITING001",
        "P-20261101-REJECTED01",
    }
    assert listed(staff_client, q="R-RADIO") == {"R-RADIO"}


def test_staff_reject_a_waiting_tenant_reading_with_a_reason_and_the_tenant_is_emailed(
    staff_client, staff, readings, owner, smtp, django_capture_on_commit_callbacks
):
    waiting = readings["waiting"]
    action = staff_client.post(
        reverse(CHANGELIST), {"action": "reject_selected", "_selected_action": [waiting.pk, readings["collector"].pk]}
    )
    page = staff_client.get(action["Location"]).content.decode()
    assert "P-20261120-WAITING001" in page and "Pominięte" in page and "R-COLLECTOR" in page
    with django_capture_on_commit_callbacks(execute=True):
        done = staff_client.post(action["Location"], {"reason": "Stan niższy niż odczyt inkasenta z 15.11."})
    assert done.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == "rejected" and waiting.rejected_reason == "Stan niższy niż odczyt inkasenta z 15.11."
    entry = AuditEntry.objects.get(action="reading.reject")
    assert entry.actor == staff and entry.details["reason"] == "Stan niższy niż odczyt inkasenta z 15.11."
    (message,) = smtp.wait_for(1)
    assert message["To"] == owner.email
    assert message["Subject"] == f"Odczyt licznika nr {waiting.meter.serial_no} został odrzucony"
    readings["collector"].refresh_from_db()
    assert readings["collector"].status == "confirmed"
    assert waiting not in pending_readings()  # no longer goes out in the outbound bundle


def test_rejecting_needs_a_reason(staff_client, readings):
    url = reverse("admin:meters_reading_reject") + f"?ids={readings['waiting'].pk}"
    response = staff_client.post(url, {"reason": "  "})
    assert response.context["form"].errors["reason"] == ["To pole jest wymagane."]
    readings["waiting"].refresh_from_db()
    assert readings["waiting"].status == "waiting" and not EmailMessage.objects.exists()


def test_only_tenant_readings_waiting_for_confirmation_can_be_rejected(staff_client, readings):
    url = reverse("admin:meters_reading_reject") + f"?ids={readings['collector'].pk},{readings['rejected'].pk}"
    response = staff_client.post(url, {"reason": "Nie."})
    assert "Wybierz odczyty lokatorów, które czekają na potwierdzenie." in response.content.decode()
    assert Reading.objects.filter(status="rejected").count() == 1
    assert not AuditEntry.objects.filter(action="reading.reject").exists()


def test_the_reading_page_shows_the_tenants_photo_and_the_confirmed_implausible_consumption(
    frozen, staff_client, owner, meter, history
):
    client = Client()  # the tenant's browser, beside staff's
    client.force_login(owner)
    token_page = post_reading(client, meter, "150,000", photo=jpeg("licznik.jpg"))
    token = token_page.context["form"]["token"].value()
    post_reading(client, meter, "150,000", token=token, confirm="150,000")
    reading = Reading.objects.get(source="tenant")
    page = staff_client.get(reverse("admin:meters_reading_change", args=[reading.pk])).content.decode()
    assert "Lokator potwierdził nietypowe zużycie" in page and "zdjęcie licznika: licznik.jpg" in page
    assert "Odrzuć odczyt" in page
    photo = staff_client.get(reverse("admin:meters_reading_photo", args=[reading.pk]))
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    assert listed(staff_client, nietypowe="1") == {reading.reading_id}


def test_readings_and_meters_cannot_be_added_changed_or_deleted_in_admin(staff_client, readings, meter):
    reading = readings["collector"]
    assert staff_client.get(reverse("admin:meters_reading_add")).status_code == 403
    assert (
        staff_client.post(reverse("admin:meters_reading_delete", args=[reading.pk]), {"post": "yes"}).status_code == 403
    )
    staff_client.post(reverse("admin:meters_reading_change", args=[reading.pk]), {"value": "999"})
    reading.refresh_from_db()
    assert reading.value == Decimal("10.000")
    assert staff_client.get(reverse("admin:meters_meter_add")).status_code == 403


def test_staff_see_meters_due_for_legalization_by_building(frozen, staff_client):
    north, south = BuildingFactory(street="ul. Północna"), BuildingFactory(street="ul. Południowa")
    expired = MeterFactory(unit=UnitFactory(building=north), legalization_valid_until=dt.date(2026, 10, 1))
    soon = MeterFactory(unit=UnitFactory(building=north), legalization_valid_until=dt.date(2027, 1, 20))
    later = MeterFactory(unit=UnitFactory(building=south), legalization_valid_until=dt.date(2027, 1, 21))
    removed = MeterFactory(
        unit=UnitFactory(building=south), legalization_valid_until=dt.date(2026, 1, 1), removed_on=dt.date(2026, 1, 1)
    )
    page = staff_client.get(reverse("admin:meters_meter_legalization")).content.decode()
    assert "ul. Północna" in page and "liczników: 2, w tym wygasłych: 1" in page
    assert expired.serial_no in page and soon.serial_no in page
    assert later.serial_no not in page and removed.serial_no not in page and "ul. Południowa" not in page
    changelist = staff_client.get(
        reverse("admin:meters_meter_changelist"), {"legalizacja": "due", "budynek": north.pk}
    ).context["cl"]
    assert {m.serial_no for m in changelist.result_list} == {expired.serial_no, soon.serial_no}
    assert (
        reverse("admin:meters_meter_legalization")
        in staff_client.get(reverse("admin:meters_meter_changelist")).content.decode()
    )


def test_admin_of_readings_needs_staff_with_a_second_factor(client, owner, readings):
    client.force_login(owner)
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert client.get(reverse("admin:meters_reading_reject") + "?ids=1").status_code == 302
