"""The meters panel of a unit (included by the unit page) and the meters pages."""

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from tests.factories import MeterFactory, ReadingFactory, TenantReadingFactory

pytestmark = pytest.mark.django_db


def panel(unit) -> str:
    return Template('{% include "meters/_unit_panel.html" %}').render(Context({"unit": unit}))


def test_the_panel_lists_medium_serial_installation_last_reading_and_legalization(unit, meter, history, frozen):
    html = panel(unit)
    assert "Zimna woda" in html and meter.serial_no in html and "01.03.2020" in html
    assert "139,000 m³" in html and "01.11.2026" in html and "01.03.2028" in html
    assert reverse("meters:submit", args=[meter.pk]) in html
    assert reverse("meters:meter", args=[meter.pk]) in html
    assert reverse("meters:unit_history", args=[unit.pk]) in html
    assert "badge" not in html


def test_the_panel_warns_from_60_days_before_the_legalization_expires(unit, frozen):
    MeterFactory(unit=unit, legalization_valid_until=dt.date(2027, 1, 20))  # 60 days after 21.11.2026
    html = panel(unit)
    assert '<span class="badge badge-warn">wkrótce wygasa</span>' in html
    assert "legalizacja licznika wygasa 20.01.2027" in html


def test_the_panel_does_not_warn_61_days_before(unit, frozen):
    MeterFactory(unit=unit, legalization_valid_until=dt.date(2027, 1, 21))
    assert "wkrótce wygasa" not in panel(unit)


def test_the_panel_marks_an_expired_legalization_and_offers_no_reading(unit, operator, frozen):
    meter = MeterFactory(unit=unit, legalization_valid_until=dt.date(2026, 11, 20))
    html = panel(unit)
    assert '<span class="badge badge-danger">legalizacja wygasła</span>' in html
    assert "nie przyjmuje odczytów" in html and reverse("meters:submit", args=[meter.pk]) not in html
    assert "Legalizacja tego licznika wygasła 20.11.2026" in html and "tel. 32 672 11 00" in html


def test_the_panel_shows_a_waiting_tenant_reading_as_the_last_one(unit, meter, history, frozen):
    TenantReadingFactory(meter=meter, read_on=dt.date(2026, 11, 20), value=Decimal("141"))
    assert "141,000 m³" in panel(unit) and "czeka na potwierdzenie" in panel(unit)


def test_the_panel_ignores_a_rejected_reading(unit, meter, history, frozen):
    TenantReadingFactory(meter=meter, read_on=dt.date(2026, 11, 20), value=Decimal("141"), status="rejected")
    assert "139,000 m³" in panel(unit)


def test_the_panel_marks_a_removed_meter(unit, frozen):
    MeterFactory(unit=unit, removed_on=dt.date(2026, 6, 30))
    assert "zdemontowany 30.06.2026" in panel(unit)


def test_the_panel_of_a_unit_without_meters_says_so(unit, frozen):
    assert "W tym lokalu nie ma liczników" in panel(unit)


def test_the_panel_says_when_the_window_opens(unit, meter, settings, frozen):
    settings.READING_WINDOW_DAYS = "25-31"
    assert "Formularz będzie dostępny od 25.11.2026." in panel(unit)


def test_the_panel_needs_a_fixed_number_of_queries(unit, django_assert_num_queries, frozen):
    for medium in ("cold_water", "hot_water", "heat", "electricity"):
        meter = MeterFactory(unit=unit, medium=medium)
        ReadingFactory(meter=meter, read_on=dt.date(2026, 10, 1), value=Decimal("5"))
    with django_assert_num_queries(2):  # the meters, their last readings
        panel(unit)


def test_of_two_readings_on_one_day_the_panel_shows_the_higher_one(unit, meter, history, frozen):
    TenantReadingFactory(meter=meter, read_on=dt.date(2026, 11, 20), value=Decimal("142"))
    TenantReadingFactory(meter=meter, read_on=dt.date(2026, 11, 20), value=Decimal("141"))
    assert "142,000 m³" in panel(unit) and "141,000" not in panel(unit)


def test_each_meter_of_the_panel_shows_its_own_last_reading(unit, meter, history, frozen):
    other = MeterFactory(unit=unit, medium="hot_water")
    ReadingFactory(meter=other, read_on=dt.date(2026, 10, 1), value=Decimal("7"))
    html = panel(unit)
    assert "139,000 m³" in html and "7,000 m³" in html


def test_the_meters_page_shows_the_panel_of_each_of_the_users_units(client, owner, unit, meter, frozen):
    client.force_login(owner)
    page = client.get(reverse("meters:index")).content.decode()
    assert str(unit) in page and meter.serial_no in page
    assert reverse("meters:index") in client.get(reverse("home")).content.decode()  # the user menu
    unit_page = client.get(reverse("meters:unit", args=[unit.pk])).content.decode()
    assert meter.serial_no in unit_page


def test_the_meters_page_of_a_user_without_units_says_so(client, stranger, unit, meter, frozen):
    stranger.grants.update(until=timezone.localdate() - dt.timedelta(days=1))
    client.force_login(stranger)
    page = client.get(reverse("meters:index")).content.decode()
    assert "nie ma obecnie dostępu do żadnego lokalu" in page and meter.serial_no not in page
