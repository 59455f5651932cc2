"""Everything the portal holds about one user, for their download (RODO art. 15 and 20, A15).

One collection, two renderings: JSON (machine-readable, art. 20) and a readable PDF
(accounts.pdf). Each section lists model fields; their labels are the fields' own
``verbose_name``, so the PDF, the admin and the JSON keys never drift apart.

Every query is scoped to the user: their account, their person in the back-office, what
they submitted, and records addressed to them. Internal staff notes (a ticket's internal
notes, an application's staff note) are not part of the download.

The sections of the account and of the back-office data are built here; every app above
accounts (meters, tickets, payments, chat, …) contributes its own through
``personal_data_part_register`` in its ``AppConfig.ready``, so this module never imports an
app's services and an app's records are described next to its models. A part may also say
what happens to its records when the account is closed (``user_close`` calls it).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from axes.models import AccessFailureLog, AccessLog
from django.apps import apps
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Application, TermsAcceptance, UnitGrant, User
from accounts.profil_zaufany.models import IdpSession
from billing.models import Document, DocumentRead, Invoice, Person, Title
from portal.models import AuditEntry, EmailMessage
from portal.services.audit import audit_log
from sync.models import ConsentChange

FORMAT_VERSION = 1


@dataclass(frozen=True)
class Section:
    """One kind of record: its key in the JSON, its heading in the PDF, labelled columns."""

    key: str
    title: str
    columns: list[tuple[str, str]]
    rows: list[dict[str, Any]]


@dataclass(frozen=True)
class PersonalData:
    username: str
    full_name: str
    exported_at: dt.datetime
    sections: list[Section] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": f"e-BOK dane osobowe v{FORMAT_VERSION}",
            "exported_at": self.exported_at,
            "login": self.username,
            **{section.key: section.rows for section in self.sections},
        }

    def as_json(self) -> bytes:
        return json.dumps(self.as_dict(), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode("utf-8")


# Labels are lazy translations (resolved when the export is built, in the user's language).
Extra = dict[str, tuple[str | Promise, Callable[[Any], Any]]]


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """The concrete field ``name`` of ``model`` (the export names fields, never reverse relations)."""
    model_field = model._meta.get_field(name)
    if not isinstance(model_field, models.Field):
        raise TypeError(f"{model.__name__}.{name} is not a concrete field")
    return model_field


def _value(obj: models.Model, name: str) -> Any:
    model_field = _field(obj._meta.model, name)
    if model_field.choices:
        return getattr(obj, f"get_{name}_display")()
    if model_field.is_relation:
        related = getattr(obj, name)
        return str(related) if related is not None else None
    value = getattr(obj, name)
    return str(value) if isinstance(value, Promise) else value


def _emails_to(user: User, email: str) -> list[EmailMessage]:
    """E-mails to the user: linked to the account, or sent to their address without one (an
    application's confirmation). JSON containment (``to__contains``) exists on PostgreSQL
    only; the try-out runs on SQLite, so the text match narrows and Python decides."""
    addressed = Q(user__isnull=True, to__icontains=email) if email else Q(pk__in=[])
    return [
        message
        for message in EmailMessage.objects.filter(Q(user=user) | addressed).order_by("created_at", "id")
        if message.user_id == user.pk or email in message.to
    ]


def personal_data_section(
    key: str,
    title: str | Promise,
    model: type[models.Model],
    objects: Iterable[models.Model],
    names: Sequence[str],
    extra: Extra | None = None,
    labels: dict[str, Any] | None = None,
) -> Section:
    """Rows of ``names`` (model fields, labelled by their verbose names unless ``labels``
    says otherwise) and of ``extra`` (label, function of the object)."""
    extra = extra or {}
    labels = labels or {}
    columns = [(name, str(labels.get(name) or _field(model, name).verbose_name)) for name in names]
    columns += [(name, str(label)) for name, (label, _function) in extra.items()]
    rows = [
        {
            **{name: _value(obj, name) for name in names},
            **{name: function(obj) for name, (_label, function) in extra.items()},
        }
        for obj in objects
    ]
    return Section(key=key, title=str(title), columns=columns, rows=rows)


@dataclass(frozen=True)
class PersonalDataPart:
    """What one app holds about a user: ``collect`` returns its sections (every query scoped to
    the user); ``account_closed``, if given, runs inside ``user_close``'s transaction."""

    collect: Callable[[User], list[Section]]
    account_closed: Callable[[User], None] | None = None


_PARTS: dict[str, PersonalDataPart] = {}


def personal_data_part_register(app_label: str, part: PersonalDataPart) -> None:
    """An app adds its part (called from its ``AppConfig.ready``; once per app label)."""
    _PARTS[app_label] = part


def personal_data_parts() -> list[PersonalDataPart]:
    """The registered parts in the order of ``INSTALLED_APPS`` (a stable order of sections)."""
    order = [config.label for config in apps.get_app_configs()]
    return [_PARTS[label] for label in sorted(_PARTS, key=order.index)]


def _audit_who(user: User) -> Callable[[AuditEntry], str]:
    # Staff members' logins are their own personal data; the user learns that staff acted.
    def who(entry: AuditEntry) -> str:
        if entry.actor_id == user.pk:
            return user.username
        if entry.actor_id is not None:
            return gettext("obsługa")
        return entry.actor_label

    return who


# django-axes names its fields in English only.
_AXES_LABELS = {
    "attempt_time": _("czas"),
    "logout_time": _("wylogowanie"),
    "ip_address": _("adres IP"),
    "user_agent": _("przeglądarka"),
    "locked_out": _("zablokowało konto"),
}


def personal_data_collect(user: User) -> PersonalData:
    """Everything held about ``user``, read in one transaction (a consistent picture); labels
    and choice names in the portal's language, so the JSON does not depend on the browser's."""
    person = user.person
    email = user.email.strip()
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        opened = dict(DocumentRead.objects.filter(user=user).values_list("document_id", "read_at"))
        sections = [
            personal_data_section(
                "account",
                _("Konto w e-BOK"),
                User,
                [user],
                [
                    "username",
                    "first_name",
                    "last_name",
                    "email",
                    "phone",
                    "date_joined",
                    "last_login",
                    "is_active",
                    "must_change_password",
                    "blocked_at",
                    "blocked_reason",
                    *User.CHOICE_FIELDS,
                ],
            ),
            personal_data_section(
                "person",
                _("Dane z systemu spółdzielni (osoba)"),
                Person,
                [person] if person else [],
                ["external_id", "first_name", "last_name", "company_name", "pesel", "nip", "email", "phone"],
            ),
            personal_data_section(
                "titles",
                _("Tytuły prawne do lokali"),
                Title,
                Title.objects.filter(person=person).select_related("unit__building") if person else [],
                ["unit", "kind", "valid_from", "valid_to"],
            ),
            personal_data_section(
                "unit_access",
                _("Dostęp do lokali w e-BOK"),
                UnitGrant,
                UnitGrant.objects.filter(user=user).select_related("unit__building"),
                ["unit", "since", "until", "source", "created_at"],
            ),
            personal_data_section(
                "consent_changes",
                _("Zmiany zgód przekazane do systemu spółdzielni"),
                ConsentChange,
                ConsentChange.objects.filter(user=user).order_by("changed_at"),
                ["e_invoice", "e_correspondence", "changed_at", "confirmed_at"],
            ),
            personal_data_section(
                "applications",
                _("Wnioski o dostęp"),
                Application,
                Application.objects.filter(
                    Q(user=user) | (Q(user__isnull=True, email__iexact=email) if email else Q(pk__in=[]))
                ).prefetch_related("units"),
                [
                    "number",
                    "status",
                    "created_at",
                    "first_name",
                    "last_name",
                    "email",
                    "phone",
                    "pesel",
                    "title_kind",
                    "consent_e_invoice",
                    "consent_e_correspondence",
                    "consent_newsletter",
                    "ip_address",
                    "email_confirmed_at",
                    "decided_at",
                    "rejection_reason",
                ],
                {"units": (_("lokale"), lambda a: "; ".join(unit.label for unit in a.units.all()))},
            ),
            personal_data_section(
                "terms_acceptances",
                _("Akceptacje regulaminu"),
                TermsAcceptance,
                TermsAcceptance.objects.filter(user=user).select_related("terms").order_by("accepted_at"),
                ["terms", "accepted_at", "ip_address"],
            ),
            personal_data_section(
                "logins",
                _("Logowania"),
                AccessLog,
                AccessLog.objects.filter(username=user.username).order_by("attempt_time"),
                ["attempt_time", "logout_time", "ip_address", "user_agent"],
                labels=_AXES_LABELS,
            ),
            personal_data_section(
                "failed_logins",
                _("Nieudane próby logowania"),
                AccessFailureLog,
                AccessFailureLog.objects.filter(username=user.username).order_by("attempt_time"),
                ["attempt_time", "ip_address", "user_agent", "locked_out"],
                labels=_AXES_LABELS,
            ),
            personal_data_section(
                "profil_zaufany_logins",
                _("Logowania przez Profil Zaufany"),
                IdpSession,
                IdpSession.objects.filter(user=user).order_by("created_at"),
                ["created_at", "ended_at"],
            ),
            personal_data_section(
                "audit",
                _("Dziennik zdarzeń dotyczących konta"),
                AuditEntry,
                AuditEntry.objects.filter(
                    Q(actor=user) | Q(object_type=User._meta.label_lower, object_id=str(user.pk))
                ).order_by("created_at", "id"),
                ["created_at", "action", "object_repr", "ip_address", "details"],
                {"who": (_("kto"), _audit_who(user))},
            ),
            personal_data_section(
                "documents",
                _("Korespondencja (dokumenty)"),
                Document,
                Document.objects.filter(person=person).select_related("unit__building").order_by("issued_on", "id")
                if person
                else [],
                ["title", "issued_on", "unit"],
                {"opened_at": (_("otwarty przez Ciebie w e-BOK"), lambda d: opened.get(d.external_id))},
            ),
            personal_data_section(
                "invoices",
                _("Faktury"),
                Invoice,
                Invoice.objects.filter(buyer=person).select_related("unit__building").order_by("issued_on", "id")
                if person
                else [],
                ["number", "issued_on", "due_on", "gross", "unit"],
            ),
            personal_data_section(
                "newsletter",
                _("Newsletter: otrzymane wydania"),
                EmailMessage,
                EmailMessage.objects.filter(user=user, dedup_key__startswith="newsletter:").order_by("created_at"),
                ["subject", "status", "sent_at"],
                {"subscribed": (_("zgoda na newsletter teraz"), lambda _m: user.consent_newsletter)},
            ),
            personal_data_section(
                "emails",
                _("Wiadomości e-mail wysłane przez e-BOK"),
                EmailMessage,
                _emails_to(user, email),
                ["created_at", "to", "subject", "status", "sent_at"],
            ),
        ]
        for part in personal_data_parts():
            sections += part.collect(user)
    return PersonalData(
        username=user.username,
        full_name=user.get_full_name(),
        exported_at=timezone.now(),
        sections=[_plain(section) for section in sections],
    )


def _plain(section: Section) -> Section:
    """Decimals as text with their scale (JSON numbers would lose ``100.00``'s meaning)."""
    for row in section.rows:
        for key, value in row.items():
            if isinstance(value, Decimal):
                row[key] = str(value)
    return section


def personal_data_export(*, user: User, file_format: str, request: HttpRequest | None = None) -> PersonalData:
    """The user downloads their data (A15); the download itself is audited."""
    data = personal_data_collect(user)
    audit_log(
        action="account.personal_data_download", actor=user, obj=user, request=request, details={"format": file_format}
    )
    return data
