"""Forms check the shape of what was typed (a value with a decimal comma, a date, a
JPEG/PNG photo); the rules of a meter (not below the last reading, active,
plausible) are checked by the model and the service, which speak Polish as well."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import MaxValueValidator, MinValueValidator
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from meters.consumption import add_months, month_start, next_month
from meters.formats import format_reading_value
from portal import files

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise  # a development package: types only

# A meter shows at most 9 digits before the comma (the largest ones have 8) and 3 after it.
MAX_WHOLE_DIGITS = 9
DECIMAL_PLACES = 3
_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009\t")
_DIGITS = re.compile(r"^([0-9]*),?([0-9]*)$")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
PHOTO_TYPES = (files.JPEG, files.PNG)


def parse_reading_value(text: str | None) -> Decimal:
    """``"1 234,567"`` → ``Decimal("1234.567")``; a ValidationError with a Polish message otherwise."""
    raw = (text or "").translate(_SPACES)
    if not raw:
        raise ValidationError(_("Podaj stan licznika."), code="required")
    if raw.startswith("-") or raw.startswith("\u2212"):
        raise ValidationError(_("Stan licznika nie może być ujemny."), code="negative")
    separators = raw.count(",") + raw.count(".")
    if separators > 1:
        raise ValidationError(
            _("Stan licznika może mieć tylko jeden przecinek oddzielający część dziesiętną, np. 1234,567."),
            code="separators",
        )
    if "." in raw:
        raise ValidationError(
            _("Część dziesiętną oddziel przecinkiem, nie kropką, np. 1234,567."), code="decimal_point"
        )
    match = _DIGITS.match(raw)
    if not match or not (match[1] or match[2]):
        raise ValidationError(
            _("Podaj stan licznika samymi cyframi, z przecinkiem przed częścią dziesiętną, np. 1234,567."),
            code="not_a_number",
        )
    whole, fraction = match[1] or "0", match[2]
    if len(whole.lstrip("0")) > MAX_WHOLE_DIGITS:
        raise ValidationError(
            _("Stan licznika może mieć najwyżej %(n)s cyfr przed przecinkiem. Sprawdź, czy nie ma dodatkowej cyfry.")
            % {"n": MAX_WHOLE_DIGITS},
            code="too_long",
        )
    if len(fraction) > DECIMAL_PLACES:
        raise ValidationError(
            _("Podaj stan z dokładnością do %(n)s miejsc po przecinku (np. 1234,567).") % {"n": DECIMAL_PLACES},
            code="too_precise",
        )
    return Decimal(f"{whole}.{fraction or '0'}").quantize(Decimal("0.001"))


def new_submission_token() -> str:
    """The one-use token of a reading form (a double click or a resent form makes one reading)."""
    return secrets.token_urlsafe(24)


def photo_max_bytes() -> int:
    return int(settings.READING_PHOTO_MAX_MB) * 1024 * 1024


def check_photo(upload: UploadedFile) -> str:
    """The photo's real type (JPEG or PNG, by its content and Pillow) or a Polish ValidationError."""
    return files.detect_content_type(upload, PHOTO_TYPES, max_bytes=photo_max_bytes())


class ReadingValueField(forms.CharField):
    widget = forms.TextInput(
        attrs={"inputmode": "decimal", "autocomplete": "off", "spellcheck": "false", "maxlength": "40"}
    )

    def to_python(self, value: Any) -> Any:  # a Decimal (or None), where CharField gives a str
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        return parse_reading_value(value)

    def prepare_value(self, value: Any) -> Any:
        return format_reading_value(value) if isinstance(value, Decimal) else value


