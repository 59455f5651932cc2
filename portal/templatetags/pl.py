"""Template filters for Polish formats, and ``{% url %}`` with a memory; registered as
builtins, no {% load %} needed."""

import functools

from django import template
from django.conf import settings
from django.template import defaulttags
from django.template.defaulttags import URLNode
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

from portal.formats import format_amount, format_date, format_iban, format_nrb, polish_quotes

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


@register.filter
def cudzyslowy(value):
    """{{ title|cudzyslowy }} → Zawiadomienie „pilne” (straight quotes made Polish)"""
    return polish_quotes(str(value or ""))


# --- {% url %} with a memory ---------------------------------------------------------------------
# Every page reverses a dozen URLs (the layout's menu and footer, the page's links), each
# ``reverse()`` about 30 µs of Python; their answers never change while the process runs.
# This tag replaces Django's ``{% url %}`` (same syntax; builtins are loaded after Django's
# tags) and keeps what it reversed, by everything ``reverse()`` depends on.


@functools.lru_cache(maxsize=4096)
def _reverse(view_name, args, kwargs, current_app, prefix, urlconf, root_urlconf) -> str:
    return reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app)


class MemoURLNode(URLNode):
    def render(self, context):
        args = tuple(arg.resolve(context) for arg in self.args)
        kwargs = tuple(sorted((k, v.resolve(context)) for k, v in self.kwargs.items()))
        request = getattr(context, "request", None)
        current_app = getattr(request, "current_app", None)
        if current_app is None:
            current_app = getattr(getattr(request, "resolver_match", None), "namespace", None)
        key = (self.view_name.resolve(context), args, kwargs, current_app)
        url = ""
        try:
            url = _reverse(*key, get_script_prefix(), get_urlconf(), settings.ROOT_URLCONF)
        except TypeError:  # an argument that cannot be a key: reverse it every time
            url = reverse(key[0], args=args, kwargs=dict(kwargs), current_app=current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    node = defaulttags.url(parser, token)
    return MemoURLNode(node.view_name, node.args, node.kwargs, node.asvar)
