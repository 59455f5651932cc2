"""Amounts in Polish words (*słownie*), as printed on invoices: ``trzysta dwanaście złotych 40/100``."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

_UNITS = ["", "jeden", "dwa", "trzy", "cztery", "pięć", "sześć", "siedem", "osiem", "dziewięć"]
_TEENS = [
    "dziesięć",
    "jedenaście",
    "dwanaście",
    "trzynaście",
    "czternaście",
    "piętnaście",
    "szesnaście",
    "siedemnaście",
    "osiemnaście",
    "dziewiętnaście",
]
_TENS = [
    "",
    "",
    "dwadzieścia",
    "trzydzieści",
    "czterdzieści",
    "pięćdziesiąt",
    "sześćdziesiąt",
    "siedemdziesiąt",
    "osiemdziesiąt",
    "dziewięćdziesiąt",
]
_HUNDREDS = [
    "",
    "sto",
    "dwieście",
    "trzysta",
    "czterysta",
    "pięćset",
    "sześćset",
    "siedemset",
    "osiemset",
    "dziewięćset",
]
# (one, two–four, five and more) for each power of a thousand, then for the currency.
_GROUPS = [
    ("", "", ""),
    ("tysiąc", "tysiące", "tysięcy"),
    ("milion", "miliony", "milionów"),
    ("miliard", "miliardy", "miliardów"),
    ("bilion", "biliony", "bilionów"),
]
ZLOTY = ("złoty", "złote", "złotych")
GROSZ = ("grosz", "grosze", "groszy")


def plural_form(n: int, forms: tuple[str, str, str]) -> str:
    """The Polish noun form for ``n``: 1 złoty, 2–4 złote (but 12–14 złotych), 5+ złotych."""
    if n == 1:
        return forms[0]
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return forms[1]
    return forms[2]


def _below_thousand(n: int) -> list[str]:
    words = [_HUNDREDS[n // 100]]
    rest = n % 100
    if 10 <= rest < 20:
        words.append(_TEENS[rest - 10])
    else:
        words += [_TENS[rest // 10], _UNITS[rest % 10]]
    return [w for w in words if w]


def number_in_words(n: int) -> str:
    """A whole number in Polish words: ``1234`` → ``tysiąc dwieście trzydzieści cztery``."""
    if n < 0:
        return "minus " + number_in_words(-n)
    if n == 0:
        return "zero"
    if n >= 1000 ** len(_GROUPS):
        raise ValueError(n)
    words: list[str] = []
    for power in range(len(_GROUPS) - 1, -1, -1):
        group = (n // 1000**power) % 1000
        if not group:
            continue
        if power and group == 1:
            words.append(_GROUPS[power][0])  # "tysiąc", not "jeden tysiąc"
            continue
        words += _below_thousand(group)
        if power:
            words.append(plural_form(group, _GROUPS[power]))
    return " ".join(words)


def amount_in_words(value: Decimal | int | str) -> str:
    """An amount in złoty as on an invoice: whole złoty in words, grosze as a fraction.

    ``Decimal("312.40")`` → ``trzysta dwanaście złotych 40/100``;
    ``Decimal("1.01")`` → ``jeden złoty 01/100``.
    """
    amount = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "minus " if amount < 0 else ""
    grosze_total = int(abs(amount) * 100)
    zloty, grosze = divmod(grosze_total, 100)
    return f"{sign}{number_in_words(zloty)} {plural_form(zloty, ZLOTY)} {grosze:02d}/100"
