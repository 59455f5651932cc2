"""Consumption from meter readings: pure functions, no database.

A reading says what the meter showed on a day. The consumption between two
readings is their difference, and it is spread over the days between them
evenly: the reading of day ``a`` and the next one of day ``b`` give
``(b - a)`` days, ``a`` included and ``b`` not (a reading on the 1st of a month
closes the previous month). A month gets the share of its days.

Rules (docs/meters.md):
- several readings of one day count as one, the highest (a meter only goes up);
- a segment whose value goes down (a meter exchanged or reset without a removal
  date, or a corrected value) gives no consumption: its days count as not covered;
- a month nobody's readings cover at all has no value (``None``: "brak danych"),
  which is not the same as zero.

Amounts are ``Decimal`` with 3 places; each segment's shares are rounded
cumulatively, so the months of a segment add up exactly to its consumption.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

QUANTUM = Decimal("0.001")


@dataclass(frozen=True, order=True)
class Point:
    """What a meter showed on a day."""

    on: dt.date
    value: Decimal


@dataclass(frozen=True)
class Segment:
    """Consumption ``amount`` over the days ``start`` (included) … ``end`` (excluded)."""

    start: dt.date
    end: dt.date
    amount: Decimal

    @property
    def days(self) -> int:
        return (self.end - self.start).days


@dataclass(frozen=True)
class MonthUsage:
    """Consumption in one calendar month (``month`` is its first day).

    ``days`` are the days of the month inside the asked period, ``covered_days``
    those that readings cover; ``amount`` is None when no day is covered.
    """

    month: dt.date
    amount: Decimal | None
    covered_days: int
    days: int

    @property
    def complete(self) -> bool:
        return self.covered_days >= self.days


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def add_months(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """First days of the months from ``first``'s month to ``last``'s month, both included."""
    months, month = [], month_start(first)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def _q(value: Decimal) -> Decimal:
    return value.quantize(QUANTUM, rounding=ROUND_HALF_UP)


def segments(points: Iterable[Point]) -> list[Segment]:
    """Consecutive readings as consumption segments (see the rules above)."""
    by_day: dict[dt.date, Decimal] = {}
    for point in points:
        if point.on not in by_day or point.value > by_day[point.on]:
            by_day[point.on] = point.value
    days = sorted(by_day)
    result = []
    for a, b in itertools.pairwise(days):
        delta = by_day[b] - by_day[a]
        if delta >= 0:
            result.append(Segment(a, b, delta))
    return result


def _shares(segment: Segment, boundaries: Sequence[dt.date]) -> list[tuple[dt.date, int, Decimal]]:
    """The segment cut at ``boundaries`` (sorted month starts): (piece start, days, amount)."""
    inside = boundaries[bisect.bisect_right(boundaries, segment.start) : bisect.bisect_left(boundaries, segment.end)]
    cuts = [segment.start, *inside, segment.end]
    pieces, done_days, done_amount = [], 0, Decimal(0)
    for a, b in itertools.pairwise(cuts):
        done_days += (b - a).days
        # Cumulative rounding: the pieces of a segment always add up to its amount.
        cumulative = _q(segment.amount * done_days / segment.days)
        pieces.append((a, (b - a).days, cumulative - done_amount))
        done_amount = cumulative
    return pieces


def monthly(
    segs: Iterable[Segment],
    first: dt.date,
    last: dt.date,
    *,
    mounted: tuple[dt.date, dt.date | None] | None = None,
) -> list[MonthUsage]:
    """Consumption per calendar month for the days ``first`` … ``last`` (both included).

    With ``mounted`` (installed on, removed on or None) only the days the meter was mounted
    count, so a meter installed or removed mid-month can have a complete month."""
    months = months_between(first, last)
    if not months:
        return []
    end = last + dt.timedelta(days=1)
    boundaries = [*months, next_month(months[-1])]
    # Consumption counts only while the meter is mounted (readings after a removal are ignored).
    clip_lo, clip_hi = first, end
    if mounted is not None:
        clip_lo = max(first, mounted[0])
        if mounted[1] is not None:
            clip_hi = min(end, mounted[1] + dt.timedelta(days=1))
    amount = {m: Decimal(0) for m in months}
    covered = dict.fromkeys(months, 0)
    for seg in segs:
        if seg.end <= first or seg.start >= end:
            continue
        for piece_start, piece_days, piece_amount in _shares(seg, boundaries):
            month = month_start(piece_start)
            if month not in amount:
                continue
            # The piece lies in one month; clip it to the asked days.
            lo = max(piece_start, clip_lo)
            hi = min(piece_start + dt.timedelta(days=piece_days), clip_hi)
            if hi <= lo:
                continue
            inside = (hi - lo).days
            share = piece_amount if inside == piece_days else _q(piece_amount * inside / piece_days)
            amount[month] += share
            covered[month] += inside
    result = []
    for month, nxt in zip(months, boundaries[1:], strict=True):
        days = max((min(nxt, clip_hi) - max(month, clip_lo)).days, 0)
        result.append(
            MonthUsage(
                month=month,
                amount=amount[month] if covered[month] else None,
                covered_days=covered[month],
                days=days,
            )
        )
    return result


def combine(series: Sequence[Sequence[MonthUsage]]) -> list[MonthUsage]:
    """Several meters' months (same months, e.g. all cold-water meters of a unit) added up.

    Days and covered days add up too, so a month is complete when every meter covers the
    days it was mounted; a month has no value when no meter has one.
    """
    if not series:
        return []
    result = []
    for months in zip(*series, strict=True):
        amounts = [m.amount for m in months if m.amount is not None]
        result.append(
            MonthUsage(
                month=months[0].month,
                amount=sum(amounts, Decimal(0)) if amounts else None,
                covered_days=sum(m.covered_days for m in months),
                days=sum(m.days for m in months),
            )
        )
    return result


def average_per_day(segs: Iterable[Segment], first: dt.date, end: dt.date) -> tuple[Decimal, int]:
    """Average consumption per covered day within ``first`` (included) … ``end`` (excluded),
    and how many days readings cover there. ``(0, 0)`` without any covered day."""
    total, covered = Decimal(0), 0
    for seg in segs:
        lo, hi = max(seg.start, first), min(seg.end, end)
        if hi <= lo:
            continue
        days = (hi - lo).days
        total += seg.amount * days / seg.days
        covered += days
    if not covered:
        return Decimal(0), 0
    return total / covered, covered
