"""The portal's only uses of Django's undocumented internals (portal/internals.py): fail loudly
when a Django upgrade changes what they rely on, and render exactly what Django's own tags do."""

from __future__ import annotations

import inspect

import pytest
from django.conf import settings
from django.core.checks import run_checks
from django.template import Context, Engine, engines
from django.template.exceptions import TemplateSyntaxError
from django.test import RequestFactory
from django.urls import NoReverseMatch
from django.utils import translation

from portal import internals

pytestmark = pytest.mark.django_db

# Templates rendered by Django's own i18n library and {% url %} and by the portal's, compared.
CASES = [
    '{% load i18n %}{% trans "Pulpit" %}',
    '{% load i18n %}{% translate "Pulpit" %} {% trans "Wyloguj" %}',
    '{% load i18n %}{% trans "Saldo" noop %}',
    '{% load i18n %}{% trans "Saldo" as label %}[{{ label }}]',
    '{% load i18n %}{% trans "Saldo" context "kartoteka" %}',
    '{% load i18n %}{% trans "a < b" %}',
    '{% load i18n %}{% autoescape off %}{% trans "a < b" %}{% endautoescape %}',
    '{% load i18n %}{% trans "Pulpit"|upper %}',
    "{% load i18n %}{% trans label %}",
    "{% url 'home' %}",
    "{% url 'billing:unit' unit_id %}",
    "{% url 'billing:invoice' unit_id=unit_id invoice_id=7 %}",
    "{% url 'billing:unit' unit_id as link %}[{{ link }}]",
    "{% url 'no-such-page' as link %}[{{ link }}]",
    "{% url view_name unit_id %}",
]


def _django_engine() -> Engine:
    """Django's template engine with its own i18n library and {% url %} (no portal builtins)."""
    return Engine(libraries={"i18n": "django.templatetags.i18n"}, builtins=[])


def _portal_engine() -> Engine:
    return engines["django"].engine  # type: ignore[attr-defined]  # django-stubs: the backend's engine


def test_django_classes_still_take_and_keep_what_the_portal_nodes_read():
    trans = _django_engine().from_string('{% load i18n %}{% trans "Pulpit" %}').nodelist[-1]
    url = _django_engine().from_string("{% url 'home' as link %}").nodelist[-1]
    examples = {
        internals.TranslateNode: trans,
        internals.URLNode: url,
        internals.FilterExpression: trans.filter_expression,
        internals.Variable: trans.filter_expression.var,
    }
    for cls, parameters, attributes in internals.RELIED_ON:
        if parameters:
            signature = list(inspect.signature(cls.__init__).parameters)
            assert signature[1 : 1 + len(parameters)] == list(parameters), (
                f"{cls.__module__}.{cls.__qualname__}.__init__ changed: portal/internals.py must follow"
            )
        for attribute in attributes:
            assert hasattr(examples[cls], attribute), (
                f"{cls.__qualname__} has no {attribute} any more: portal/internals.py must follow"
            )


def test_django_tags_still_compile_into_the_node_classes_the_portal_extends():
    trans = _django_engine().from_string('{% load i18n %}{% trans "Pulpit" %}').nodelist[-1]
    url = _django_engine().from_string("{% url 'home' as link %}").nodelist[-1]
    assert type(trans) is internals.TranslateNode
    assert type(url) is internals.URLNode
    assert (trans.noop, trans.asvar, trans.message_context) == (False, None, None)
    assert trans.filter_expression.var.lookups is None  # a literal has no lookups
    assert url.asvar == "link"


def test_the_portal_templates_use_the_portal_nodes():
    engine = _portal_engine()
    assert isinstance(
        engine.from_string('{% load i18n %}{% trans "Pulpit" %}').nodelist[-1], internals.LiteralTranslateNode
    )
    assert isinstance(engine.from_string("{% url 'home' %}").nodelist[-1], internals.MemoURLNode)


@pytest.mark.parametrize("language", ["pl", "en"])
@pytest.mark.parametrize("source", CASES)
def test_portal_tags_render_exactly_what_django_tags_render(source, language):
    request = RequestFactory().get("/")
    values = {"unit_id": 12, "label": "Saldo", "view_name": "billing:unit", "request": request}
    with translation.override(language):
        for _ in range(2):  # the second rendering comes from what the node kept
            expected = _django_engine().from_string(source).render(Context(values))
            assert _portal_engine().from_string(source).render(Context(values)) == expected


def test_a_kept_translation_follows_the_language_of_each_rendering():
    template = _portal_engine().from_string('{% load i18n %}{% trans "Wyloguj" %}')
    with translation.override("pl"):
        polish = template.render(Context({}))
    with translation.override("en"):
        english = template.render(Context({}))
    with translation.override("pl"):
        assert template.render(Context({})) == polish
    assert polish != english


def test_a_missing_url_still_fails_as_in_django():
    with pytest.raises(NoReverseMatch):
        _portal_engine().from_string("{% url 'no-such-page' %}").render(Context({}))
    with pytest.raises(TemplateSyntaxError):
        _portal_engine().from_string("{% url %}")


def test_the_only_silenced_check_of_templates_is_the_i18n_library_the_portal_replaces():
    """templates.W003 reports two modules named ``i18n``: Django's and portal.i18n_tags, on purpose."""
    assert settings.TEMPLATES[0]["OPTIONS"]["libraries"]["i18n"] == "portal.i18n_tags"
    assert [c for c in settings.SILENCED_SYSTEM_CHECKS if c.startswith("templates.")] == ["templates.W003"]
    reported = {message.id for message in run_checks(tags=["templates"], include_deployment_checks=False)}
    assert reported == {"templates.W003"}
