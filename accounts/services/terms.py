"""Versions of the regulations and their acceptance (A12)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import TermsAcceptance, TermsVersion, User
from portal.services.audit import audit_log, client_ip


def terms_publish(*, version: str, text: str, by: User | None, request=None) -> TermsVersion:
    """Publish a new version; every user accepts it at their next request."""
    with transaction.atomic():
        terms = TermsVersion.objects.create(
            version=version.strip(), text=text, published_at=timezone.now(), published_by=by
        )
        audit_log(action="terms.publish", actor=by, obj=terms, request=request, details={"version": terms.version})
    return terms


def terms_accept(*, user: User, terms: TermsVersion, request=None) -> TermsAcceptance:
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
