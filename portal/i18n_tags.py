"""Django's ``i18n`` template library, with ``{% trans "…" %}`` of a literal text translated
once per language.

A page of the portal has dozens of ``{% trans %}`` tags (labels, headings, notices); Django
looks each one up in the catalogue and escapes it again on every render, about 11 µs a tag,
more than any other tag of the page. A literal's translation only depends on the language
(catalogues are loaded once per process), so this node keeps what it rendered per language
and autoescape mode. Everything else (variables, filters, ``noop``, ``context``, ``as``) is
Django's own node, unchanged. Installed as the ``i18n`` library in ``TEMPLATES`` (so
``{% load i18n %}`` needs no change anywhere); every other tag is Django's.
"""

from __future__ import annotations

from django import template
from django.template.base import Variable
from django.templatetags import i18n as django_i18n
from django.utils.translation import get_language

register = template.Library()
register.tags.update(django_i18n.register.tags)
register.filters.update(django_i18n.register.filters)


class LiteralTranslateNode(django_i18n.TranslateNode):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        expression = self.filter_expression
        self.literal = (
            not self.noop
            and self.asvar is None
            and self.message_context is None
            and not expression.filters
            and isinstance(expression.var, Variable)
            and expression.var.lookups is None
        )
        self.rendered: dict[tuple[str | None, bool], str] = {}

    def render(self, context) -> str:
        if not self.literal:
            return super().render(context)
        key = (get_language(), context.autoescape)
        value = self.rendered.get(key)
        if value is None:
            value = self.rendered[key] = super().render(context)
        return value


@register.tag("translate")
@register.tag("trans")
def do_translate(parser, token) -> django_i18n.TranslateNode:
    node = django_i18n.do_translate(parser, token)
    return LiteralTranslateNode(node.filter_expression, node.noop, node.asvar, node.message_context)
