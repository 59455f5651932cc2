"""Everything of the portal that relies on Django's undocumented internals, in one place.

Two template nodes remain, each a subclass of a node class Django does not document (the
names they read are listed in ``RELIED_ON`` and checked by ``tests/portal/test_internals.py``,
which fails loudly on a Django upgrade that changes them). They stay because no supported
mechanism gives their speed: the cached template loader keeps compiled templates, not what a
tag renders, and fragment caching through the cache framework would mean wrapping parts of
every template (and a cache lookup each) for what is a dictionary lookup here.

- ``LiteralTranslateNode``: ``{% trans "…" %}`` of a literal text rendered once per language
  and autoescape mode (a page has dozens; Django looks each up and escapes it again on every
  render). Installed as the ``i18n`` library by ``portal.i18n_tags``.
- ``MemoURLNode``: ``{% url %}`` keeping what it reversed, keyed by everything ``reverse()``
  depends on (a page reverses a dozen to twenty URLs). Installed by ``portal.templatetags.pl``.

Measured gain (``docs/operations.md``, *Speed*): about 8 µs a ``{% trans %}`` tag and 18 µs a
``{% url %}`` tag, 0.6–0.8 ms of a tenant page's 7–10 ms.
"""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.template.base import FilterExpression, Variable
from django.template.context import Context
from django.template.defaulttags import URLNode
from django.templatetags.i18n import TranslateNode
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.translation import get_language

# What the nodes below read of Django's classes: (class, constructor parameters, attributes).
RELIED_ON: tuple[tuple[type, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        TranslateNode,
        ("filter_expression", "noop", "asvar", "message_context"),
        ("filter_expression", "noop", "asvar", "message_context"),
    ),
    (URLNode, ("view_name", "args", "kwargs", "asvar"), ("view_name", "args", "kwargs", "asvar")),
    (FilterExpression, (), ("var", "filters")),
    (Variable, (), ("lookups",)),
)


class LiteralTranslateNode(TranslateNode):
    """Django's ``TranslateNode``; a plain literal (no filter, ``noop``, ``context`` or
    ``as``) is rendered once per language and autoescape mode (catalogues are loaded once
    per process, so its translation only depends on those)."""

    def __init__(
        self,
        filter_expression: FilterExpression,
        noop: bool,
        asvar: str | None = None,
        message_context: FilterExpression | None = None,
    ) -> None:
        super().__init__(filter_expression, noop, asvar, message_context)
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

    def render(self, context: Context) -> str:
        if not self.literal:
            return super().render(context)
        key = (get_language(), context.autoescape)
        value = self.rendered.get(key)
        if value is None:
            value = self.rendered[key] = super().render(context)
        return value


@functools.lru_cache(maxsize=4096)
def _reverse(
    view_name: str,
    args: tuple[Any, ...],
    kwargs: tuple[tuple[str, Any], ...],
    current_app: str | None,
    prefix: str,
    urlconf: str | None,
    root_urlconf: str,
) -> str:
    """``reverse()`` kept by everything its answer depends on (the last three only key it)."""
    return reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app)


class MemoURLNode(URLNode):
    """Django's ``URLNode``, keeping what it reversed (URLs never change while the process runs)."""

    def render(self, context: Context) -> str:
        args = tuple(arg.resolve(context) for arg in self.args)
        kwargs = tuple(sorted((k, v.resolve(context)) for k, v in self.kwargs.items()))
        request = getattr(context, "request", None)
        current_app = getattr(request, "current_app", None)
        if current_app is None:
            current_app = getattr(getattr(request, "resolver_match", None), "namespace", None)
        view_name = self.view_name.resolve(context)
        url = ""
        try:
            url = _reverse(
                view_name, args, kwargs, current_app, get_script_prefix(), get_urlconf(), settings.ROOT_URLCONF
            )
        except TypeError:  # an argument that cannot be a key: reverse it every time
            url = reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url
