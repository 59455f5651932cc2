"""Working days in Poland: Monday to Friday except the public holidays of the
``holidays`` package (a maintained calendar: Easter Monday, Corpus Christi,
and 24 December from 2025 on follow the statutes without code changes here).

Used for deadlines counted "in working days" (complaints: 7 working days, D2;
application activation target: 5 working days, A3) and for ages shown to staff.

Counting convention (as in the Civil Code, art. 111 § 2): the day of the event
is not counted. ``add_working_days(d, 7)`` is the 7th working day after ``d``,
and ``working_days_between(a, b)`` counts the working days after ``a`` up to and
including ``b``, so ``working_days_between(d, add_working_days(d, n)) == n``
(for a negative ``n`` too).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays

_ONE_DAY = dt.timedelta(days=1)
_ONE_WEEK = dt.timedelta(days=7)


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("PL", years=year).keys())


def _as_date(d: dt.date) -> dt.date:
    return d.date() if isinstance(d, dt.datetime) else d


def is_working_day(d: dt.date) -> bool:
    """True for Monday–Friday that is not a Polish public holiday."""
    d = _as_date(d)
    return d.weekday() < 5 and d not in _public_holidays(d.year)


def add_working_days(d: dt.date, n: int) -> dt.date:
    """The ``n``-th working day after ``d`` (before ``d`` when ``n`` is negative); ``d`` itself for 0.
    ``d`` need not be a working day: ``add_working_days(friday, 1)`` is the next Monday (unless a holiday)."""
    step = _ONE_DAY if n >= 0 else -_ONE_DAY
    remaining = abs(n)
    day = _as_date(d)
    while remaining:
        day += step
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(a: dt.date, b: dt.date) -> int:
    """Working days after ``a`` up to and including ``b``. When ``b`` is before ``a`` the
    count runs backwards (working days before ``a`` down to and including ``b``) and is
    negative, so that ``working_days_between(d, add_working_days(d, n)) == n`` for any ``n``."""
    a, b = _as_date(a), _as_date(b)
    step, week, sign = (_ONE_DAY, _ONE_WEEK, 1) if b >= a else (-_ONE_DAY, -_ONE_WEEK, -1)
    count = 0
    day = a
    # Whole weeks first, so that a years-old date costs no more than a few weeks.
    while abs((b - day).days) >= 7:
        count += sign * sum(1 for i in range(1, 8) if is_working_day(day + i * step))
        day += week
    while day != b:
        day += step
        if is_working_day(day):
            count += sign
    return count
