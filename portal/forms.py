"""What every app's forms share."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.forms import BaseForm


def form_add_service_errors(form: BaseForm, error: ValidationError, *, unnamed: str | None = None) -> None:
    """Show a service's ``ValidationError`` on ``form``: each message on the field it names
    when the form has that field, on the form as a whole otherwise. ``unnamed``: the field
    that takes a message naming no field (e.g. the chat's message box, where the writer looks).

    Services check the rules and name the field a rule is about; a name the form does not
    show (a rule about the whole object) must still reach the user, not raise."""
    if hasattr(error, "error_dict"):
        for field, field_errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(unnamed if unnamed in form.fields else None, error.error_list)