class ReadingForm(forms.Form):
    """A tenant's reading. On the second step (an implausible consumption) the
    checkbox ``confirm`` is shown; the hidden ``token`` makes the form one-use."""

    value = ReadingValueField(
        label=_("Stan licznika"),
        error_messages={"required": _("Podaj stan licznika.")},
    )
    read_on = forms.DateField(
        label=_("Data odczytu"),
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Podaj datę odczytu."),
            "invalid": _("Podaj datę odczytu w postaci dzień.miesiąc.rok, np. 21.11.2026."),
        },
    )
    photo = forms.FileField(
        label=_("Zdjęcie licznika (nieobowiązkowe)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )
    confirm = forms.BooleanField(
        label=_("Sprawdziłem(-am) stan licznika: jest prawidłowy, proszę przyjąć odczyt."), required=False
    )
    confirm_value = forms.CharField(required=False, widget=forms.HiddenInput)
    token = forms.CharField(widget=forms.HiddenInput, error_messages={"required": _("Formularz jest niepełny.")})

    def __init__(self, *args: Any, meter_label: str = "", today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["read_on"].widget.attrs["max"] = today.isoformat()
        self.fields["value"].help_text = _(
            "Cyfry z tarczy licznika; część dziesiętną (czerwone cyfry lub cyfry po przecinku) oddziel "
            "przecinkiem, najwyżej 3 miejsca, np. 1234,567."
        )
        self.fields["read_on"].help_text = _("Dzień, w którym odczytano stan; nie później niż dziś.")
        self.fields["photo"].help_text = _("Plik JPEG lub PNG do %(size)s. Pomaga wyjaśnić wątpliwości.") % {
            "size": filesizeformat(photo_max_bytes())
        }

    def clean_photo(self) -> UploadedFile | None:
        photo: UploadedFile | None = self.cleaned_data.get("photo")
        if not photo:
            return None
        # From here on the content type is the one the content shows, not the browser's claim.
        photo.content_type = check_photo(photo)
        return photo

    def clean_token(self) -> str:
        token: str = self.cleaned_data["token"]
        if not _TOKEN.match(token):
            raise ValidationError(_("Formularz jest nieprawidłowy. Otwórz go ponownie."), code="token")
        return token

    def confirmed_value(self) -> Decimal | None:
        """The value shown on the second step, which the checkbox confirms."""
        try:
            return parse_reading_value(self.cleaned_data.get("confirm_value"))
        except ValidationError:
            return None


def _month_field(
    label: StrOrPromise, invalid: StrOrPromise, bound: MinValueValidator | MaxValueValidator
) -> forms.DateField:
    """A month typed as ``RRRR-MM`` (a month picker where the browser has one), optional."""
    return forms.DateField(
        label=label,
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        error_messages={"invalid": invalid},
        validators=[bound],
    )


class PeriodForm(forms.Form):
    """The period of a history page: months ``od`` … ``do`` (``RRRR-MM``); by default the last 12."""

    od = _month_field(
        _("Od miesiąca"),
        _("Podaj miesiąc w postaci RRRR-MM, np. 2026-01."),
        MinValueValidator(dt.date(1990, 1, 1), message=_("Podaj miesiąc od 1990 roku.")),
    )
    do = _month_field(
        _("Do miesiąca"),
        _("Podaj miesiąc w postaci RRRR-MM, np. 2026-12."),
        MaxValueValidator(dt.date(2100, 12, 1), message=_("Podaj miesiąc do 2100 roku.")),
    )

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        self.today = today
        self.default_last = month_start(today)
        self.default_first = add_months(self.default_last, -11)
        kwargs.setdefault("initial", {"od": self.default_first, "do": self.default_last})
        super().__init__(*args, **kwargs)

    def clean_od(self) -> dt.date | None:
        first: dt.date | None = self.cleaned_data.get("od")
        if first and first > self.today:
            raise ValidationError(_("Okres nie może zaczynać się w przyszłości."), code="future")
        return first

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("od"), data.get("do")
        if first and last and first > last:
            raise ValidationError(_("Początek okresu jest późniejszy niż jego koniec."), code="order")
        return data

    def period(self) -> tuple[dt.date, dt.date]:
        """First and last day of the chosen period (not after today); the default one when
        nothing or something invalid was chosen."""
        first, last_month = self.default_first, self.default_last
        if self.is_bound and self.is_valid():
            first = self.cleaned_data["od"] or first
            last_month = self.cleaned_data["do"] or max(last_month, first)
        last = min(next_month(last_month) - dt.timedelta(days=1), self.today)
        return first, max(last, first)
