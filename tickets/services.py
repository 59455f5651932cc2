"""Workflows of tickets, announcements and newsletters. Each runs in one transaction,
writes its audit entries and queues its e-mails through the outbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import access
from accounts.models import User
from accounts.selectors import units_for_user
from billing.models import Building, Unit
from portal import files
from portal.formats import format_date
from portal.links import absolute_reverse
from portal.models import EmailMessage, Operator
from portal.services.audit import audit_log
from portal.services.mail import email_queue, list_unsubscribe_headers
from tickets.models import (
    Announcement,
    DownloadForm,
    Newsletter,
    Ticket,
    TicketAttachment,
    TicketCounter,
    TicketMessage,
    TicketStatusChange,
    hash_secret,
    new_secret,
)

NUMBER_PREFIX = "ZGL"
ATTACHMENT_TYPES = (files.JPEG, files.PNG, files.PDF)
_STATUS_LINK_SALT = "tickets.status-link"


@dataclass(frozen=True)
class _Mailing:
    """A bulk mailing a user leaves by a signed one-click link: the link's salt and URL, the
    prefix of its messages' dedup keys, the user's switch, its audit action, and whether the
    switch is a consent (whose time of change is kept)."""

    salt: str
    url_name: str
    key_prefix: str
    flag: str
    action: str
    consent: bool


_NEWSLETTER = _Mailing(
    "tickets.newsletter-unsubscribe",
    "tickets:newsletter_unsubscribe",
    "newsletter",
    "consent_newsletter",
    "consent.newsletter_withdrawn",
    consent=True,
)
_ANNOUNCEMENTS = _Mailing(
    "tickets.announcements-unsubscribe",
    "tickets:announcements_unsubscribe",
    "announcement",
    "notify_announcements",
    "account.announcements_off",
    consent=False,
)


# --- numbers and status links ---------------------------------------------------------


def ticket_number_next(year: int) -> str:
    """The next number of ``year`` (``ZGL/2026/000123``). Call inside a transaction."""
    # Race: two tickets filed at once must not get the same number; the counter row
    # is locked until the transaction that took a number commits (the unique
    # constraint on Ticket.number is the backstop). Creating the year's row races
    # too: get_or_create retries the read when the other insert wins.
    TicketCounter.objects.get_or_create(year=year)
    counter = TicketCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{NUMBER_PREFIX}/{year}/{counter.last:06d}"


def status_token(ticket: Ticket) -> str:
    """A signed token for the status link in e-mails; it stops working when the code changes."""
    return signing.dumps({"t": ticket.pk, "h": ticket.secret_hash[:16]}, salt=_STATUS_LINK_SALT)


def status_url(ticket: Ticket) -> str:
    return absolute_reverse("tickets:status_link", status_token(ticket))


def ticket_from_status_token(token: str) -> Ticket | None:
    try:
        payload = signing.loads(token, salt=_STATUS_LINK_SALT)
        ticket_id, hash_prefix = int(payload["t"]), str(payload["h"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    ticket = Ticket.objects.select_related("unit__building").filter(pk=ticket_id).first()
    if ticket is None or ticket.secret_hash[:16] != hash_prefix:
        return None
    return ticket


# A well-formed hash to compare against when the number does not exist, so that a
# wrong number costs as much as a wrong code (the page must not tell them apart).
_DUMMY_HASH = hash_secret("-")


def ticket_status_check(*, number: str, secret: str) -> Ticket | None:
    """The ticket when both the number and its code match; None for any mismatch."""
    ticket = Ticket.objects.filter(number=number.strip().upper()).first()
    if ticket is None:
        Ticket(secret_hash=_DUMMY_HASH).secret_matches(secret)
        return None
    return ticket if ticket.secret_matches(secret) else None


# --- filing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Filed:
    ticket: Ticket
    secret: str


def complaint_window_error(event_date: dt.date, today: dt.date) -> str | None:
    """Why a complaint about ``event_date`` is not accepted ``today`` (D2), or None."""
    if event_date > today:
        return _("Data zdarzenia nie może być późniejsza niż dzisiaj.")
    deadline = Ticket.complaint_deadline(event_date)
    if today > deadline:
        return _(
            "Reklamację zdarzenia z dnia %(event)s można było złożyć do %(deadline)s "
            "(%(days)s dni roboczych od zdarzenia; soboty, niedziele i święta nie są liczone). "
            "Termin minął."
        ) % {
            "event": format_date(event_date),
            "deadline": format_date(deadline),
            "days": settings.TICKETS_COMPLAINT_WORKING_DAYS,
        }
    return None


def _check_filing_rules(
    *,
    kind: str,
    reporter: User | None,
    unit: Unit | None,
    event_date: dt.date | None,
    uploads: Sequence[UploadedFile],
    reporter_name: str,
    reporter_email: str,
    reporter_phone: str,
    location: str,
) -> list[str]:
    """Content types of the uploads, in order; a ValidationError naming the field for any broken rule."""
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    if kind not in Ticket.Kind.values or kind == Ticket.Kind.ACCESSIBILITY:
        errors.setdefault("kind", []).append(_("Wybierz rodzaj zgłoszenia."))
    if reporter is None:
        if kind != Ticket.Kind.FAILURE:
            errors.setdefault("kind", []).append(
                _(
                    "Bez konta można zgłosić tylko awarię. Reklamacje i wiadomości przyjmujemy od zalogowanych użytkowników."
                )
            )
        if not reporter_name.strip():
            errors.setdefault("reporter_name", []).append(_("Podaj imię i nazwisko."))
        if not (reporter_email.strip() or reporter_phone.strip()):
            errors.setdefault("reporter_phone", []).append(
                _("Podaj telefon lub adres e-mail, abyśmy mogli się z Tobą skontaktować.")
            )
        if not location.strip():
            errors.setdefault("location", []).append(_("Podaj adres lub miejsce awarii."))
        if unit is not None:
            errors.setdefault("unit", []).append(_("Lokal może wskazać tylko zalogowany użytkownik."))
    else:
        if unit is not None and not units_for_user(reporter).filter(pk=unit.pk).exists():
            errors.setdefault("unit", []).append(_("Wybierz jeden ze swoich lokali."))
        if unit is None and kind in (Ticket.Kind.FAILURE, Ticket.Kind.COMPLAINT):
            errors.setdefault("unit", []).append(_("Wybierz lokal, którego dotyczy zgłoszenie."))
    if kind == Ticket.Kind.COMPLAINT:
        if event_date is None:
            errors.setdefault("event_date", []).append(_("Podaj datę zdarzenia, którego dotyczy reklamacja."))
        else:
            problem = complaint_window_error(event_date, today)
            if problem:
                errors.setdefault("event_date", []).append(problem)
    elif event_date is not None and event_date > today:
        errors.setdefault("event_date", []).append(_("Data zdarzenia nie może być późniejsza niż dzisiaj."))
    content_types = []
    if len(uploads) > settings.TICKETS_ATTACHMENT_MAX_FILES:
        errors.setdefault("attachments", []).append(
            _("Można dodać najwyżej %(n)s załączników.") % {"n": settings.TICKETS_ATTACHMENT_MAX_FILES}
        )
    else:
        for upload in uploads:
            try:
                content_types.append(files.detect_content_type(upload, ATTACHMENT_TYPES))
            except ValidationError as exc:
                errors.setdefault("attachments", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return content_types


def ticket_file(
    *,
    kind: str,
    subject: str,
    description: str,
    reporter: User | None = None,
    unit: Unit | None = None,
    event_date: dt.date | None = None,
    uploads: Sequence[UploadedFile] = (),
    reporter_name: str = "",
    reporter_email: str = "",
    reporter_phone: str = "",
    location: str = "",
    request: HttpRequest | None = None,
) -> Filed:
    """File a ticket (D1–D3): check the rules, give it a number and a code, store the
    attachments privately, e-mail the reporter and staff, audit it.

    Nothing is stored when a rule is broken (a ValidationError names the field).
    """
    content_types = _check_filing_rules(
        kind=kind,
        reporter=reporter,
        unit=unit,
        event_date=event_date,
        uploads=uploads,
        reporter_name=reporter_name,
        reporter_email=reporter_email,
        reporter_phone=reporter_phone,
        location=location,
    )
    # Images are stored re-encoded (no EXIF/GPS, nothing appended), done before the transaction.
    try:
        contents = [
            files.image_reencoded(upload, content_type, name="zalacznik") if content_type != files.PDF else upload
            for upload, content_type in zip(uploads, content_types, strict=True)
        ]
    except ValidationError as exc:
        raise ValidationError({"attachments": exc.messages}) from exc
    secret = new_secret()
    stored: list[str] = []
    try:
        with transaction.atomic():
            now = timezone.now()
            ticket = Ticket.objects.create(
                number=ticket_number_next(timezone.localdate(now).year),
                kind=kind,
                reporter=reporter,
                reporter_name="" if reporter else reporter_name.strip(),
                reporter_email="" if reporter else reporter_email.strip(),
                reporter_phone="" if reporter else reporter_phone.strip(),
                unit=unit,
                location=location.strip(),
                subject=subject.strip(),
                description=description.strip(),
                event_date=event_date,
                secret_hash=hash_secret(secret),
                created_at=now,
            )
            for upload, content, content_type in zip(uploads, contents, content_types, strict=True):
                attachment = TicketAttachment(
                    ticket=ticket,
                    original_name=_label(upload.name),
                    content_type=content_type,
                    size=content.size or 0,
                )
                attachment.file.save(upload.name or "plik", content, save=False)
                stored.append(attachment.file.name)
                attachment.save()
            audit_log(
                action="ticket.create",
                actor=reporter,
                obj=ticket,
                request=request,
                details={"kind": kind, "attachments": len(content_types), "unit": unit.pk if unit else None},
                actor_label="" if reporter else f"{ticket.reporter_name} (bez konta)",
            )
            _email_reporter_received(ticket, secret)
            _email_staff_new(ticket)
    except Exception:
        # The rows rolled back; the files are outside the transaction, remove them too.
        for name in stored:
            default_storage.delete(name)
        raise
    return Filed(ticket=ticket, secret=secret)


ACCESSIBILITY_DEADLINE_DAYS = 7


def accessibility_request_file(
    *,
    reporter_name: str,
    reporter_email: str,
    reporter_phone: str,
    element: str,
    description: str,
    alternative: str = "",
    reporter: User | None = None,
    request: HttpRequest | None = None,
) -> Filed:
    """A request for accessibility or an alternative way of access (art. 18 of the act on digital
    accessibility, E5): a ticket anyone may file, due within 7 days of the request, which staff
    see as its statutory deadline. The reporter gets its number and code like any ticket."""
    if not (reporter_email.strip() or reporter_phone.strip()):
        raise ValidationError({"reporter_phone": _("Podaj e-mail lub telefon, abyśmy mogli odpowiedzieć.")})
    text = description.strip()
    if alternative.strip():
        text += "\n\n" + _("Dogodny sposób przekazania informacji: %(way)s") % {"way": alternative.strip()}
    if reporter is not None:
        text += "\n\n" + _("Kontakt podany w żądaniu: %(name)s, %(contact)s") % {
            "name": reporter_name.strip(),
            "contact": ", ".join(part for part in (reporter_email.strip(), reporter_phone.strip()) if part),
        }
    secret = new_secret()
    with transaction.atomic():
        now = timezone.now()
        # Art. 18(1): "niezwłocznie, nie później niż w ciągu 7 dni od dnia wystąpienia z żądaniem".
        due_on = timezone.localdate(now) + dt.timedelta(days=ACCESSIBILITY_DEADLINE_DAYS)
        ticket = Ticket.objects.create(
            number=ticket_number_next(timezone.localdate(now).year),
            kind=Ticket.Kind.ACCESSIBILITY,
            reporter=reporter,
            reporter_name="" if reporter else reporter_name.strip(),
            reporter_email="" if reporter else reporter_email.strip(),
            reporter_phone="" if reporter else reporter_phone.strip(),
            location=element.strip()[:250],
            subject=(_("Żądanie zapewnienia dostępności: %(element)s") % {"element": element.strip()})[:200],
            description=text[:5000],
            secret_hash=hash_secret(secret),
            created_at=now,
            due_on=due_on,
        )
        audit_log(
            action="ticket.create",
            actor=reporter,
            obj=ticket,
            request=request,
            details={"kind": ticket.kind, "due_on": due_on.isoformat()},
            actor_label="" if reporter else f"{ticket.reporter_name} (bez konta)",
        )
        _email_reporter_received(ticket, secret)
        _email_staff_new(ticket)
    return Filed(ticket=ticket, secret=secret)


def _label(name: str | None) -> str:
    """The sender's file name as a harmless label (no path, bounded length)."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return (base or _("załącznik"))[:200]


