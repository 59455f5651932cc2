"""Template filters for Polish formats; registered as builtins, no {% load %} needed."""

from django import template

from portal.formats import format_amount, format_date, format_iban, format_nrb

register = template.Library()


@register.filter
def zl(value):
    """{{ amount|zl }} → 1 234,56 zł"""
    return format_amount(value)


@register.filter
def kwota(value):
    """{{ amount|kwota }} → 1 234,56 (no currency, for table columns)"""
    return format_amount(value, currency=False)


@register.filter
def data(value):
    """{{ date|data }} → 21.11.2026"""
    return format_date(value)


@register.filter
def data_czas(value):
    """{{ datetime|data_czas }} → 21.11.2026 14:05"""
    return format_date(value, with_time=True)


@register.filter
def nrb(value):
    """{{ account|nrb }} → 61 1090 1014 0000 0712 1981 2874"""
    return format_nrb(value or "")


@register.filter
def iban(value):
    """{{ account|iban }} → PL61 1090 1014 0000 0712 1981 2874"""
    return format_iban(value or "")
