"""Validity periods ("a title is active on D", "a grant is active on D", "an announcement is
current at T"), each declared once and rendered for every place that asks: the ORM (``q``),
hand-written SQL (``sql`` + ``params``) and Python on a loaded row (``contains``).

The rule of a period is its declaration (which fields, whether the end is inclusive, whether
it may be open); the three renderings are generic, so a model's rule cannot drift between
them. ``tests/portal/test_period_rules.py`` checks that all three agree on random data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TypeVar

from django.db.models import Q

Moment = TypeVar("Moment", dt.date, dt.datetime)


@dataclass(frozen=True)
class Period:
    """``start <= on`` and ``on <= end`` (``on < end`` when ``end_inclusive`` is false);
    an empty end (``open_end``) means the period has not ended."""

    start: str
    end: str
    end_inclusive: bool = True
    open_end: bool = True

    def q(self, on: dt.date | dt.datetime, prefix: str = "") -> Q:
        """The rule as an ORM filter; ``prefix`` reaches the fields through a relation (``"titles__"``)."""
        ends = Q(**{f"{prefix}{self.end}__{'gte' if self.end_inclusive else 'gt'}": on})
        if self.open_end:
            ends = Q(**{f"{prefix}{self.end}__isnull": True}) | ends
        return Q(**{f"{prefix}{self.start}__lte": on}) & ends

    def sql(self, alias: str) -> str:
        """The rule as an SQL condition on the row ``alias``; its parameters are ``params(on)``.
        Built from constant names only, so the result may be kept in a module constant."""
        start, end = f"{alias}.{self.start}", f"{alias}.{self.end}"
        ends = f"{end} {'>=' if self.end_inclusive else '>'} %s"
        if self.open_end:
            ends = f"({end} IS NULL OR {ends})"
        return f"{start} <= %s AND {ends}"

    @staticmethod
    def params(on: dt.date | dt.datetime) -> list[dt.date | dt.datetime]:
        """The parameters of ``sql``, in its order."""
        return [on, on]

    def contains(self, start: Moment, end: Moment | None, on: Moment) -> bool:
        """The rule on values already loaded (a model instance's fields)."""
        if start > on:
            return False
        if end is None:
            return self.open_end
        return on <= end if self.end_inclusive else on < end
