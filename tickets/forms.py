"""Forms check the shape of what was typed; the rules (complaint window, units,
attachment content) are checked by the services, which speak Polish as well."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.selectors import units_for_user
from billing.models import Unit
from portal.formats import format_date
from tickets.models import Ticket


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; cleans to a list (empty when none was chosen)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".jpg,.jpeg,.png,.pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def _attachments_field() -> MultipleFileField:
    return MultipleFileField(
        label=_("Załączniki (zdjęcia lub dokumenty)"),
        required=False,
        help_text=_("Do %(n)s plików JPEG, PNG lub PDF, każdy do %(size)s.")
        % {
            "n": settings.TICKETS_ATTACHMENT_MAX_FILES,
            "size": filesizeformat(settings.TICKETS_ATTACHMENT_MAX_MB * 1024 * 1024),
        },
    )


class _TicketTextMixin(forms.Form):
    subject = forms.CharField(label=_("Temat"), max_length=200)
    description = forms.CharField(
        label=_("Opis"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Opisz sprawę możliwie dokładnie: co, gdzie i od kiedy."),
    )

    def filing(self) -> dict[str, Any]:
        """What was typed, as ``services.ticket_file`` takes it (the files are its ``uploads``)."""
        data = dict(self.cleaned_data)
        data["uploads"] = data.pop("attachments")
        return data


class TicketForm(_TicketTextMixin):
    """A logged-in user's message, failure report or complaint (D1, D2)."""

    kind = forms.ChoiceField(
        label=_("Rodzaj zgłoszenia"),
        # An accessibility request has its own form, linked from the accessibility statement.
        choices=[choice for choice in Ticket.Kind.choices if choice[0] != Ticket.Kind.ACCESSIBILITY],
        widget=forms.RadioSelect,
        initial=Ticket.Kind.MESSAGE,
    )
    unit: forms.ModelChoiceField[Unit] = forms.ModelChoiceField(
        label=_("Lokal, którego dotyczy zgłoszenie"),
        queryset=Unit.objects.none(),  # the user's own units, set by __init__
        required=False,
        empty_label=_("— nie dotyczy lokalu —"),
        error_messages={"invalid_choice": _("Wybierz jeden ze swoich lokali.")},
        help_text=_("Wymagany przy awarii i reklamacji."),
    )
    event_date = forms.DateField(
        label=_("Data zdarzenia"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    field_order = ["kind", "unit", "subject", "description", "event_date", "attachments"]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attachments"] = _attachments_field()
        self.order_fields(self.field_order)
        self.units = units_for_user(user)
        self.fields["unit"].queryset = self.units  # type: ignore[attr-defined]  # a ModelChoiceField (declared above)
        today = timezone.localdate()
        earliest = Ticket.earliest_complaint_event_date(today)
        self.fields["event_date"].widget.attrs.update({"min": earliest.isoformat(), "max": today.isoformat()})
        self.fields["event_date"].help_text = _(
            "Wymagana przy reklamacji. Reklamację przyjmujemy do %(days)s dni roboczych od zdarzenia "
            "(soboty, niedziele i święta nie są liczone): dziś przyjmujemy reklamacje zdarzeń od %(earliest)s, "
            "a reklamację dzisiejszego zdarzenia — najpóźniej %(deadline)s."
        ) % {
            "days": settings.TICKETS_COMPLAINT_WORKING_DAYS,
            "earliest": format_date(earliest),
            "deadline": format_date(Ticket.complaint_deadline(today)),
        }


class AnonymousFailureForm(_TicketTextMixin):
    """A failure report without an account (D1): a leak cannot wait for an application."""

    reporter_name = forms.CharField(label=_("Imię i nazwisko"), max_length=150)
    reporter_phone = forms.CharField(
        label=_("Telefon"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    reporter_email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("Podaj telefon lub e-mail. Na e-mail wyślemy numer zgłoszenia i informacje o jego statusie."),
    )
    location = forms.CharField(
        label=_("Adres i miejsce awarii"),
        max_length=250,
        help_text=_("Np. ul. Żeromskiego 12, klatka II, piwnica."),
    )
    field_order = ["reporter_name", "reporter_phone", "reporter_email", "location", "subject", "description"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attachments"] = _attachments_field()
        self.fields["reporter_name"].widget.attrs["autocomplete"] = "name"


class StatusCheckForm(forms.Form):
    number = forms.CharField(
        label=_("Numer zgłoszenia"),
        max_length=30,
        help_text=_("Np. ZGL/2026/000123."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    secret = forms.CharField(
        label=_("Kod dostępu"),
        max_length=30,
        help_text=_("Kod podany po złożeniu zgłoszenia i w e-mailu z potwierdzeniem."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Twoja odpowiedź"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))


class TicketSearchForm(forms.Form):
    q = forms.CharField(label=_("Szukaj (numer lub temat)"), max_length=100, required=False)
    starsze = forms.BooleanField(label=_("Pokaż także starsze zgłoszenia"), required=False)


class AccessibilityRequestForm(forms.Form):
    """A request for accessibility or an alternative way of access (art. 18 of the 2019 act, E5):
    who asks, which page or document, how to reach them, the preferred alternative."""

    reporter_name = forms.CharField(label=_("Imię i nazwisko"), max_length=150)
    reporter_email = forms.EmailField(
        label=_("E-mail"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    reporter_phone = forms.CharField(
        label=_("Telefon"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        help_text=_("Podaj e-mail lub telefon: tak odpowiemy na żądanie."),
    )
    element = forms.CharField(
        label=_("Strona, dokument lub element portalu"),
        max_length=200,
        help_text=_("Np. adres strony, nazwa dokumentu PDF lub opis przycisku."),
    )
    description = forms.CharField(
        label=_("Na czym polega problem"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    alternative = forms.CharField(
        label=_("Dogodny dla Ciebie sposób przekazania informacji (jeśli chcesz dostępu alternatywnego)"),
        max_length=500,
        required=False,
        help_text=_("Np. odczytanie dokumentu przez telefon, wersja tekstowa e-mailem, duży druk."),
    )

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reporter_name"].widget.attrs["autocomplete"] = "name"
        if user is not None and user.is_authenticated:
            self.fields["reporter_name"].initial = user.get_full_name()
            self.fields["reporter_email"].initial = user.email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("reporter_email") or data.get("reporter_phone", "").strip()):
            self.add_error("reporter_phone", _("Podaj e-mail lub telefon, abyśmy mogli odpowiedzieć."))
        return data