def _email_reporter_received(ticket: Ticket, secret: str) -> None:
    to = ticket.contact_email
    if not to:
        return
    email_queue(
        to=[to],
        template="ticket_received",
        context={"ticket": ticket, "secret": secret, "status_url": status_url(ticket)},
        user=ticket.reporter,
        dedup_key=f"ticket:{ticket.pk}:received",
    )


def _email_staff_new(ticket: Ticket) -> None:
    if not settings.TICKETS_NOTIFY_EMAILS:
        return
    email_queue(
        to=list(settings.TICKETS_NOTIFY_EMAILS),
        template="ticket_staff_new",
        context={"ticket": ticket, "admin_url": _admin_url(ticket)},
        dedup_key=f"ticket:{ticket.pk}:staff-new",
    )


def _admin_url(ticket: Ticket) -> str:
    return absolute_reverse("admin:tickets_ticket_change", ticket.pk)


def ticket_attachment_open(
    *, attachment: TicketAttachment, by: User, request: HttpRequest | None = None
) -> TicketAttachment:
    """Staff open a ticket's attachment in admin: personal data read by staff is on record."""
    audit_log(
        action="ticket.attachment_view",
        actor=by,
        obj=attachment.ticket,
        request=request,
        details={"attachment": attachment.pk},
    )
    return attachment


