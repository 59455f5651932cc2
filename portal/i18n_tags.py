"""Django's ``i18n`` template library, with ``{% trans "…" %}`` of a literal text translated
once per language (``portal.internals.LiteralTranslateNode``: why, and what it relies on).

Installed as the ``i18n`` library in ``TEMPLATES`` (so ``{% load i18n %}`` needs no change
anywhere); every other tag and filter is Django's own.
"""

from __future__ import annotations

from django import template
from django.template.base import Parser, Token
from django.templatetags import i18n as django_i18n

from portal.internals import LiteralTranslateNode

register = template.Library()
register.tags.update(django_i18n.register.tags)
register.filters.update(django_i18n.register.filters)


@register.tag("translate")
@register.tag("trans")
def do_translate(parser: Parser, token: Token) -> LiteralTranslateNode:
    node = django_i18n.do_translate(parser, token)
    return LiteralTranslateNode(node.filter_expression, node.noop, node.asvar, node.message_context)
