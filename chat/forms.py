"""Forms of the chat pages: they check shape; chat.services checks the rules."""

from __future__ import annotations

import uuid
from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.selectors import units_for_user
from billing.models import Unit


def _client_id() -> str:
    # A new id per rendered form: sending the same form twice (double click, reload) stores once.
    return uuid.uuid4().hex


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Twoja wiadomość"),
        widget=forms.Textarea(attrs={"rows": 3}),
        # The service says the limit in Polish; the browser stops the typing a bit later.
        strip=False,
    )
    client_id = forms.CharField(widget=forms.HiddenInput, required=False, initial=_client_id, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].widget.attrs["maxlength"] = settings.CHAT_MESSAGE_MAX_CHARS


class StartForm(MessageForm):
    unit: forms.ModelChoiceField[Unit] = forms.ModelChoiceField(
        label=_("Lokal, którego dotyczy pytanie"),
        queryset=None,
        required=False,
        empty_label=_("— nie dotyczy konkretnego lokalu —"),
    )

    field_order = ["unit", "body", "client_id"]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the user's own units (a unit of someone else is "not one of the choices").
        cast("forms.ModelChoiceField[Unit]", self.fields["unit"]).queryset = units_for_user(user)
