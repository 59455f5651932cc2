"""The audit trail in words (issue 14 item 15): what an entry's action, object and details
mean, in Polish, with every time in the portal's time zone. Entries keep their machine
names (``application.activate``, ``{"units": [...]}``) so that filters and exports stay
stable; this module is the one place that says them to a person."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.formats import format_date
from portal.models import AuditEntry

ACTION_LABELS: dict[str, Any] = {
    "account.block": _("zablokowanie konta"),
    "account.change": _("zmiana konta"),
    "account.close": _("zamknięcie konta"),
    "account.consents": _("zmiana zgód"),
    "account.create": _("utworzenie konta"),
    "account.locked": _("blokada logowania po nieudanych próbach"),
    "account.login": _("logowanie"),
    "account.login_refused_locked": _("odmowa logowania (blokada)"),
    "account.logout": _("wylogowanie"),
    "account.password_change": _("zmiana hasła"),
    "account.password_generated": _("wygenerowanie pierwszego hasła"),
    "account.password_reset": _("ustawienie nowego hasła z linku"),
    "account.password_reset_request": _("prośba o reset hasła"),
    "account.password_reset_unknown": _("prośba o reset hasła dla nieznanego adresu"),
    "account.password_set_by_staff": _("hasło nadane przez obsługę"),
    "account.personal_data_download": _("pobranie danych osobowych"),
    "account.staff_create": _("utworzenie konta obsługi"),
    "account.staff_reset": _("reset konta obsługi"),
    "account.unblock": _("odblokowanie konta"),
    "account.unlock": _("odblokowanie logowania"),
    "accounts.login": _("logowanie"),
    "accounts.logout": _("wylogowanie"),
    "announcement.delete": _("usunięcie ogłoszenia"),
    "announcement.publish": _("publikacja ogłoszenia"),
    "application.activate": _("aktywacja wniosku"),
    "application.change": _("zmiana wniosku"),
    "application.confirm_email": _("potwierdzenie e-maila wniosku"),
    "application.confirmation_resend": _("ponowne wysłanie linku potwierdzającego"),
    "application.match_person": _("powiązanie wniosku z osobą"),
    "application.match_unit": _("przypisanie lokalu we wniosku"),
    "application.reject": _("odrzucenie wniosku"),
    "application.submit": _("złożenie wniosku"),
    "consent.newsletter_withdrawn": _("wycofanie zgody na newsletter"),
    "download_form.change": _("zmiana druku do pobrania"),
    "download_form.delete": _("usunięcie druku do pobrania"),
    "email.resend": _("ponowna wysyłka e-maila"),
    "grant.create": _("nadanie dostępu do lokalu"),
    "grant.delete": _("usunięcie dostępu do lokalu"),
    "grant.end": _("koniec dostępu do lokalu"),
    "grant.save": _("zmiana dostępu do lokalu"),
    "newsletter.change": _("zmiana newslettera"),
    "newsletter.send": _("wysyłka newslettera"),
    "operator.change": _("zmiana danych zarządcy"),
    "operator.create": _("dodanie danych zarządcy"),
    "profil_zaufany.account_created": _("konto z Profilu Zaufanego"),
    "profil_zaufany.login_refused": _("odmowa logowania przez Profil Zaufany"),
    "profil_zaufany.logout_refused": _("odmowa wylogowania z Profilu Zaufanego"),
    "profil_zaufany.no_match": _("Profil Zaufany: brak dopasowania"),
    "profil_zaufany.terms_accepted": _("akceptacja regulaminu (Profil Zaufany)"),
    "reading.reject": _("odrzucenie odczytu"),
    "reading.submit": _("podanie odczytu"),
    "sync.import": _("import z systemu źródłowego"),
    "terms.accept": _("akceptacja regulaminu"),
    "terms.publish": _("publikacja regulaminu"),
    "ticket.answer": _("odpowiedź na zgłoszenie"),
    "ticket.assign": _("przypisanie zgłoszenia"),
    "ticket.attachment_view": _("otwarcie załącznika zgłoszenia"),
    "ticket.create": _("nowe zgłoszenie"),
    "ticket.note": _("notatka w zgłoszeniu"),
    "ticket.reporter_reply": _("odpowiedź zgłaszającego"),
    "ticket.status": _("zmiana statusu zgłoszenia"),
}

# Keys used in details across the apps; a key that is a field of the entry's object is
# named by that field's own verbose name instead.
DETAIL_LABELS: dict[str, Any] = {
    "application": _("wniosek"),
    "assignee": _("przypisane do"),
    "attachment": _("załącznik"),
    "attachments": _("załączniki"),
    "attempts_cleared": _("usunięte nieudane próby"),
    "blocked_for": _("powód blokady"),
    "changed": _("zmieniono"),
    "detail": _("szczegóły"),
    "email": _("adres e-mail"),
    "export_id": _("numer eksportu"),
    "failures": _("nieudane próby"),
    "fields": _("zmienione pola"),
    "first_name": _("imię"),
    "forced": _("wymuszona zmiana"),
    "format": _("format"),
    "from": _("z"),
    "initiated_by": _("rozpoczęte przez"),
    "kind": _("rodzaj"),
    "last_name": _("nazwisko"),
    "loa": _("poziom uwierzytelnienia"),
    "message": _("wiadomość"),
    "method": _("sposób"),
    "new_account": _("nowe konto"),
    "new_units": _("nowe lokale"),
    "reading_id": _("odczyt"),
    "reason": _("powód"),
    "recipients": _("adresaci"),
    "sequence": _("numer kolejny"),
    "since": _("od"),
    "source": _("źródło"),
    "superuser": _("pełne uprawnienia"),
    "title": _("tytuł prawny"),
    "to": _("na"),
    "unit": _("lokal"),
    "units": _("lokale"),
    "until": _("do"),
    "user": _("konto"),
    "username": _("login"),
    "value": _("wartość"),
    "version": _("wersja"),
    "via": _("przez"),
    "was_locked": _("było zablokowane"),
}

_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class DetailLine:
    label: str
    value: str


def audit_action_label(action: str) -> str:
    """``"application.activate"`` → ``"aktywacja wniosku"``; an action without a label stays as it is."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def _object_model(entry: AuditEntry) -> type[models.Model] | None:
    if not entry.object_type:
        return None
    try:
        return apps.get_model(entry.object_type)
    except (LookupError, ValueError):
        return None


