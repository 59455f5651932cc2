"""The reading window: the days of the month on which tenants may submit readings.

The operator sets it with ``READING_WINDOW_DAYS`` (e.g. ``20-31``; empty = every
day). A day past the month's end means its last day (``20-31`` in February ends
on the 28th or 29th). A window whose first day is after its last (``25-5``)
runs over the turn of the month: from the 25th to the 5th of the next month.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from meters.consumption import add_months, month_start

_SETTING = re.compile(r"^\s*(\d{1,2})\s*-\s*(\d{1,2})\s*$")


def _day_of(month: dt.date, day: int) -> dt.date:
    """Day ``day`` of ``month``, or its last day when the month is shorter."""
    return month.replace(day=min(day, calendar.monthrange(month.year, month.month)[1]))


@dataclass(frozen=True)
class ReadingWindow:
    first_day: int
    last_day: int

    @classmethod
    def parse(cls, value: str) -> ReadingWindow | None:
        """``"20-31"`` → the window; ``""`` → None (every day). ValueError for anything else."""
        if not value.strip():
            return None
        match = _SETTING.match(value)
        if not match:
            raise ValueError(value)
        first, last = int(match[1]), int(match[2])
        if not (1 <= first <= 31 and 1 <= last <= 31):
            raise ValueError(value)
        return cls(first, last)

    @property
    def wraps(self) -> bool:
        return self.first_day > self.last_day

    def _period_opening_in(self, month: dt.date) -> tuple[dt.date, dt.date]:
        start = _day_of(month, self.first_day)
        end = _day_of(add_months(month, 1) if self.wraps else month, self.last_day)
        return start, end

    def period_containing(self, day: dt.date) -> tuple[dt.date, dt.date] | None:
        """(first, last day) of the window that ``day`` falls in, or None outside every window."""
        month = month_start(day)
        for opening_month in (month, add_months(month, -1)):
            start, end = self._period_opening_in(opening_month)
            if start <= day <= end:
                return start, end
        return None

    def next_opening(self, day: dt.date) -> dt.date:
        """The first day of the next window that opens after ``day``."""
        month = month_start(day)
        start, _end = self._period_opening_in(month)
        return start if start > day else self._period_opening_in(add_months(month, 1))[0]

    def describe(self) -> str:
        if self.wraps:
            return _("od %(first)s. dnia miesiąca do %(last)s. dnia następnego miesiąca") % {
                "first": self.first_day,
                "last": self.last_day,
            }
        return _("od %(first)s. do %(last)s. dnia miesiąca") % {"first": self.first_day, "last": self.last_day}


@dataclass(frozen=True)
class WindowState:
    """Whether readings are taken on a day, and if not, from when."""

    open: bool
    window: ReadingWindow | None
    period: tuple[dt.date, dt.date] | None  # the open window's first and last day
    opens_on: dt.date | None  # when closed: the next window's first day

    @property
    def message(self) -> str:
        """The Polish sentence the form shows when it is closed."""
        from portal.formats import format_date

        if self.open or self.window is None or self.opens_on is None:
            return ""
        return _(
            "Odczyty liczników przyjmujemy %(window)s. Formularz będzie dostępny od %(date)s. "
            "Wtedy wróć tutaj i podaj stan licznika."
        ) % {"window": self.window.describe(), "date": format_date(self.opens_on)}


def reading_window() -> ReadingWindow | None:
    return ReadingWindow.parse(settings.READING_WINDOW_DAYS)


def window_state(today: dt.date) -> WindowState:
    window = reading_window()
    if window is None:
        return WindowState(open=True, window=None, period=None, opens_on=None)
    period = window.period_containing(today)
    if period is not None:
        return WindowState(open=True, window=window, period=period, opens_on=None)
    return WindowState(open=False, window=window, period=None, opens_on=window.next_opening(today))
