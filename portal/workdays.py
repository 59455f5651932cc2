"""Polish working days: Monday to Friday except public holidays (Dz.U. ustawa o dniach
wolnych od pracy, as the ``holidays`` package knows them, Christmas Eve from 2025).

Shared by the accounts (age of a pending application, A3) and the tickets
(complaint deadline of 7 working days, D2); keep the three names stable.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _holidays_of(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("PL", years=year).keys())


def is_working_day(d: dt.date) -> bool:
    """True for Monday–Friday that is not a Polish public holiday."""
    if isinstance(d, dt.datetime):
        d = d.date()
    return d.weekday() < 5 and d not in _holidays_of(d.year)


def add_working_days(d: dt.date, n: int) -> dt.date:
    """The day ``n`` working days after ``d`` (before it when ``n`` is negative).

    ``d`` itself does not count, and it need not be a working day:
    ``add_working_days(friday, 1)`` is the next Monday (unless that is a holiday).
    ``n == 0`` returns ``d`` unchanged.
    """
    if isinstance(d, dt.datetime):
        d = d.date()
    step = dt.timedelta(days=1 if n >= 0 else -1)
    remaining = abs(n)
    while remaining:
        d += step
        if is_working_day(d):
            remaining -= 1
    return d


def working_days_between(a: dt.date, b: dt.date) -> int:
    """Working days after ``a`` up to and including ``b`` (negative when ``b`` is before ``a``).

    So ``working_days_between(a, add_working_days(a, n)) == n``: an application
    submitted on a Friday is 1 working day old on Monday.
    """
    if isinstance(a, dt.datetime):
        a = a.date()
    if isinstance(b, dt.datetime):
        b = b.date()
    if b < a:
        return -working_days_between(b, a)
    count = 0
    day = a
    # Whole weeks first, so that a years-old date costs no more than a few weeks.
    while (b - day).days >= 7:
        count += sum(1 for i in range(1, 8) if is_working_day(day + dt.timedelta(days=i)))
        day += dt.timedelta(days=7)
    while day < b:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
