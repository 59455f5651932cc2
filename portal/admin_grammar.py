"""Admin in real Polish (issue 14 item 14).

Django builds admin headings, buttons and counts from a model's ``verbose_name`` in the
nominative ("Wybierz %s do zmiany", "Dodaj %s", "0 %s"), which Polish declines: "Wybierz
użytkownika do zmiany", "Dodaj fakturę", "0 wniosków o dostęp". This module holds the forms
each model needs and says the phrases; ``PolishAdminMixin`` (applied to every ModelAdmin by
``portal.admin_site.PortalAdminSite.register``), the templates ``admin/pagination.html`` and
``admin/change_list_object_tools.html`` and the permission names (``portal.permissions``) use it.

The forms are Polish grammar, used only while the active language is Polish; in English
Django's own phrases stay. Gendered messages Django writes with one phrase for all models
("został(a)(-ło) zmieniony(-na)(-ne)") are rephrased impersonally in locale/pl instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Model
from django.db.models.options import Options
from django.utils import translation
from django.utils.translation import get_language


@dataclass(frozen=True)
class Noun:
    """A model's name declined: accusative singular ("Dodaj fakturę"), nominative plural
    ("2 faktury") and genitive plural ("5 faktur")."""

    accusative: str
    plural: str
    genitive_plural: str


NOUNS: dict[str, Noun] = {
    "accounts.application": Noun("wniosek o dostęp", "wnioski o dostęp", "wniosków o dostęp"),
    "accounts.applicationunit": Noun("lokal we wniosku", "lokale we wnioskach", "lokali we wnioskach"),
    "accounts.termsacceptance": Noun("akceptację regulaminu", "akceptacje regulaminu", "akceptacji regulaminu"),
    "accounts.termsversion": Noun("wersję regulaminu", "wersje regulaminu", "wersji regulaminu"),
    "accounts.unitgrant": Noun("dostęp do lokalu", "dostępy do lokali", "dostępów do lokali"),
    "accounts.user": Noun("użytkownika", "użytkownicy", "użytkowników"),
    "auth.group": Noun("grupę", "grupy", "grup"),
    "auth.permission": Noun("uprawnienie", "uprawnienia", "uprawnień"),
    "axes.accessattempt": Noun("próbę dostępu", "próby dostępu", "prób dostępu"),
    "axes.accessattemptexpiration": Noun(
        "wygaśnięcie próby dostępu", "wygaśnięcia prób dostępu", "wygaśnięć prób dostępu"
    ),
    "axes.accessfailurelog": Noun("nieudane logowanie", "nieudane logowania", "nieudanych logowań"),
    "axes.accesslog": Noun("wpis dziennika logowania", "wpisy dziennika logowania", "wpisów dziennika logowania"),
    "chat.conversation": Noun("rozmowę na czacie", "rozmowy na czacie", "rozmów na czacie"),
    "chat.message": Noun("wiadomość czatu", "wiadomości czatu", "wiadomości czatu"),
    "chat.staffpresence": Noun("obecność na czacie", "obecności na czacie", "obecności na czacie"),
    "billing.building": Noun("budynek", "budynki", "budynków"),
    "billing.dispatchmark": Noun("znacznik wysyłki", "znaczniki wysyłki", "znaczników wysyłki"),
    "billing.document": Noun("dokument", "dokumenty", "dokumentów"),
    "billing.invoice": Noun("fakturę", "faktury", "faktur"),
    "billing.invoiceline": Noun("pozycję faktury", "pozycje faktur", "pozycji faktur"),
    "billing.ledgerentry": Noun("zapis w kartotece", "zapisy w kartotece", "zapisów w kartotece"),
    "billing.person": Noun("osobę (system źródłowy)", "osoby (system źródłowy)", "osób (system źródłowy)"),
    "billing.title": Noun("tytuł prawny", "tytuły prawne", "tytułów prawnych"),
    "billing.unit": Noun("lokal", "lokale", "lokali"),
    "payments.payment": Noun("płatność online", "płatności online", "płatności online"),
    "meters.meter": Noun("licznik", "liczniki", "liczników"),
    "meters.reading": Noun("odczyt", "odczyty", "odczytów"),
    "meters.readingsubmission": Noun("zgłoszenie odczytu", "zgłoszenia odczytów", "zgłoszeń odczytów"),
    "otp_static.staticdevice": Noun("zestaw kodów zapasowych", "zestawy kodów zapasowych", "zestawów kodów zapasowych"),
    "otp_static.statictoken": Noun("kod zapasowy", "kody zapasowe", "kodów zapasowych"),
    "otp_totp.totpdevice": Noun("urządzenie TOTP", "urządzenia TOTP", "urządzeń TOTP"),
    "portal.auditentry": Noun("wpis dziennika zdarzeń", "wpisy dziennika zdarzeń", "wpisów dziennika zdarzeń"),
    "portal.emailattachment": Noun("załącznik e-maila", "załączniki e-maili", "załączników e-maili"),
    "portal.emailmessage": Noun("wiadomość e-mail", "wiadomości e-mail", "wiadomości e-mail"),
    "portal.operator": Noun("operatora", "operatorzy", "operatorów"),
    "sync.consentchange": Noun("zmianę zgód", "zmiany zgód", "zmian zgód"),
    "sync.importproblem": Noun("problem w pakiecie", "problemy w pakietach", "problemów w pakietach"),
    "sync.importrun": Noun("import pakietu", "importy pakietów", "importów pakietów"),
    "sync.outboundbundle": Noun("pakiet wychodzący", "pakiety wychodzące", "pakietów wychodzących"),
    "tickets.announcement": Noun("ogłoszenie", "ogłoszenia", "ogłoszeń"),
    "tickets.downloadform": Noun("druk do pobrania", "druki do pobrania", "druków do pobrania"),
    "tickets.newsletter": Noun("newsletter", "newslettery", "newsletterów"),
    "tickets.ticket": Noun("zgłoszenie", "zgłoszenia", "zgłoszeń"),
    "tickets.ticketattachment": Noun("załącznik", "załączniki", "załączników"),
    "tickets.ticketcounter": Noun(
        "licznik numerów zgłoszeń", "liczniki numerów zgłoszeń", "liczników numerów zgłoszeń"
    ),
    "tickets.ticketmessage": Noun("wpis w zgłoszeniu", "wpisy w zgłoszeniach", "wpisów w zgłoszeniach"),
    "tickets.ticketstatuschange": Noun("zmianę statusu", "zmiany statusu", "zmian statusu"),
}

# What Django says with "%s" the nominative; "{}" is the accusative here.
_TITLES = {
    "add": "Dodaj {}",
    "change": "Zmień {}",
    "view": "Wyświetl {}",
    "select_change": "Wybierz {} do zmiany",
    "select_view": "Wybierz {} do obejrzenia",
    "select": "Wybierz {}",
}
PERMISSION_VERBS = {"add": "Może dodać", "change": "Może zmienić", "delete": "Może usunąć", "view": "Może oglądać"}


def polish_active() -> bool:
    return (get_language() or "pl").split("-")[0] == "pl"


def noun(model: type[Model] | Options[Any]) -> Noun | None:
    opts = model if isinstance(model, Options) else model._meta
    return NOUNS.get(opts.label_lower)


def accusative(model: type[Model] | Options[Any]) -> str:
    """The model's name as the object of a verb; the nominative when no form is known."""
    opts = model if isinstance(model, Options) else model._meta
    found = noun(opts)
    return found.accusative if found else str(opts.verbose_name)


