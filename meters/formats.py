"""Polish formats of meter values and quantities (money and dates: portal/formats.py)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

NBSP = "\u00a0"


def format_quantity(value: Decimal | int | None, places: int = 3) -> str:
    """``Decimal("1234.5")`` → ``"1 234,500"`` (non-breaking spaces, decimal comma)."""
    if value is None:
        return ""
    quantum = Decimal(1).scaleb(-places)
    amount = Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    whole, _sep, fraction = f"{abs(amount):.{places}f}".partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    text = sign + NBSP.join(groups)
    return f"{text},{fraction}" if places else text


def format_reading_value(value: Decimal | None) -> str:
    """``Decimal("1234.5")`` → ``"1234,500"``: a value as typed back into a form (no spaces)."""
    return "" if value is None else f"{value:.3f}".replace(".", ",")