def audit_object_type_label(object_type: str) -> str:
    """``"accounts.application"`` → ``"wniosek o dostęp"``."""
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type


def audit_object_label(entry: AuditEntry) -> str:
    """The object in words: its kind and its name at the time, e.g. ``wniosek o dostęp „W/2026/000001 Zofia Łęcka”``."""
    if not entry.object_type:
        return "—"
    kind = audit_object_type_label(entry.object_type)
    name = entry.object_repr or entry.object_id
    return gettext("%(kind)s „%(name)s”") % {"kind": kind, "name": name}


def audit_object_url(entry: AuditEntry) -> str | None:
    """The admin page of the entry's object while it exists and admin has one."""
    model = _object_model(entry)
    if model is None or not entry.object_id:
        return None
    if not model._default_manager.filter(pk=entry.object_id).exists():
        return None
    try:
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[entry.object_id])
    except NoReverseMatch:
        return None


def _field_label(model: type[models.Model] | None, name: str) -> str | None:
    if model is None:
        return None
    try:
        model_field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    # A reverse relation has no verbose name of its own.
    return str(model_field.verbose_name) if isinstance(model_field, models.Field) else None


def _value(value: Any, model: type[models.Model] | None = None, key: str = "") -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("tak") if value else gettext("nie")
    if isinstance(value, list):
        if key == "fields":
            return ", ".join(_field_label(model, str(item)) or str(item) for item in value) or "—"
        if len(value) == 2 and all(isinstance(item, bool) for item in value):
            # A switched flag is stored as [before, after].
            return f"{_value(value[0])} → {_value(value[1])}"
        return ", ".join(_value(item) for item in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{DETAIL_LABELS.get(k, k)}: {_value(v)}" for k, v in value.items()) or "—"
    if isinstance(value, str) and _ISO_DATETIME.match(value):
        try:
            return format_date(dt.datetime.fromisoformat(value), with_time=True)
        except ValueError:
            return value
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return format_date(dt.date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def audit_details_lines(entry: AuditEntry) -> list[DetailLine]:
    """The entry's details as "label: value" lines in Polish (dates in the portal's time zone)."""
    details = entry.details
    if not isinstance(details, dict):
        return [DetailLine(gettext("szczegóły"), _value(details))] if details else []
    model = _object_model(entry)
    lines = []
    for key, value in details.items():
        label = DETAIL_LABELS.get(key)
        label = str(label) if label is not None else (_field_label(model, key) or key)
        lines.append(DetailLine(label, _value(value, model, key)))
    return lines