# --- the reporter answers back -------------------------------------------------------------


def ticket_reporter_reply(
    *, ticket: Ticket, body: str, author: User | None = None, request: HttpRequest | None = None
) -> TicketMessage:
    """The reporter's answer to an open ticket (D4); refused with a Polish message once it is closed.

    ``author`` is the logged-in reporter; None when the answer comes through the status
    link (whoever holds the number and code acts as the reporter).
    """
    body = body.strip()
    if not body:
        raise ValidationError({"body": [_("Wpisz treść odpowiedzi.")]})
    with transaction.atomic():
        # Race: staff closing the ticket while the reporter writes; the row lock orders them.
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if not locked.accepts_reporter_reply():
            raise ValidationError(
                _(
                    "Zgłoszenie %(number)s jest zamknięte (%(status)s) i nie przyjmuje odpowiedzi. "
                    "Jeśli sprawa nie jest załatwiona, złóż nowe zgłoszenie."
                )
                % {"number": locked.number, "status": locked.get_status_display()}
            )
        now = timezone.now()
        message = TicketMessage.objects.create(
            ticket=locked, kind=TicketMessage.Kind.REPORTER, author=author, body=body, created_at=now
        )
        locked.reporter_replied_at = now
        locked.save(update_fields=["reporter_replied_at", "updated_at"])
        audit_log(
            action="ticket.reporter_reply",
            actor=author,
            obj=locked,
            request=request,
            actor_label="" if author else _("zgłaszający (link do statusu)"),
        )
        assignee = locked.assignee
        to = [assignee.email] if assignee is not None and assignee.email else settings.TICKETS_NOTIFY_EMAILS
        if to:
            email_queue(
                to=list(to),
                template="ticket_reporter_reply",
                context={"ticket": locked, "message": message, "admin_url": _admin_url(locked)},
            )
    return message


