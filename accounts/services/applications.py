"""Applications for access (A1–A3): submit, confirm the e-mail, activate or reject."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.locks import advisory_lock
from accounts.matching import unit_suggestion
from accounts.models import Application, ApplicationUnit, TermsAcceptance, TermsVersion, UnitGrant, User
from accounts.password_validation import login_generate, password_generate
from accounts.pdf import application_pdf
from accounts.services.grants import grants_give
from accounts.services.users import credentials_email
from billing.models import Person, Unit
from portal.formats import format_date
from portal.links import absolute_reverse
from portal.services.audit import audit_log, client_ip
from portal.services.mail import email_queue

CONFIRM_SALT = "accounts.application.confirm"
PDF_SALT = "accounts.application.pdf"


class ApplicationLinkInvalid(Exception):
    """A confirmation or download link that was altered, or has expired."""


def confirm_token(application: Application) -> str:
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign(str(application.pk))


def pdf_token(application: Application) -> str:
    return signing.TimestampSigner(salt=PDF_SALT).sign(str(application.pk))


def _unsign(token: str, *, salt: str, max_age: dt.timedelta) -> int:
    try:
        return int(signing.TimestampSigner(salt=salt).unsign(token, max_age=max_age))
    except (signing.BadSignature, ValueError) as exc:
        raise ApplicationLinkInvalid from exc


def application_from_pdf_token(token: str) -> Application:
    pk = _unsign(token, salt=PDF_SALT, max_age=dt.timedelta(days=settings.APPLICATION_PDF_LINK_DAYS))
    application = Application.objects.filter(pk=pk).prefetch_related("units").first()
    if application is None or not application.email:
        raise ApplicationLinkInvalid
    return application


def _open_duplicates(email: str, keys: set[str]) -> tuple[Application, ApplicationUnit] | None:
    cutoff = timezone.now() - dt.timedelta(days=settings.APPLICATION_CONFIRM_DAYS)
    open_applications = (
        Application.objects.filter(email__iexact=email, status__in=Application.OPEN_STATUSES)
        .exclude(status=Application.Status.UNCONFIRMED, created_at__lt=cutoff)
        .prefetch_related("units")
    )
    for application in open_applications:
        for requested in application.units.all():
            if requested.match_key in keys or (requested.unit_id and f"unit:{requested.unit_id}" in keys):
                return application, requested
    return None


def application_submit(
    *, data: dict[str, Any], units: list[dict[str, str]], terms: TermsVersion | None, request: HttpRequest | None = None
) -> Application:
    """Store an application and e-mail the applicant a confirmation link with the PDF.

    ``data``: the person, contact, title and consents as cleaned by the form;
    ``units``: street/building_no/unit_no/external_id of each unit claimed;
    ``terms``: the version the applicant accepted (None before any is published).
    Refuses a duplicate (same e-mail and unit while one is open) and a flood from one address.
    """
    email = data["email"].strip()
    ip = client_ip(request)
    if TermsVersion.current() != terms:
        raise ValidationError(
            {
                "accept_terms": _(
                    "W międzyczasie opublikowano nową wersję regulaminu. Zapoznaj się z nią i zaakceptuj ją."
                )
            }
        )
    requested = []
    for row in units:
        item = ApplicationUnit(
            street=row.get("street", "").strip(),
            building_no=row.get("building_no", "").strip(),
            unit_no=row.get("unit_no", "").strip(),
            external_id=row.get("external_id", "").strip(),
        )
        item.unit = unit_suggestion(
            street=item.street, building_no=item.building_no, unit_no=item.unit_no, external_id=item.external_id
        )
        requested.append(item)
    keys = {item.match_key for item in requested} | {f"unit:{item.unit.pk}" for item in requested if item.unit}

    # Race: the same form sent twice at once; the lock on the address makes the second see the first.
    with advisory_lock(f"application:{email.lower()}"):
        if ip:
            hour_ago = timezone.now() - dt.timedelta(hours=1)
            recent = Application.objects.filter(ip_address=ip, created_at__gte=hour_ago).count()
            if recent >= settings.APPLICATION_MAX_PER_IP_HOUR:
                raise ValidationError(
                    _(
                        "Z tego adresu sieciowego złożono w ostatniej godzinie zbyt wiele wniosków. "
                        "Spróbuj ponownie później albo skontaktuj się z biurem obsługi."
                    ),
                    code="flood",
                )
        duplicate = _open_duplicates(email, keys)
        if duplicate is not None:
            existing, item = duplicate
            raise ValidationError(
                _(
                    "Wniosek nr %(number)s z tym adresem e-mail dotyczący lokalu %(unit)s już czeka na rozpatrzenie "
                    "(złożony %(date)s). Nie trzeba składać go ponownie. Jeśli nie dostałeś e-maila z linkiem "
                    "potwierdzającym, sprawdź folder spam albo skontaktuj się z biurem obsługi."
                )
                % {
                    "number": existing.number,
                    "unit": item.label,
                    "date": timezone.localtime(existing.created_at).strftime("%d.%m.%Y"),
                },
                code="duplicate",
            )
        application = Application.objects.create(
            first_name=data["first_name"].strip(),
            last_name=data["last_name"].strip(),
            email=email,
            phone=data["phone"].strip(),
            pesel=data.get("pesel") or "",
            title_kind=data["title_kind"],
            terms_version=terms,
            consent_e_invoice=bool(data.get("consent_e_invoice")),
            consent_e_correspondence=bool(data.get("consent_e_correspondence")),
            consent_newsletter=bool(data.get("consent_newsletter")),
            ip_address=ip,
        )
        application.number = f"W/{timezone.localdate(application.created_at).year}/{application.pk:06d}"
        application.save(update_fields=["number"])
        for item in requested:
            item.application = application
        ApplicationUnit.objects.bulk_create(requested)
        audit_log(
            action="application.submit",
            obj=application,
            request=request,
            actor_label=_("wnioskodawca"),
            details={"units": [item.label for item in requested]},
        )
        _confirmation_email(application, dedup_key=f"application-confirm:{application.pk}")
    return application


def confirmation_expires_at(application: Application) -> dt.datetime:
    """Until when the applicant can confirm: the unconfirmed application is purged after that
    (``applications_purge_unconfirmed``), so a link sent again does not outlive it."""
    return application.created_at + dt.timedelta(days=settings.APPLICATION_CONFIRM_DAYS)


def _confirmation_email(application: Application, *, dedup_key: str | None) -> None:
    email_queue(
        to=[application.email],
        template="application_confirm",
        context={
            "application": application,
            "confirm_url": absolute_reverse("application_confirm", confirm_token(application)),
            "until": format_date(confirmation_expires_at(application), with_time=True),
        },
        attachments=[(application_pdf_filename(application), application_pdf(application), "application/pdf")],
        dedup_key=dedup_key,
    )


def application_confirmation_resend(*, application: Application, by: User, request: HttpRequest | None = None) -> None:
    """Staff send the confirmation e-mail again, e.g. when the applicant calls because it never
    came (issue 14). Only for an application still waiting for its e-mail to be confirmed and
    whose confirmation period has not run out; the new link works until the same moment."""
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        if application.status != Application.Status.UNCONFIRMED:
            raise ValidationError(
                _("Wniosek %(number)s ma już potwierdzony adres e-mail.") % {"number": application.number},
                code="already_confirmed",
            )
        if timezone.now() >= confirmation_expires_at(application):
            raise ValidationError(
                _("Termin potwierdzenia wniosku %(number)s minął; wnioskodawca musi złożyć nowy wniosek.")
                % {"number": application.number},
                code="expired",
            )
        # No dedup key: each resend is a new message, which is the point of resending.
        _confirmation_email(application, dedup_key=None)
        audit_log(
            action="application.confirmation_resend",
            actor=by,
            obj=application,
            request=request,
            details={"email": application.email},
        )


def application_pdf_filename(application: Application) -> str:
    # The number is given on submission, in the transaction that creates the application.
    return f"wniosek-{(application.number or '').replace('/', '-')}.pdf"


def application_confirm_email(*, token: str, request: HttpRequest | None = None) -> Application:
    """The applicant clicked the link: the application goes to staff. Safe to click twice."""
    pk = _unsign(token, salt=CONFIRM_SALT, max_age=dt.timedelta(days=settings.APPLICATION_CONFIRM_DAYS))
    with transaction.atomic():
        application = Application.objects.select_for_update().filter(pk=pk).first()
        if application is None or not application.email:
            raise ApplicationLinkInvalid
        if application.status != Application.Status.UNCONFIRMED:
            return application
        application.status = Application.Status.PENDING
        application.email_confirmed_at = timezone.now()
        application.save(update_fields=["status", "email_confirmed_at"])
        audit_log(action="application.confirm_email", obj=application, request=request, actor_label=_("wnioskodawca"))
        if settings.STAFF_NOTIFY_EMAILS:
            email_queue(
                to=settings.STAFF_NOTIFY_EMAILS,
                template="application_new_staff",
                context={
                    "application": application,
                    "admin_url": absolute_reverse("admin:accounts_application_change", application.pk),
                },
                dedup_key=f"application-staff:{application.pk}",
            )
    return application


def _create_account(application: Application) -> tuple[User, str]:
    password = password_generate()
    for _attempt in range(10):
        login = login_generate()
        if User.objects.filter(username=login).exists():
            continue
        user = User(
            username=login,
            email=application.email,
            first_name=application.first_name,
            last_name=application.last_name,
            phone=application.phone,
            person=application.person,
            must_change_password=True,
            consent_e_invoice=application.consent_e_invoice,
            consent_e_correspondence=application.consent_e_correspondence,
            consent_newsletter=application.consent_newsletter,
            consents_changed_at=application.created_at,
        )
        user.set_password(password)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError as exc:
            if User.objects.filter(username=login).exists():
                continue  # Race: another activation took this login a moment ago.
            raise ValidationError(
                _("Konto z tym adresem e-mail powstało przed chwilą. Odśwież stronę i spróbuj ponownie."),
                code="email_taken",
            ) from exc
        return user, password
    raise RuntimeError("no free login after 10 attempts")


def application_activate(*, application: Application, by: User, request: HttpRequest | None = None) -> User:
    """Staff activate a confirmed application (A3): the account is created with a generated
    login and first password (e-mailed), with access to each matched unit. When the
    applicant already has an active account, the units are added to it instead."""
    with transaction.atomic():
        # Race: two staff members activating the same application; the row lock orders them.
        application = Application.objects.select_for_update().get(pk=application.pk)
        if application.status != Application.Status.PENDING:
            raise ValidationError(
                _("Wniosku w stanie „%(status)s” nie można aktywować.") % {"status": application.get_status_display()},
                code="not_pending",
            )
        requested = list(application.units.select_related("unit__building"))
        if not requested or any(item.unit_id is None for item in requested):
            raise ValidationError(
                _("Przed aktywacją przypisz lokal z systemu źródłowego do każdego lokalu we wniosku."),
                code="units_unmatched",
            )
        existing = User.objects.filter(email__iexact=application.email, closed_at__isnull=True).first()
        if existing is not None and existing.is_blocked:
            raise ValidationError(
                _("Konto %(login)s z tym adresem e-mail jest zablokowane. Najpierw wyjaśnij blokadę.")
                % {"login": existing.username},
                code="account_blocked",
            )
        today = timezone.localdate()
        units = [item.unit for item in requested if item.unit is not None]  # all matched: checked above
        if existing is None:
            user, password = _create_account(application)
            audit_log(
                action="account.create",
                actor=by,
                obj=user,
                request=request,
                details={"application": application.number},
            )
        else:
            user, password = existing, None
            if application.person_id and user.person_id is None:
                user.person = application.person
                user.save(update_fields=["person"])
        grants_give(user=user, units=units, source=UnitGrant.Source.APPLICATION, since=today, by=by, request=request)
        if application.terms_version_id:
            TermsAcceptance.objects.get_or_create(
                user=user,
                terms_id=application.terms_version_id,
                defaults={"accepted_at": application.created_at, "ip_address": application.ip_address},
            )
        application.status = Application.Status.ACTIVATED
        application.decided_at = timezone.now()
        application.decided_by = by
        application.user = user
        application.save(update_fields=["status", "decided_at", "decided_by", "user"])
        audit_log(
            action="application.activate",
            actor=by,
            obj=application,
            request=request,
            details={
                "user": user.username,
                "units": [unit.external_id for unit in units],
                "new_account": password is not None,
            },
        )
        context = {"application": application, "units": units, "login_url": absolute_reverse("login")}
        if password is not None:
            credentials_email(user=user, password=password, template="account_credentials", context=context)
        else:
            email_queue(
                to=[user.email],
                template="account_units_added",
                context={"user": user, **context},
                user=user,
                dedup_key=f"application-activated:{application.pk}",
            )
    return user


def application_reject(
    *, application: Application, by: User, reason: str, request: HttpRequest | None = None
) -> Application:
    """Staff reject an application with a reason, which is e-mailed to the applicant."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Podaj powód odrzucenia — zostanie wysłany wnioskodawcy."), code="reason_required")
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        if application.status != Application.Status.PENDING:
            raise ValidationError(
                _("Wniosku w stanie „%(status)s” nie można odrzucić.") % {"status": application.get_status_display()},
                code="not_pending",
            )
        application.status = Application.Status.REJECTED
        application.rejection_reason = reason
        application.decided_at = timezone.now()
        application.decided_by = by
        application.save(update_fields=["status", "rejection_reason", "decided_at", "decided_by"])
        audit_log(action="application.reject", actor=by, obj=application, request=request, details={"reason": reason})
        email_queue(
            to=[application.email],
            template="application_rejected",
            context={"application": application, "reason": reason},
            dedup_key=f"application-rejected:{application.pk}",
        )
    return application


