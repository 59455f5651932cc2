"""The monthly consumption chart: geometry of a server-rendered SVG bar chart.

The template (``meters/_chart.html``) draws what this computes; no JavaScript.
For a screen reader the SVG is one image with a title and a description that
says what it shows (period, total, average, highest and lowest month, gaps);
the table beside it carries every value.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.dates import MONTHS_3
from django.utils.translation import gettext as _

from meters.consumption import MonthUsage
from meters.formats import format_quantity

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 72, 12, 30, 52


def month_label(month: dt.date) -> str:
    return f"{month.month:02d}.{month.year}"


def _nice_ceiling(value: float) -> tuple[float, float]:
    """A round top of the axis at or above ``value`` and its tick step (1, 2, 2.5 or 5 × 10ⁿ)."""
    if value <= 0:
        return 1.0, 0.25
    raw_step = value / 4
    magnitude = 10 ** math.floor(math.log10(raw_step))
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * magnitude
        if step * 4 >= value:
            break
    return step * math.ceil(value / step - 1e-9), step


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # "07.2026: 4,120 m³" for the bar's own tooltip
    partial: bool
    missing: bool


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    unit: str
    bars: list[Bar]
    y_ticks: list[Tick]
    x_labels: list[Tick]
    year_labels: list[Tick]
    has_partial: bool
    has_missing: bool
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM

    @property
    def title_id(self) -> str:
        return f"{self.id}-title"

    @property
    def desc_id(self) -> str:
        return f"{self.id}-desc"


def describe(months: Sequence[MonthUsage], *, subject: str, unit: str) -> tuple[str, str]:
    """The chart's title and the description a screen reader reads out."""
    first, last = months[0].month, months[-1].month
    period = month_label(first) if first == last else f"{month_label(first)}–{month_label(last)}"
    title = _("Zużycie miesięczne: %(subject)s (%(unit)s), %(period)s") % {
        "subject": subject,
        "unit": unit,
        "period": period,
    }
    known = [m for m in months if m.amount is not None]
    parts = [_("Wykres słupkowy zużycia w kolejnych miesiącach (%(n)s).") % {"n": len(months)}]
    # (amount, month) of the months with data: what the sum and the extremes compare.
    amounts = [(m.amount, m.month) for m in known if m.amount is not None]
    if amounts:
        total = sum((amount for amount, _month in amounts), Decimal(0))
        high, high_month = max(amounts)
        low, low_month = min(amounts)
        parts.append(
            _("Łącznie %(total)s %(unit)s, średnio %(average)s %(unit)s w miesiącu z danymi.")
            % {"total": format_quantity(total), "average": format_quantity(total / len(amounts)), "unit": unit}
        )
        parts.append(
            _("Najwięcej w %(high_month)s: %(high)s %(unit)s; najmniej w %(low_month)s: %(low)s %(unit)s.")
            % {
                "high_month": month_label(high_month),
                "high": format_quantity(high),
                "low_month": month_label(low_month),
                "low": format_quantity(low),
                "unit": unit,
            }
        )
    missing = len(months) - len(known)
    if missing:
        parts.append(_("Brak odczytów za miesiące: %(n)s.") % {"n": missing})
    partial = sum(1 for m in known if not m.complete)
    if partial:
        parts.append(_("Niepełne dane (odczyty nie obejmują całego miesiąca): %(n)s.") % {"n": partial})
    parts.append(_("Wartości każdego miesiąca są w tabeli obok wykresu."))
    return title, " ".join(parts)


def monthly_chart(months: Sequence[MonthUsage], *, chart_id: str, subject: str, unit: str) -> Chart:
    """Bars of the monthly consumption, axis ticks and labels for ``months`` (at least one)."""
    title, description = describe(months, subject=subject, unit=unit)
    top_value = max((float(m.amount) for m in months if m.amount is not None), default=0.0)
    axis_top, step = _nice_ceiling(top_value)
    plot_w, plot_h = WIDTH - RIGHT - LEFT, HEIGHT - BOTTOM - TOP
    base = HEIGHT - BOTTOM
    slot = plot_w / len(months)
    bar_w = max(slot * 0.72, 1.0)
    decimals = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    y_ticks = []
    for i in range(round(axis_top / step) + 1):
        value = step * i
        y_ticks.append(
            Tick(round(base - plot_h * value / axis_top, 2), format_quantity(Decimal(repr(value)), min(decimals, 3)))
        )
    bars, x_labels, year_labels = [], [], []
    every = 1 if len(months) <= 12 else 2 if len(months) <= 24 else 0
    for i, usage in enumerate(months):
        x = LEFT + slot * i + (slot - bar_w) / 2
        center = round(LEFT + slot * i + slot / 2, 2)
        amount = float(usage.amount) if usage.amount is not None else 0.0
        height = plot_h * amount / axis_top if axis_top else 0.0
        text = (
            _("%(month)s: brak danych") % {"month": month_label(usage.month)}
            if usage.amount is None
            else f"{month_label(usage.month)}: {format_quantity(usage.amount)} {unit}"
        )
        bars.append(
            Bar(
                x=round(x, 2),
                y=round(base - height, 2),
                width=round(bar_w, 2),
                height=round(height, 2),
                label=text,
                partial=usage.amount is not None and not usage.complete,
                missing=usage.amount is None,
            )
        )
        if every and i % every == 0:
            # Django's own abbreviations in the active language: "sty" in Polish, "jan" in English.
            x_labels.append(Tick(center, str(MONTHS_3[usage.month.month])))
        # The first bar names its year, unless a January follows too closely to leave room.
        first_crowded = i == 0 and not every and usage.month.month > 10
        if (i == 0 and not first_crowded) or (i > 0 and usage.month.month == 1):
            year_labels.append(Tick(center if every else round(LEFT + slot * i, 2), str(usage.month.year)))
    return Chart(
        id=chart_id,
        title=title,
        description=description,
        unit=unit,
        bars=bars,
        y_ticks=y_ticks,
        x_labels=x_labels,
        year_labels=year_labels,
        has_partial=any(b.partial for b in bars),
        has_missing=any(b.missing for b in bars),
    )
