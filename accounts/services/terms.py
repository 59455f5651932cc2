"""Versions of the regulations and their acceptance (A12)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from accounts import access
from accounts.models import TermsAcceptance, TermsVersion, User
from portal.links import absolute_reverse
from portal.models import EmailMessage
from portal.services.audit import audit_log, client_ip
from portal.services.mail import email_queue


def terms_publish(*, version: str, text: str, by: User | None, request: HttpRequest | None = None) -> TermsVersion:
    """Publish a new version; every user accepts it at their next request and, when it replaces
    an earlier one, is told of the change by e-mail (seed 004 §19)."""
    with transaction.atomic():
        is_change = TermsVersion.objects.exists()
        terms = TermsVersion.objects.create(
            version=version.strip(), text=text, published_at=timezone.now(), published_by=by
        )
        audit_log(action="terms.publish", actor=by, obj=terms, request=request, details={"version": terms.version})
        if is_change:
            from accounts.tasks import terms_changed_email

            terms_changed_email.delay_on_commit(terms.pk)
    return terms


def terms_change_recipients() -> QuerySet[User]:
    """Users the regulations bind: open, unblocked accounts with an e-mail (staff are employees,
    bound by their contracts, not by the tenants' regulations)."""
    return access.reachable_users().filter(is_staff=False).order_by("pk")


def terms_changed_email_send(*, terms_id: int) -> int:
    """E-mail the new version's notice to every user, once per user however often this runs."""
    terms = TermsVersion.objects.filter(pk=terms_id).first()
    if terms is None:
        return 0
    context = {
        "terms": terms,
        "terms_url": absolute_reverse("terms"),
        "profile_url": absolute_reverse("profile"),
    }
    queued = 0
    for user in terms_change_recipients().iterator():
        dedup_key = f"terms:{terms.pk}:user:{user.pk}"
        if EmailMessage.objects.filter(dedup_key=dedup_key).exists():
            continue
        email_queue(
            to=[user.email], template="terms_changed", context={**context, "user": user}, user=user, dedup_key=dedup_key
        )
        queued += 1
    return queued


def terms_accept(*, user: User, terms: TermsVersion, request: HttpRequest | None = None) -> TermsAcceptance:
    """Record that ``user`` accepted ``terms`` now (once per version)."""
    existing = TermsAcceptance.objects.filter(user=user, terms=terms).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            acceptance = TermsAcceptance.objects.create(
                user=user, terms=terms, accepted_at=timezone.now(), ip_address=client_ip(request)
            )
            audit_log(action="terms.accept", actor=user, obj=terms, request=request, details={"version": terms.version})
    except IntegrityError:
        # Race: the same form sent twice (double click); the first one recorded it.
        return TermsAcceptance.objects.get(user=user, terms=terms)
    return acceptance