# --- staff workflow ---------------------------------------------------------------------------

_UNCHANGED: Any = object()


def ticket_staff_update(
    *,
    ticket: Ticket,
    by: User,
    status: str | None = None,
    answer: str = "",
    note: str = "",
    assignee: Any = _UNCHANGED,
    request: HttpRequest | None = None,
) -> Ticket:
    """Staff handle a ticket (D4): assign it, move its status, answer publicly, note internally.

    Every status change and public answer e-mails the reporter (one e-mail per save
    carrying both); internal notes are never shown to the reporter. All audited.
    """
    answer, note = answer.strip(), note.strip()
    with transaction.atomic():
        # Race: two staff members saving the same ticket; the row lock orders them
        # and the transition is checked against the status the lock sees.
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        now = timezone.now()
        old_status = locked.status
        changed = False
        if assignee is not _UNCHANGED and assignee != locked.assignee:
            if assignee is not None and not assignee.is_staff:
                raise ValidationError({"assignee": [_("Zgłoszenie można przypisać tylko pracownikowi obsługi.")]})
            locked.assignee = assignee
            changed = True
            audit_log(
                action="ticket.assign",
                actor=by,
                obj=locked,
                request=request,
                details={"assignee": assignee.get_username() if assignee else None},
            )
        if status and status != old_status:
            if not locked.can_move_to(status):
                raise ValidationError(
                    {
                        "new_status": [
                            _("Nie można zmienić statusu z „%(old)s” na „%(new)s”.")
                            % {"old": locked.get_status_display(), "new": Ticket.Status(status).label}
                        ]
                    }
                )
            locked.status = status
            locked.closed_at = now if status in Ticket.CLOSED_STATUSES else None
            TicketStatusChange.objects.create(
                ticket=locked, from_status=old_status, to_status=status, changed_by=by, changed_at=now
            )
            changed = True
            audit_log(
                action="ticket.status",
                actor=by,
                obj=locked,
                request=request,
                details={"from": old_status, "to": status},
            )
        answer_message = None
        if answer:
            answer_message = TicketMessage.objects.create(
                ticket=locked, kind=TicketMessage.Kind.ANSWER, author=by, body=answer, created_at=now
            )
            locked.staff_answered_at = now
            changed = True
            audit_log(
                action="ticket.answer", actor=by, obj=locked, request=request, details={"message": answer_message.pk}
            )
        if note:
            note_message = TicketMessage.objects.create(
                ticket=locked, kind=TicketMessage.Kind.NOTE, author=by, body=note, created_at=now
            )
            audit_log(action="ticket.note", actor=by, obj=locked, request=request, details={"message": note_message.pk})
        if changed:
            locked.save()
        status_changed = locked.status != old_status
        if (status_changed or answer_message) and locked.contact_email:
            email_queue(
                to=[locked.contact_email],
                template="ticket_update",
                context={
                    "ticket": locked,
                    "status_changed": status_changed,
                    "old_status": Ticket.Status(old_status).label,
                    "answer": answer_message,
                    "status_url": status_url(locked),
                },
                user=locked.reporter,
            )
    return locked


