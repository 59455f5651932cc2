"""The accessibility statement (deklaracja dostępności, E5) in the structure of the template the
2019 act on digital accessibility (Dz.U. 2019 poz. 848, art. 10) prescribes: what the operator
set (portal.models.Operator) over the portal's own defaults and its measured state."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.models import Operator

# The portal's self-assessment (samoocena): every tenant, public and admin page walked in Chromium
# at 1280 and 360 px with axe-core (WCAG 2.1 A and AA) by tests/e2e; the date of that walk.
SELF_ASSESSMENT_ON = dt.date(2026, 12, 3)
# What the walk cannot vouch for, shown under "Niedostępne treści" beside the operator's own list.
MEASURED_ISSUES = (
    gettext_lazy(
        "Dokumenty PDF przygotowywane poza portalem — druki do pobrania dodawane przez biuro obsługi "
        "i pisma z systemu księgowego w e-korespondencji — mogą nie być dostępne cyfrowo. "
        "Dokumenty tworzone przez portal (faktury, zestawienia, wnioski, kopia danych osobowych) "
        "są oznaczone strukturalnie (PDF/UA)."
    ),
    gettext_lazy(
        "Logowanie przez Profil Zaufany odbywa się w serwisie login.gov.pl, którego dostępność "
        "zapewnia jego operator (Ministerstwo Cyfryzacji)."
    ),
)


@dataclass(frozen=True)
class Statement:
    operator: Operator | None
    name: str
    published_on: dt.date
    updated_on: dt.date
    prepared_on: dt.date
    reviewed_on: dt.date
    status: str
    known_issues: list[str]
    contact_name: str
    contact_email: str
    contact_phone: str
    architecture: str
    mobile_apps: str


def accessibility_statement(operator: Operator | None) -> Statement:
    """The statement as the page shows it: the operator's fields, the portal's defaults where empty."""

    def field(name: str) -> Any:
        return getattr(operator, name) if operator is not None else None

    issues = [str(issue) for issue in MEASURED_ISSUES] + [
        line.strip() for line in (field("accessibility_known_issues") or "").splitlines() if line.strip()
    ]
    prepared_on = field("accessibility_prepared_on") or SELF_ASSESSMENT_ON
    address = ", ".join(
        part for part in (field("street"), " ".join(filter(None, (field("postal_code"), field("city"))))) if part
    )
    return Statement(
        operator=operator,
        name=field("name") or _("operator portalu e-BOK"),
        published_on=field("accessibility_published_on") or SELF_ASSESSMENT_ON,
        updated_on=field("accessibility_updated_on") or SELF_ASSESSMENT_ON,
        prepared_on=prepared_on,
        reviewed_on=field("accessibility_reviewed_on") or prepared_on,
        status=_("częściowo zgodna") if issues else _("zgodna"),
        known_issues=issues,
        contact_name=field("accessibility_contact_name") or _("Biuro obsługi klienta"),
        contact_email=field("accessibility_contact_email") or field("email") or "",
        contact_phone=field("accessibility_contact_phone") or field("phone") or "",
        architecture=field("accessibility_architecture")
        or (
            _("Informacji o dostępności architektonicznej siedziby (%(address)s) udziela biuro obsługi.")
            % {"address": address}
            if address
            else _("Informacji o dostępności architektonicznej siedziby udziela biuro obsługi.")
        ),
        mobile_apps=field("accessibility_mobile_apps")
        or _("Operator nie udostępnia aplikacji mobilnych. Portal działa w przeglądarce telefonu."),
    )
