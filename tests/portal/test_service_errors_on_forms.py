"""A service's ValidationError reaches the user on the form that was sent (portal.forms):
on the field it names, or on the form as a whole when the form has no such field."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from portal.forms import form_add_service_errors


class NameForm(forms.Form):
    name = forms.CharField()


def bound_form() -> NameForm:
    form = NameForm({"name": "Zofia"})
    assert form.is_valid()
    return form


def test_an_error_naming_a_field_stands_next_to_that_field():
    form = bound_form()
    form_add_service_errors(form, ValidationError({"name": "To imię jest już zajęte."}))
    assert form.errors == {"name": ["To imię jest już zajęte."]}


def test_an_error_naming_a_field_the_form_does_not_show_goes_to_the_whole_form():
    form = bound_form()
    form_add_service_errors(form, ValidationError({"unit": "Lokal został wycofany."}))
    assert form.non_field_errors() == ["Lokal został wycofany."]
    assert not form.is_valid()


def test_an_error_without_a_field_goes_to_the_whole_form_with_its_values():
    form = bound_form()
    form_add_service_errors(form, ValidationError("Za dużo wniosków (%(n)s).", code="flood", params={"n": 3}))
    assert form.non_field_errors() == ["Za dużo wniosków (3)."]
    assert form.non_field_errors().as_data()[0].code == "flood"


def test_an_error_without_a_field_may_stand_by_the_field_the_writer_looks_at():
    form = bound_form()
    form_add_service_errors(form, ValidationError("Wiadomość jest za długa."), unnamed="name")
    assert form.errors == {"name": ["Wiadomość jest za długa."]}
    other = bound_form()
    form_add_service_errors(other, ValidationError("Wiadomość jest za długa."), unnamed="body")  # not on this form
    assert other.non_field_errors() == ["Wiadomość jest za długa."]
