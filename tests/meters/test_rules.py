"""Rules of one meter (Meter.accepts_reading, legalization, plausibility), the day given explicitly."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from meters import selectors
from meters.consumption import Point
from tests.factories import MeterFactory, ReadingFactory
from tests.meters.conftest import LAST_VALUE, TODAY

pytestmark = pytest.mark.django_db
D = Decimal


def refusal_messages(meter, **kwargs) -> dict:
    with pytest.raises(ValidationError) as caught:
        meter.accepts_reading(**{"today": TODAY, **kwargs})
    return caught.value.message_dict if hasattr(caught.value, "error_dict") else {"__all__": caught.value.messages}


def test_a_value_not_below_the_last_reading_from_today_is_accepted(meter):
    meter.accepts_reading(value=D("139"), read_on=TODAY, today=TODAY, last=Point(dt.date(2026, 11, 1), LAST_VALUE))


def test_a_value_below_the_last_reading_is_refused_with_the_last_one_named(meter, operator):
    errors = refusal_messages(meter, value=D("138.999"), read_on=TODAY, last=Point(dt.date(2026, 11, 1), LAST_VALUE))
    assert errors == {
        "value": [
            "Podany stan 138,999 jest niższy niż ostatni odczyt 139,000 m³ z 01.11.2026. Licznik nie cofa się: "
            "sprawdź, czy odczytano wszystkie cyfry przed przecinkiem. Jeśli licznik wymieniono, skontaktuj się "
            "z biurem obsługi (tel. 32 672 11 00, e-mail bok@piast.example.pl)."
        ]
    }


def test_a_reading_date_in_the_future_is_refused(meter):
    errors = refusal_messages(meter, value=D("140"), read_on=TODAY + dt.timedelta(days=1), last=None)
    assert errors == {"read_on": ["Data odczytu nie może być późniejsza niż dziś (21.11.2026)."]}


def test_a_reading_date_before_the_last_reading_is_refused(meter):
    errors = refusal_messages(
        meter, value=D("140"), read_on=dt.date(2026, 10, 31), last=Point(dt.date(2026, 11, 1), LAST_VALUE)
    )
    assert errors == {"read_on": ["Data odczytu nie może być wcześniejsza niż ostatni odczyt (01.11.2026)."]}


def test_a_reading_date_before_the_installation_is_refused(meter):
    errors = refusal_messages(meter, value=D("1"), read_on=dt.date(2020, 2, 29), last=None)
    assert errors == {"read_on": ["Data odczytu nie może być wcześniejsza niż montaż licznika (01.03.2020)."]}


def test_a_removed_meter_takes_no_readings_and_says_whom_to_contact(unit, operator):
    meter = MeterFactory(unit=unit, removed_on=dt.date(2026, 11, 2))
    assert refusal_messages(meter, value=D("5"), read_on=TODAY, last=None) == {
        "__all__": [
            "Ten licznik został zdemontowany 02.11.2026 i nie przyjmuje już odczytów. Jeśli w lokalu jest nowy "
            "licznik, którego tu nie widać, skontaktuj się z biurem obsługi (tel. 32 672 11 00, e-mail "
            "bok@piast.example.pl)."
        ]
    }


def test_a_meter_the_back_office_withdrew_takes_no_readings(unit):
    meter = MeterFactory(unit=unit, withdrawn_at=timezone.now())
    assert "Tego licznika nie ma już w ewidencji" in meter.reading_refusal(TODAY)


def test_a_meter_with_expired_legalization_takes_no_readings_and_says_whom_to_contact(unit, operator):
    meter = MeterFactory(unit=unit, legalization_valid_until=dt.date(2026, 11, 20))
    assert refusal_messages(meter, value=D("5"), read_on=TODAY, last=None) == {
        "__all__": [
            "Legalizacja tego licznika wygasła 20.11.2026, więc jego wskazania nie mogą być podstawą rozliczenia "
            "i nie przyjmujemy odczytów. Skontaktuj się z biurem obsługi (tel. 32 672 11 00, e-mail "
            "bok@piast.example.pl), aby umówić wymianę lub legalizację licznika."
        ]
    }
    meter.legalization_valid_until = TODAY  # valid through its last day
    assert meter.reading_refusal(TODAY) is None


def test_legalization_warns_from_60_days_before_and_is_expired_the_day_after(unit):
    meter = MeterFactory(unit=unit, legalization_valid_until=dt.date(2027, 1, 20))
    assert meter.legalization_status(dt.date(2026, 11, 20)) == "valid"  # 61 days before
    assert meter.legalization_status(dt.date(2026, 11, 21)) == "expiring"  # 60 days before
    assert meter.legalization_status(dt.date(2027, 1, 20)) == "expiring"
    assert meter.legalization_status(dt.date(2027, 1, 21)) == "expired"
    assert MeterFactory(unit=unit, legalization_valid_until=None).legalization_status(TODAY) == "unknown"


def test_the_warning_period_is_a_setting(unit, settings):
    settings.METERS_LEGALIZATION_WARNING_DAYS = 30
    meter = MeterFactory(unit=unit, legalization_valid_until=dt.date(2027, 1, 20))
    assert meter.legalization_status(dt.date(2026, 11, 21)) == "valid"


def _points(meter):
    return selectors.measured_points([meter])[meter.external_id]


def test_consumption_over_three_times_the_average_per_day_is_implausible(meter, history):
    # The last 12 months average 34 m³ over 345 covered days (0.0986/day); 20 days since 1.11.
    check = meter.plausibility(value=D("145.000"), read_on=TODAY, history=_points(meter))
    assert check.implausible and check.days == 20 and check.per_day == D("0.3")
    assert check.average_per_day == D(34) / D(345)


def test_consumption_up_to_three_times_the_average_is_plausible(meter, history):
    assert not meter.plausibility(value=D("144.900"), read_on=TODAY, history=_points(meter)).implausible


def test_a_positive_consumption_on_the_day_of_the_last_reading_is_implausible(meter, history):
    check = meter.plausibility(value=D("139.5"), read_on=dt.date(2026, 11, 1), history=_points(meter))
    assert check.implausible and check.per_day is None


def test_without_four_weeks_of_history_nothing_is_implausible(meter):
    ReadingFactory(meter=meter, read_on=dt.date(2026, 11, 1), value=D("10"))
    ReadingFactory(meter=meter, read_on=dt.date(2026, 11, 20), value=D("10.1"))
    meter.initial_value = None
    points = selectors.measured_points([meter])[meter.external_id]
    assert not meter.plausibility(value=D("99"), read_on=TODAY, history=points).implausible


def test_rejected_readings_and_estimates_do_not_count_as_the_last_reading(meter, history):
    ReadingFactory(meter=meter, read_on=dt.date(2026, 11, 10), value=D("200"), source="estimate")
    ReadingFactory(
        meter=meter,
        reading_id="P-20261115-AAAAAAAAAA",
        read_on=dt.date(2026, 11, 15),
        value=D("300"),
        source="tenant",
        status="rejected",
        submitted_at=timezone.now(),
    )
    assert selectors.last_point(_points(meter)) == Point(dt.date(2026, 11, 1), LAST_VALUE)