# --- announcements ---------------------------------------------------------------------------


def announcement_recipients(announcement: Announcement) -> QuerySet[User]:
    """Users who opted in to announcements by e-mail and to whom it is addressed: everyone,
    or who may see a unit in one of its buildings today (``accounts.access``)."""
    users = access.reachable_users().filter(notify_announcements=True)
    if not announcement.for_all:
        seeing = access.users_seeing_buildings(announcement.buildings.all(), timezone.localdate())
        users = users.filter(pk__in=seeing.values("pk"))
    return users.order_by("pk")


def announcement_audience_check(*, for_all: bool, building_count: int) -> None:
    """D5: an announcement is addressed to everyone or to chosen buildings — exactly one of
    the two. The one definition of the rule: the admin form shows its errors by the field."""
    if not for_all and not building_count:
        raise ValidationError(
            {"buildings": ValidationError(_("Wskaż budynki albo zaznacz „dla wszystkich”."), code="no_audience")}
        )
    if for_all and building_count:
        raise ValidationError(
            {
                "buildings": ValidationError(
                    _("Ogłoszenie „dla wszystkich” nie wskazuje budynków: usuń je albo odznacz „dla wszystkich”."),
                    code="two_audiences",
                )
            }
        )


def announcement_save(
    *,
    announcement: Announcement,
    buildings: Iterable[Building],
    by: User,
    request: HttpRequest | None = None,
) -> Announcement:
    """Staff publish or edit an announcement: save it with its buildings, audit it, and e-mail it
    (once per user) if it is current."""
    chosen = list(buildings)
    announcement_audience_check(for_all=announcement.for_all, building_count=len(chosen))
    created = announcement.pk is None
    with transaction.atomic():
        if created:
            announcement.created_by = by
        announcement.save()
        announcement.buildings.set(chosen)
        audit_log(
            action="announcement.publish" if created else "announcement.change",
            actor=by,
            obj=announcement,
            request=request,
            details={
                "for_all": announcement.for_all,
                "buildings": sorted(building.pk for building in chosen),
                "valid_from": announcement.valid_from.isoformat(),
                "valid_until": announcement.valid_until.isoformat(),
            },
        )
        if announcement.is_current():
            from tickets.tasks import announcement_email

            announcement_email.delay_on_commit(announcement.pk)
    return announcement


def announcement_delete(*, announcement: Announcement, by: User, request: HttpRequest | None = None) -> None:
    """Staff remove an announcement; audited (the title stays in the entry)."""
    with transaction.atomic():
        _audited_delete(announcement, action="announcement.delete", title=announcement.title, by=by, request=request)