def plural_form(count: int, singular: str, plural: str, genitive_plural: str) -> str:
    """Polish plural: 1 plik, 2–4 (but not 12–14) pliki, otherwise plików."""
    if count == 1:
        return singular
    if count % 10 in (2, 3, 4) and count % 100 not in (12, 13, 14):
        return plural
    return genitive_plural


def count_label(count: int, opts: Options[Any]) -> str:
    """``"0 wniosków o dostęp"``, ``"1 wniosek o dostęp"``, ``"3 wnioski o dostęp"``."""
    found = noun(opts)
    if found is None or not polish_active():
        name = opts.verbose_name if count == 1 else opts.verbose_name_plural
        return f"{count} {name}"
    return f"{count} {plural_form(count, str(opts.verbose_name), found.plural, found.genitive_plural)}"


def title(kind: str, opts: Options[Any]) -> str | None:
    """A heading such as "Wybierz fakturę do obejrzenia"; None outside Polish (Django's own stays)."""
    if not polish_active() or noun(opts) is None:
        return None
    return _TITLES[kind].format(accusative(opts))


def permission_name(action: str, opts: Options[Any]) -> str | None:
    """``"Może dodać wniosek o dostęp"`` for Django's four default permissions of a model."""
    verb = PERMISSION_VERBS.get(action)
    if verb is None:
        return None
    found = noun(opts)
    if found is None:
        # Stored once for everyone, so in Polish whatever language runs the migration.
        with translation.override("pl"):
            return f"{verb}: {opts.verbose_name}"
    return f"{verb} {found.accusative}"