def _pending_for_matching(application: Application) -> Application:
    # Race: a clerk links a person or unit while another activates or rejects the application;
    # the row lock orders them, and a decided application keeps the data it was decided on.
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if locked.status != Application.Status.PENDING:
        raise ValidationError(
            _("Dopasowanie można zmienić tylko we wniosku czekającym na weryfikację."), code="not_pending"
        )
    return locked


def application_person_match(
    *, application: Application, person_id: int, by: User, request: HttpRequest | None = None
) -> Application:
    """Staff link a pending application to a person of the back-office (A3, the matching panel)."""
    with transaction.atomic():
        locked = _pending_for_matching(application)
        person = Person.objects.filter(pk=person_id).first()
        if person is None:
            raise ValidationError(_("Nie ma takiej osoby w systemie źródłowym."), code="unknown_person")
        previous = locked.person.external_id if locked.person else ""
        locked.person = person
        locked.save(update_fields=["person"])
        audit_log(
            action="application.match_person",
            actor=by,
            obj=locked,
            request=request,
            details={"person": person.external_id, "previous": previous},
        )
    application.person = person
    return locked


def application_unit_match(
    *, application: Application, application_unit_id: int, unit_id: int, by: User, request: HttpRequest | None = None
) -> ApplicationUnit:
    """Staff assign a unit of the back-office to one unit named in a pending application (A3)."""
    with transaction.atomic():
        locked = _pending_for_matching(application)
        requested = ApplicationUnit.objects.filter(pk=application_unit_id, application=locked).first()
        unit = Unit.objects.filter(pk=unit_id).first()
        if requested is None or unit is None:
            raise ValidationError(_("Nie ma takiego lokalu we wniosku albo w systemie źródłowym."), code="unknown_unit")
        previous = requested.unit.external_id if requested.unit else ""
        requested.unit = unit
        requested.save(update_fields=["unit"])
        audit_log(
            action="application.match_unit",
            actor=by,
            obj=locked,
            request=request,
            details={"requested": requested.label, "unit": unit.external_id, "previous": previous},
        )
    return requested


def application_save_by_staff(
    *, application: Application, changed: Sequence[str], by: User, request: HttpRequest | None = None
) -> Application:
    """Staff save the fields of the application form in admin (the person, their note); audited."""
    with transaction.atomic():
        application.save()
        audit_log(
            action="application.change",
            actor=by,
            obj=application,
            request=request,
            details={"fields": sorted(changed)},
        )
    return application


def applications_purge_unconfirmed(*, now: dt.datetime | None = None) -> int:
    """Delete applications whose e-mail was never confirmed and whose link has expired
    (their data was never seen by staff and is kept no longer than needed)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.APPLICATION_CONFIRM_DAYS + 1)
    stale = Application.objects.filter(status=Application.Status.UNCONFIRMED, created_at__lt=cutoff)
    _total, per_model = stale.delete()
    return per_model.get(Application._meta.label, 0)
