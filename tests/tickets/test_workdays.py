"""The working-day rule (D2): Saturdays, Sundays and Polish public holidays do not count."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.workdays import add_working_days, is_working_day, working_days_between

D = dt.date


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        (D(2026, 4, 5), "Easter Sunday"),
        (D(2026, 4, 6), "Easter Monday"),
        (D(2025, 4, 21), "Easter Monday 2025"),
        (D(2026, 5, 1), "Labour Day (Friday)"),
        (D(2025, 5, 1), "Labour Day (Thursday)"),
        (D(2027, 5, 3), "Constitution Day (Monday)"),
        (D(2026, 6, 4), "Corpus Christi"),
        (D(2026, 11, 11), "Independence Day (Wednesday)"),
        (D(2025, 11, 11), "Independence Day (Tuesday)"),
        (D(2025, 12, 24), "Christmas Eve, a public holiday from 2025"),
        (D(2026, 12, 24), "Christmas Eve 2026"),
        (D(2026, 12, 25), "Christmas Day"),
        (D(2025, 12, 26), "Second Day of Christmas"),
        (D(2026, 1, 6), "Epiphany"),
        (D(2026, 11, 21), "Saturday"),
        (D(2026, 11, 22), "Sunday"),
    ],
)
def test_holidays_and_weekends_are_not_working_days(day, reason):
    assert not is_working_day(day), reason


@pytest.mark.parametrize(
    "day",
    [
        D(2026, 4, 7),  # the Tuesday after Easter
        D(2026, 4, 3),  # Good Friday is a working day in Poland
        D(2026, 5, 4),  # Monday after 3 May on a Sunday: no substitute day off
        D(2026, 11, 10),
        D(2026, 11, 12),
        D(2024, 12, 24),  # before 2025 Christmas Eve was a working day
        D(2026, 12, 23),
        D(2026, 12, 28),
    ],
)
def test_ordinary_weekdays_around_holidays_are_working_days(day):
    assert is_working_day(day)


def test_seven_working_days_after_easter_skip_the_weekend_and_easter_monday():
    # Thursday before Easter 2026: Fri 3, (Sat 4, Sun 5, Mon 6), Tue 7 … Fri 10, Mon 13, Tue 14.
    assert add_working_days(D(2026, 4, 2), 7) == D(2026, 4, 14)
    assert working_days_between(D(2026, 4, 2), D(2026, 4, 14)) == 7
    assert working_days_between(D(2026, 4, 3), D(2026, 4, 7)) == 1


def test_may_holidays_push_the_deadline():
    # Wednesday 29 April 2026: Thu 30, (Fri 1 May, weekend with 3 May), Mon 4 … Fri 8, Mon 11.
    assert add_working_days(D(2026, 4, 29), 7) == D(2026, 5, 11)
    # 2025: 1 May is a Thursday, 3 May a Saturday.
    assert add_working_days(D(2025, 4, 30), 1) == D(2025, 5, 2)
    assert add_working_days(D(2025, 4, 30), 7) == D(2025, 5, 12)


def test_independence_day_is_skipped():
    # Monday 9 November 2026: Tue 10, (Wed 11), Thu 12, Fri 13, Mon 16 … Thu 19.
    assert add_working_days(D(2026, 11, 9), 7) == D(2026, 11, 19)
    assert working_days_between(D(2026, 11, 10), D(2026, 11, 12)) == 1


def test_christmas_eve_and_christmas_are_skipped():
    # Monday 21 December 2026: Tue 22, Wed 23, (Thu 24, Fri 25, Sat 26, Sun 27), Mon 28 … Thu 31,
    # (Fri 1 January), Mon 4 January.
    assert add_working_days(D(2026, 12, 21), 7) == D(2027, 1, 4)
    # 2025: 24, 25 and 26 December fall on Wednesday to Friday.
    assert add_working_days(D(2025, 12, 23), 1) == D(2025, 12, 29)


def test_an_event_on_a_holiday_counts_from_the_next_working_day():
    assert add_working_days(D(2026, 4, 6), 1) == D(2026, 4, 7)
    assert add_working_days(D(2026, 11, 11), 7) == D(2026, 11, 20)


def test_zero_and_negative_offsets():
    assert add_working_days(D(2026, 4, 6), 0) == D(2026, 4, 6)
    assert add_working_days(D(2026, 4, 7), -1) == D(2026, 4, 3)
    assert working_days_between(D(2026, 4, 14), D(2026, 4, 2)) == -7


@given(st.dates(min_value=D(2024, 1, 1), max_value=D(2030, 12, 31)), st.integers(min_value=-30, max_value=30))
def test_adding_and_counting_agree(day, n):
    assert working_days_between(day, add_working_days(day, n)) == n
    assert n == 0 or is_working_day(add_working_days(day, n))
