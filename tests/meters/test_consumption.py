"""Consumption between readings, spread across months by days (pure functions)."""

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from meters.consumption import MonthUsage, Point, average_per_day, combine, monthly, segments

D = Decimal


def p(day: str, value: str) -> Point:
    return Point(dt.date.fromisoformat(day), D(value))


def amounts(months: list[MonthUsage]) -> dict[str, Decimal | None]:
    return {f"{m.month:%Y-%m}": m.amount for m in months}


def test_consumption_is_spread_over_the_months_by_days():
    # 15 Jan → 15 Mar 2026: 17 days of January, 28 of February, 14 of March; 1 m³ a day.
    months = monthly(
        segments([p("2026-01-15", "100"), p("2026-03-15", "159")]), dt.date(2026, 1, 1), dt.date(2026, 3, 31)
    )
    assert amounts(months) == {"2026-01": D("17.000"), "2026-02": D("28.000"), "2026-03": D("14.000")}
    assert [(m.covered_days, m.days) for m in months] == [(17, 31), (28, 28), (14, 31)]


def test_a_reading_on_the_first_of_a_month_closes_the_previous_month():
    months = monthly(
        segments([p("2026-02-01", "10"), p("2026-03-01", "14.5")]), dt.date(2026, 2, 1), dt.date(2026, 3, 31)
    )
    assert amounts(months) == {"2026-02": D("4.500"), "2026-03": None}
    assert months[0].complete and not months[1].complete


def test_the_months_of_a_segment_add_up_exactly_to_its_consumption():
    months = monthly(segments([p("2026-01-01", "0"), p("2026-04-01", "10")]), dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert sum(m.amount for m in months) == D("10.000")
    assert amounts(months) == {"2026-01": D("3.444"), "2026-02": D("3.112"), "2026-03": D("3.444")}


def test_a_month_without_readings_has_no_value_rather_than_zero():
    points = [p("2026-01-01", "5"), p("2026-02-01", "5"), p("2026-04-01", "6"), p("2026-05-01", "6")]
    months = monthly(segments(points), dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    assert amounts(months)["2026-01"] == D("0.000")  # read twice, nothing used: a real zero
    assert amounts(months)["2026-06"] is None


def test_several_readings_of_one_day_count_as_the_highest():
    assert segments([p("2026-01-01", "5"), p("2026-01-10", "7"), p("2026-01-10", "8")]) == segments(
        [p("2026-01-01", "5"), p("2026-01-10", "8")]
    )


def test_a_segment_going_down_gives_no_consumption_and_no_coverage():
    points = [p("2026-01-01", "50"), p("2026-02-01", "40"), p("2026-03-01", "43")]
    months = monthly(segments(points), dt.date(2026, 1, 1), dt.date(2026, 2, 28))
    assert amounts(months) == {"2026-01": None, "2026-02": D("3.000")}


def test_a_period_starting_inside_a_segment_takes_its_days_only():
    months = monthly(
        segments([p("2025-12-01", "0"), p("2026-03-01", "90")]), dt.date(2026, 2, 15), dt.date(2026, 2, 28)
    )
    (february,) = months
    assert february.days == 14 and february.covered_days == 14
    assert february.amount == D("14.000")  # 90 m³ over 90 days


def test_a_meter_installed_mid_month_can_still_have_a_complete_month():
    months = monthly(
        segments([p("2026-03-10", "0"), p("2026-04-01", "4.4")]),
        dt.date(2026, 3, 1),
        dt.date(2026, 3, 31),
        mounted=(dt.date(2026, 3, 10), None),
    )
    assert months[0].days == 22 and months[0].complete and months[0].amount == D("4.400")


def test_an_exchanged_meter_and_its_successor_add_up_in_the_unit():
    old = monthly(
        segments([p("2026-01-01", "100"), p("2026-02-15", "145")]),
        dt.date(2026, 1, 1),
        dt.date(2026, 3, 31),
        mounted=(dt.date(2020, 1, 1), dt.date(2026, 2, 14)),
    )
    new = monthly(
        segments([p("2026-02-15", "0"), p("2026-04-01", "45")]),
        dt.date(2026, 1, 1),
        dt.date(2026, 3, 31),
        mounted=(dt.date(2026, 2, 15), None),
    )
    unit = combine([old, new])
    assert amounts(unit) == {"2026-01": D("31.000"), "2026-02": D("28.000"), "2026-03": D("31.000")}
    assert all(m.complete for m in unit)


def test_average_per_day_counts_only_the_days_readings_cover():
    segs = segments([p("2025-01-01", "0"), p("2025-03-02", "60"), p("2025-06-01", "60"), p("2025-07-01", "90")])
    average, covered = average_per_day(segs, dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert covered == 60 + 91 + 30
    assert average == D(90) / D(181)
    assert average_per_day(segs, dt.date(2024, 1, 1), dt.date(2024, 12, 31)) == (D(0), 0)


@given(
    st.lists(
        st.tuples(st.integers(min_value=1, max_value=120), st.integers(min_value=0, max_value=99_999)),
        min_size=1,
        max_size=40,
    )
)
def test_monthly_amounts_always_add_up_to_the_last_value_minus_the_first(steps):
    day, value, points = dt.date(2020, 1, 1), D(0), [Point(dt.date(2020, 1, 1), D(0))]
    for gap, used in steps:
        day += dt.timedelta(days=gap)
        value += D(used) / 1000
        points.append(Point(day, value))
    months = monthly(segments(points), points[0].on, points[-1].on)
    assert sum(m.amount or 0 for m in months) == value
    assert all(m.covered_days <= m.days for m in months)


def test_readings_after_a_meters_removal_give_no_consumption():
    months = monthly(
        segments([p("2026-01-01", "0"), p("2026-03-01", "59")]),
        dt.date(2026, 1, 1),
        dt.date(2026, 2, 28),
        mounted=(dt.date(2020, 1, 1), dt.date(2026, 1, 31)),
    )
    assert amounts(months) == {"2026-01": D("31.000"), "2026-02": None}
    assert months[1].days == 0
