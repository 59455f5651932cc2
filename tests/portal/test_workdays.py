import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from portal.workdays import add_working_days, is_working_day, working_days_between


def test_weekend_is_not_a_working_day():
    assert is_working_day(dt.date(2026, 11, 20))  # Friday
    assert not is_working_day(dt.date(2026, 11, 21))  # Saturday
    assert not is_working_day(dt.date(2026, 11, 22))  # Sunday


def test_polish_public_holidays_are_not_working_days():
    for day in [
        dt.date(2026, 1, 6),  # Trzech Króli
        dt.date(2026, 4, 6),  # Poniedziałek Wielkanocny
        dt.date(2026, 6, 4),  # Boże Ciało
        dt.date(2026, 11, 11),  # Święto Niepodległości
        dt.date(2026, 12, 24),  # Wigilia, wolna od 2025
    ]:
        assert not is_working_day(day), day
    assert is_working_day(dt.date(2024, 12, 24))  # Wigilia was a working day before 2025


def test_friday_plus_one_working_day_is_monday():
    assert add_working_days(dt.date(2026, 11, 20), 1) == dt.date(2026, 11, 23)


def test_adding_working_days_skips_holidays():
    # Tue 10 Nov 2026 + 1: 11 Nov is a holiday → Thu 12 Nov.
    assert add_working_days(dt.date(2026, 11, 10), 1) == dt.date(2026, 11, 12)
    # 23 Dec 2026 (Wed) + 1: 24, 25, 26 (holidays), 27 (Sun) → Mon 28 Dec.
    assert add_working_days(dt.date(2026, 12, 23), 1) == dt.date(2026, 12, 28)


def test_negative_count_goes_back():
    assert add_working_days(dt.date(2026, 11, 23), -1) == dt.date(2026, 11, 20)


def test_days_between_counts_after_the_first_up_to_the_last():
    assert working_days_between(dt.date(2026, 11, 20), dt.date(2026, 11, 20)) == 0
    assert working_days_between(dt.date(2026, 11, 20), dt.date(2026, 11, 23)) == 1
    assert working_days_between(dt.date(2026, 11, 2), dt.date(2026, 11, 16)) == 9  # 11 Nov off
    assert working_days_between(dt.date(2026, 11, 23), dt.date(2026, 11, 20)) == -1


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2060, 1, 1)), st.integers(0, 400))
def test_days_between_inverts_adding(start, n):
    assert working_days_between(start, add_working_days(start, n)) == n
