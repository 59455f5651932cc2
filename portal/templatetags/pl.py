"""Template filters for Polish formats, and ``{% url %}`` with a memory; registered as
builtins, no {% load %} needed."""

from __future__ import annotations

from typing import Any

from django import template
from django.template import defaulttags
from django.template.base import Parser, Token

from portal.formats import format_amount, format_date, format_iban, format_nrb, polish_quotes
from portal.internals import MemoURLNode

register = template.Library()


@register.filter
def zl(value: Any) -> str:
    """{{ amount|zl }} → 1 234,56 zł"""
    return format_amount(value)


@register.filter
def kwota(value: Any) -> str:
    """{{ amount|kwota }} → 1 234,56 (no currency, for table columns)"""
    return format_amount(value, currency=False)


@register.filter
def data(value: Any) -> str:
    """{{ date|data }} → 21.11.2026"""
    return format_date(value)


@register.filter
def data_czas(value: Any) -> str:
    """{{ datetime|data_czas }} → 21.11.2026 14:05"""
    return format_date(value, with_time=True)


@register.filter
def nrb(value: Any) -> str:
    """{{ account|nrb }} → 61 1090 1014 0000 0712 1981 2874"""
    return format_nrb(value or "")


@register.filter
def iban(value: Any) -> str:
    """{{ account|iban }} → PL61 1090 1014 0000 0712 1981 2874"""
    return format_iban(value or "")


@register.filter
def cudzyslowy(value: Any) -> str:
    """{{ title|cudzyslowy }} → Zawiadomienie „pilne” (straight quotes made Polish)"""
    return polish_quotes(str(value or ""))


# --- {% url %} with a memory ---------------------------------------------------------------------
# Django's ``{% url %}`` (same syntax; builtins are loaded after Django's tags) whose node keeps
# what it reversed: ``portal.internals.MemoURLNode`` says why and what it relies on.


@register.tag
def url(parser: Parser, token: Token) -> MemoURLNode:
    node = defaulttags.url(parser, token)
    return MemoURLNode(node.view_name, node.args, node.kwargs, node.asvar)