def announcement_email_send(*, announcement_id: int) -> int:
    """E-mail a current announcement to its opted-in recipients; a user gets it once however often this runs."""
    announcement = Announcement.objects.filter(pk=announcement_id).first()
    if announcement is None or not announcement.is_current():
        return 0
    queued = 0
    for user in announcement_recipients(announcement).iterator():
        dedup_key = f"announcement:{announcement.pk}:user:{user.pk}"
        if EmailMessage.objects.filter(dedup_key=dedup_key).exists():
            continue
        unsubscribe = unsubscribe_url(user, _ANNOUNCEMENTS)
        email_queue(
            to=[user.email],
            template="announcement",
            context={"announcement": announcement, "user": user, "unsubscribe_url": unsubscribe},
            user=user,
            dedup_key=dedup_key,
            headers=_mailing_headers(unsubscribe),
        )
        queued += 1
    Announcement.objects.filter(pk=announcement.pk, emailed_at__isnull=True).update(emailed_at=timezone.now())
    return queued


def announcements_email_due() -> int:
    """Announcements that became current since the last run and were not e-mailed yet."""
    due = Announcement.objects.filter(Announcement.current_q(timezone.now()), emailed_at__isnull=True)
    ids = list(due.values_list("pk", flat=True))
    for announcement_id in ids:
        announcement_email_send(announcement_id=announcement_id)
    return len(ids)


# --- newsletter ----------------------------------------------------------------------------------


def newsletter_recipients() -> QuerySet[User]:
    """Active accounts with an address that consented to the newsletter."""
    return access.reachable_users().filter(consent_newsletter=True).order_by("pk")


def newsletter_send(*, newsletter: Newsletter, by: User, request: HttpRequest | None = None) -> Newsletter:
    """Staff send a newsletter (once): the delivery task e-mails every consenting user."""
    with transaction.atomic():
        # Race: two clicks on "send"; the lock lets only the first one through.
        locked = Newsletter.objects.select_for_update().get(pk=newsletter.pk)
        if locked.sent_at is not None:
            raise ValidationError(
                _("Newsletter „%(subject)s” został już wysłany %(when)s.")
                % {"subject": locked.subject, "when": format_date(locked.sent_at, with_time=True)}
            )
        locked.sent_at = timezone.now()
        locked.sent_by = by
        locked.recipients = newsletter_recipients().count()
        locked.save(update_fields=["sent_at", "sent_by", "recipients"])
        audit_log(
            action="newsletter.send", actor=by, obj=locked, request=request, details={"recipients": locked.recipients}
        )
        from tickets.tasks import newsletter_deliver

        newsletter_deliver.delay_on_commit(locked.pk)
    return locked


def newsletter_save(*, newsletter: Newsletter, by: User, request: HttpRequest | None = None) -> Newsletter:
    """Staff write or edit a newsletter before sending it; audited."""
    created = newsletter.pk is None
    with transaction.atomic():
        if created:
            newsletter.created_by = by
        newsletter.save()
        audit_log(
            action="newsletter.create" if created else "newsletter.change", actor=by, obj=newsletter, request=request
        )
    return newsletter


# --- forms to download ----------------------------------------------------------------------------


def download_form_save(
    *, download_form: DownloadForm, changed: Sequence[str], by: User, request: HttpRequest | None = None
) -> DownloadForm:
    """Staff upload a form to download (D5) or change it; a replaced PDF leaves the storage
    once the new one is committed. Audited."""
    created = download_form.pk is None
    replaced: str | None = None
    with transaction.atomic():
        if "file" in changed and download_form.file:
            download_form.size = download_form.file.size
            if not created:
                # Race: two clerks replacing the same PDF; the row lock makes the second see the first's file.
                replaced = (
                    DownloadForm.objects.select_for_update()
                    .filter(pk=download_form.pk)
                    .values_list("file", flat=True)
                    .first()
                )
        download_form.save()
        audit_log(
            action="download_form.upload" if created else "download_form.change",
            actor=by,
            obj=download_form,
            request=request,
            details={"changed": list(changed)},
        )
        if replaced and replaced != download_form.file.name:
            _storage_delete_on_commit(replaced)
    return download_form


