"""Done-when of issue 6, in Chromium against the live server: a tenant submits a reading, is asked
about the implausible consumption, confirms, and finds the reading in the history and in the
outbound bundle; the back-office's next bundle confirms it."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from meters.models import Reading, ReadingSubmission
from sync.models import ImportRun
from sync.outbound import export_outbound
from sync.services import bundle_import
from tests.factories import PASSWORD, MeterFactory, ReadingFactory, TenantFactory, UnitFactory
from tests.meters.exchange import delta_with_readings, outbound_rows
from tests.tickets.helpers import image_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_tenant_confirms_an_implausible_reading_and_finds_it_in_the_history_and_the_outbound_bundle(page, tmp_path):
    today = timezone.localdate()
    unit = UnitFactory()
    tenant = TenantFactory(units=[unit])
    meter = MeterFactory(unit=unit, installed_on=today - dt.timedelta(days=800), initial_value=Decimal("0"))
    for k in range(13, 0, -1):  # a reading every 30 days, 3 m³ each: 0.1 m³ a day
        ReadingFactory(meter=meter, read_on=today - dt.timedelta(days=30 * k), value=Decimal(100 + 3 * (13 - k)))
    photo = tmp_path / "wodomierz.jpg"
    photo.write_bytes(image_bytes("JPEG", (640, 480)))

    page.goto(page.base_url + "/logowanie/")
    page.get_by_label("Login (identyfikator)").fill(tenant.username)
    page.get_by_label("Hasło").fill(PASSWORD)
    page.get_by_role("button", name="Zaloguj się").click()
    page.get_by_role("link", name="Liczniki", exact=True).click()
    expect(page.get_by_role("heading", name="Liczniki i odczyty")).to_be_visible()
    expect(page.get_by_role("cell", name="136,000 m³", exact=False)).to_be_visible()
    page.get_by_role("link", name=re.compile(r"^Podaj odczyt")).click()

    # 30 m³ in 30 days is 1 m³ a day, ten times the average: the form asks first.
    page.get_by_label("Stan licznika").fill("166,500")
    expect(page.get_by_label("Data odczytu")).to_have_value(today.isoformat())
    page.get_by_label("Zdjęcie licznika (nieobowiązkowe)").set_input_files(str(photo))
    page.get_by_role("button", name="Wyślij odczyt").click()
    question = page.get_by_role("alert").filter(has_text="Czy stan licznika jest prawidłowy?")
    expect(question).to_be_visible()
    expect(question).to_contain_text("oznacza zużycie 30,500 m³ w 30 dn.")
    assert not Reading.objects.filter(source="tenant").exists()
    expect(page.get_by_text("Dołączone zdjęcie: wodomierz.jpg.")).to_be_visible()
    page.get_by_label("Sprawdziłem(-am) stan licznika: jest prawidłowy, proszę przyjąć odczyt.").check()
    page.get_by_role("button", name="Wyślij odczyt").click()

    # The history: the message, the reading waiting for confirmation, the chart with its table.
    expect(page.get_by_text("Przyjęliśmy odczyt 166,500 m³")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="166,500 m³")
    expect(row).to_contain_text(timezone.localdate().strftime("%d.%m.%Y"))
    expect(row).to_contain_text("czeka na potwierdzenie")
    expect(row.get_by_role("link", name=re.compile("^zdjęcie"))).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("^Zużycie miesięczne"))).to_be_visible()
    reading = Reading.objects.get(source="tenant")
    assert reading.status == "waiting" and reading.submitted_by == tenant
    assert ReadingSubmission.objects.get(reading_id=reading.reading_id).implausible_confirmed

    # The nightly outbound bundle carries it to the back-office …
    bundle = export_outbound(directory=tmp_path / "outbox")
    rows = outbound_rows(tmp_path / "outbox" / bundle.export_id)
    assert rows[1][:5] == [reading.reading_id, meter.external_id, today.isoformat(), "166,500", "tenant"]

    # … and the back-office's next bundle brings it back: confirmed.
    echo = delta_with_readings(tmp_path, [rows[1][:5]], export_id=f"BO-{today:%Y%m%d}-001", sequence=1)
    assert bundle_import(path=echo).status == ImportRun.Status.IMPORTED
    page.reload()
    expect(page.get_by_role("row").filter(has_text="166,500 m³")).to_contain_text("potwierdzony")


@pytest.mark.parametrize(
    "path", ["/liczniki/", "/liczniki/{meter}/", "/liczniki/{meter}/odczyt/", "/lokale/{unit}/liczniki/historia/"]
)
def test_meter_pages_fit_a_360_px_phone(phone_page, path):
    unit = UnitFactory()
    tenant = TenantFactory(units=[unit])
    meter = MeterFactory(unit=unit, legalization_valid_until=timezone.localdate() + dt.timedelta(days=10))
    ReadingFactory(meter=meter, read_on=timezone.localdate() - dt.timedelta(days=40), value=Decimal("12.5"))
    phone_page.goto(phone_page.base_url + "/logowanie/")
    phone_page.get_by_label("Login (identyfikator)").fill(tenant.username)
    phone_page.get_by_label("Hasło").fill(PASSWORD)
    phone_page.get_by_role("button", name="Zaloguj się").click()
    phone_page.goto(phone_page.base_url + path.format(meter=meter.pk, unit=unit.pk))
    expect(phone_page.get_by_role("heading", level=1)).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
