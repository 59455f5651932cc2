"""Admin counts and buttons with the model's name declined (portal.admin_grammar)."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models.options import Options
from django.utils.translation import gettext

from portal import admin_grammar

register = template.Library()


@register.simple_tag
def result_count(count: int, opts: Options[Any]) -> str:
    """``{% result_count cl.result_count cl.opts %}`` → "0 wniosków o dostęp"."""
    return admin_grammar.count_label(count, opts)


@register.simple_tag
def add_label(opts: Options[Any]) -> str:
    """``{% add_label cl.opts %}`` → "Dodaj fakturę" (Django's "Add %(name)s" outside Polish)."""
    return admin_grammar.title("add", opts) or gettext("Add %(name)s") % {"name": opts.verbose_name}
