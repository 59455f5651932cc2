"""Matching an application against the back-office records (A3): which units the
applicant means and which back-office persons they may be. Staff decide; this
only finds candidates and says why each one matched."""

from __future__ import annotations

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


def unit_suggestion(**address) -> Unit | None:
    """The unit when exactly one matches; staff still confirm it before activation."""
    found = units_matching(**address)
    return found[0] if len(found) == 1 else None


@dataclass
class PersonMatch:
    person: Person
    reasons: list[str] = field(default_factory=list)

    @property
    def strength(self) -> int:
        return len(self.reasons)


@dataclass
class UnitMatch:
    requested: object  # ApplicationUnit
    units: list[Unit]
    titles: list[Title]


@dataclass
class ApplicationMatches:
    persons: list[PersonMatch]
    units: list[UnitMatch]


def application_matches(application, *, on: dt.date | None = None) -> ApplicationMatches:
    """Back-office persons and units that match an application by PESEL, name and address."""
    on = on or timezone.localdate()
    persons: dict[int, PersonMatch] = {}

    def add(person: Person, reason: str) -> None:
        match = persons.setdefault(person.pk, PersonMatch(person))
        if reason not in match.reasons:
            match.reasons.append(reason)

    if application.pesel:
        for person in Person.objects.filter(pesel=application.pesel)[:MAX_CANDIDATES]:
            add(person, _("PESEL"))
    if application.last_name:
        by_name = Person.objects.filter(last_name__iexact=application.last_name.strip())
        for person in by_name[:MAX_CANDIDATES]:
            if person.first_name.strip().lower() == application.first_name.strip().lower():
                add(person, _("imię i nazwisko"))
            else:
                add(person, _("nazwisko"))

    unit_matches = []
    for requested in application.units.all():
        units = units_matching(
            street=requested.street,
            building_no=requested.building_no,
            unit_no=requested.unit_no,
            external_id=requested.external_id,
        )
        if requested.unit_id and all(u.pk != requested.unit_id for u in units):
            units.insert(0, requested.unit)
        titles = list(
            Title.objects.filter(Title.active_q(on), unit__in=units).select_related("person", "unit__building")
        )
        for title in titles:
            add(title.person, _("tytuł prawny do wskazanego lokalu"))
        unit_matches.append(UnitMatch(requested=requested, units=units, titles=titles))

    ranked = sorted(persons.values(), key=lambda m: (-m.strength, m.person.last_name, m.person.first_name))
    return ApplicationMatches(persons=ranked[:MAX_CANDIDATES], units=unit_matches)