def download_form_delete(*, download_form: DownloadForm, by: User, request: HttpRequest | None = None) -> None:
    """Staff remove a form to download and, once that is committed, its PDF; audited."""
    with transaction.atomic():
        name = download_form.file.name
        _audited_delete(download_form, action="download_form.delete", title=download_form.title, by=by, request=request)
        _storage_delete_on_commit(name)


def _audited_delete(
    obj: Announcement | DownloadForm, *, action: str, title: str, by: User, request: HttpRequest | None
) -> None:
    """Delete ``obj`` after writing the audit entry that keeps its title (the entry must name a
    row that still exists when it is written). Call inside a transaction."""
    audit_log(action=action, actor=by, obj=obj, request=request, details={"title": title})
    obj.delete()


def _storage_delete_on_commit(name: str) -> None:
    """Remove a stored file once the row that pointed at it is gone for good (a rollback keeps it)."""
    transaction.on_commit(lambda: default_storage.delete(name))


def unsubscribe_token(user: User, mailing: _Mailing = _NEWSLETTER) -> str:
    return signing.dumps(user.pk, salt=mailing.salt)


def unsubscribe_url(user: User, mailing: _Mailing = _NEWSLETTER) -> str:
    return absolute_reverse(mailing.url_name, unsubscribe_token(user, mailing))


def _mailing_headers(url: str) -> dict[str, str]:
    """List-Unsubscribe headers of a bulk mailing: the one-click link, and the office's mailbox
    (MAILING_UNSUBSCRIBE_MAILTO, else the operator's e-mail) where a person reads the request."""
    mailto = settings.MAILING_UNSUBSCRIBE_MAILTO
    if not mailto:
        operator = Operator.current()
        mailto = operator.email if operator is not None else ""
    return list_unsubscribe_headers(url=url, mailto=mailto)


def announcements_unsubscribe_token(user: User) -> str:
    return unsubscribe_token(user, _ANNOUNCEMENTS)


def _mailing_off(mailing: _Mailing, *, token: str, request: HttpRequest | None) -> User | None:
    """Switch the user's ``mailing`` off through its signed one-click link (no login) and cancel
    its messages not yet delivered, so the choice stops the mailing at once (seed 004 §10).
    None for a bad link."""
    try:
        user_id = int(signing.loads(token, salt=mailing.salt))
    except (signing.BadSignature, TypeError, ValueError):
        return None
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id).first()
        if user is None:
            return None
        EmailMessage.objects.filter(
            user=user, status=EmailMessage.Status.QUEUED, dedup_key__startswith=f"{mailing.key_prefix}:"
        ).update(status=EmailMessage.Status.CANCELLED)
        if getattr(user, mailing.flag):
            setattr(user, mailing.flag, False)
            fields = [mailing.flag]
            if mailing.consent:
                user.consents_changed_at = timezone.now()
                fields.append("consents_changed_at")
            user.save(update_fields=fields)
            audit_log(action=mailing.action, actor=user, obj=user, request=request, details={"via": "unsubscribe_link"})
    return user


def announcements_unsubscribe(*, token: str, request: HttpRequest | None = None) -> User | None:
    """One-click end of announcements by e-mail (no login). None for a bad link; queued
    announcements not yet delivered to the user are cancelled too."""
    return _mailing_off(_ANNOUNCEMENTS, token=token, request=request)


def newsletter_deliver_send(*, newsletter_id: int) -> int:
    """Queue the newsletter for each user who consents now; safe to run twice."""
    newsletter = Newsletter.objects.filter(pk=newsletter_id, sent_at__isnull=False).first()
    if newsletter is None:
        return 0
    count = 0
    for user in newsletter_recipients().iterator():
        unsubscribe = unsubscribe_url(user)
        email_queue(
            to=[user.email],
            template="newsletter",
            context={"newsletter": newsletter, "user": user, "unsubscribe_url": unsubscribe},
            user=user,
            dedup_key=f"newsletter:{newsletter.pk}:user:{user.pk}",
            headers=_mailing_headers(unsubscribe),
        )
        count += 1
    return count


def newsletter_unsubscribe(*, token: str, request: HttpRequest | None = None) -> User | None:
    """One-click withdrawal of the newsletter consent (no login). None for a bad link.

    Newsletters already queued for the user but not yet delivered are cancelled too,
    so the withdrawal stops the mailing at once (seed 004 §10).
    """
    return _mailing_off(_NEWSLETTER, token=token, request=request)
