"""Matching an application against the back-office records (A3): which units the
applicant means and which back-office persons they may be. Staff decide; this
only finds candidates and says why each one matched."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from accounts.models import Application

import datetime as dt
import re
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import Person, Title, Unit

# Street-type words people write or leave out: "ul. Źródlana", "Źródlana", "ulica Źródlana".
_STREET_TYPES = {"ul", "ulica", "al", "aleja", "aleje", "os", "osiedle", "pl", "plac", "rondo", "skwer"}
MAX_CANDIDATES = 20


def normalize_token(value: str) -> str:
    """``" 12 A "`` → ``"12a"``: case, spaces and separators do not matter in numbers."""
    return re.sub(r"[\s./\\-]+", "", (value or "").lower())


def normalize_street(value: str) -> str:
    """``"ul. Marii Skłodowskiej-Curie"`` → ``"marii skłodowskiej-curie"``."""
    words = re.sub(r"[.,]", " ", (value or "").lower()).split()
    while words and words[0] in _STREET_TYPES:
        words = words[1:]
    return " ".join(words)


def units_matching(*, street: str = "", building_no: str = "", unit_no: str = "", external_id: str = "") -> list[Unit]:
    """Units named by the back-office number or by the address (at most ``MAX_CANDIDATES``)."""
    if external_id.strip():
        return list(
            Unit.objects.filter(external_id__iexact=external_id.strip()).select_related("building")[:MAX_CANDIDATES]
        )
    street_key = normalize_street(street)
    if not street_key or not building_no.strip():
        return []
    # The longest word of the street narrows the query; the exact comparison is below.
    longest = max(street_key.split(), key=len)
    candidates = Unit.objects.filter(building__street__icontains=longest).select_related("building")
    result = []
    for unit in candidates[:2000]:
        if normalize_street(unit.building.street) != street_key:
            continue
        if normalize_token(unit.building.building_no) != normalize_token(building_no):
            continue
        if normalize_token(unit.unit_no) != normalize_token(unit_no):
            continue
        result.append(unit)
        if len(result) >= MAX_CANDIDATES:
            break
    return result


def unit_suggestion(**address: str) -> Unit | None:
    """The unit when exactly one matches; staff still confirm it before activation."""
    found = units_matching(**address)
    return found[0] if len(found) == 1 else None


def person_is_company(person: Person) -> bool:
    """A company (or other organisation) rather than a private person: named by a company
    name, or known by NIP without a PESEL."""
    return bool(person.company_name.strip()) or (bool(person.nip) and not person.pesel)


@dataclass
class PersonMatch:
    """A back-office person who may be the applicant: ``reasons`` say which fields agree
    (shown to staff as they are), ``warnings`` what speaks against it."""

    person: Person
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def strength(self) -> int:
        return len(self.reasons) - len(self.warnings)

    @property
    def is_company(self) -> bool:
        return person_is_company(self.person)


@dataclass
class UnitMatch:
    requested: object  # ApplicationUnit
    units: list[Unit]
    titles: list[Title]
    # How the units were found: by the number from a payment slip, or by the address.
    found_by: str = ""

    # Each unit found with its current titles and, per title, the warning when its kind
    # differs from the one claimed (empty otherwise).
    rows: list[tuple[Unit, list[tuple[Title, str]]]] = field(default_factory=list)


@dataclass
class ApplicationMatches:
    persons: list[PersonMatch]
    units: list[UnitMatch]


def _add(persons: dict[int, PersonMatch], person: Person, *, reason: str, warning: str = "") -> None:
    match = persons.setdefault(person.pk, PersonMatch(person))
    if reason not in match.reasons:
        match.reasons.append(reason)
    if warning:
        _add_warning(match, warning)


def _compare(application: Application, match: PersonMatch) -> None:
    """What speaks against a candidate: the kind of person and a different PESEL. An
    application is always a private person's (the form asks for a name and a PESEL)."""
    person = match.person
    if match.is_company:
        _add_warning(
            match,
            _("To firma lub instytucja (%(who)s), a wniosek złożyła osoba prywatna.")
            % {"who": " ".join(filter(None, [person.company_name, f"NIP {person.nip}" if person.nip else ""]))},
        )
    if application.pesel and person.pesel and person.pesel != application.pesel:
        _add_warning(match, _("PESEL w systemie źródłowym jest inny niż we wniosku."))


def _add_warning(match: PersonMatch, warning: str) -> None:
    if warning not in match.warnings:
        match.warnings.append(warning)


def title_kind_warning(application: Application, title: Title) -> str:
    """Empty when the title is of the kind the applicant claimed, else what differs."""
    if title.kind == application.title_kind:
        return ""
    return _("Tytuł prawny w systemie źródłowym: %(found)s, a we wniosku: %(claimed)s.") % {
        "found": title.get_kind_display(),
        "claimed": application.get_title_kind_display(),
    }


def application_matches(application: Application, *, on: dt.date | None = None) -> ApplicationMatches:
    """Back-office persons and units that match an application by PESEL, name and the units'
    address or number, each with the reasons it matched and warnings where the kind of person
    (private or company) or of legal title differs from what the application says."""
    on = on or timezone.localdate()
    persons: dict[int, PersonMatch] = {}

    if application.pesel:
        for person in Person.objects.filter(pesel=application.pesel)[:MAX_CANDIDATES]:
            _add(persons, person, reason=_("PESEL zgodny"))
    if application.last_name:
        by_name = Person.objects.filter(last_name__iexact=application.last_name.strip())
        for person in by_name[:MAX_CANDIDATES]:
            if person.first_name.strip().lower() == application.first_name.strip().lower():
                _add(persons, person, reason=_("imię i nazwisko zgodne"))
            else:
                _add(persons, person, reason=_("nazwisko zgodne (imię inne)"))

    unit_matches = []
    for requested in application.units.all():
        units = units_matching(
            street=requested.street,
            building_no=requested.building_no,
            unit_no=requested.unit_no,
            external_id=requested.external_id,
        )
        found_by = _("numer lokalu z blankietu opłat") if requested.external_id.strip() else _("adres lokalu")
        if requested.unit_id and all(u.pk != requested.unit_id for u in units):
            unit = requested.unit  # fetched only when it is not among the candidates already
            if unit is not None:
                units.insert(0, unit)
        titles = list(
            Title.objects.filter(Title.active_q(on), unit__in=units).select_related("person", "unit__building")
        )
        for title in titles:
            _add(
                persons,
                title.person,
                reason=_("tytuł prawny do lokalu %(unit)s: %(kind)s (lokal znaleziony po: %(found_by)s)")
                % {"kind": title.get_kind_display(), "unit": title.unit.external_id, "found_by": found_by},
                warning=title_kind_warning(application, title),
            )
        rows = [
            (unit, [(title, title_kind_warning(application, title)) for title in titles if title.unit_id == unit.pk])
            for unit in units
        ]
        unit_matches.append(UnitMatch(requested=requested, units=units, titles=titles, found_by=found_by, rows=rows))

    for match in persons.values():
        _compare(application, match)
    ranked = sorted(persons.values(), key=lambda m: (-m.strength, m.person.last_name, m.person.first_name))
    return ApplicationMatches(persons=ranked[:MAX_CANDIDATES], units=unit_matches)
