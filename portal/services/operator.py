"""The housing manager's own data (name, address, bank account, accessibility contacts)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest

from portal.models import Operator
from portal.services.audit import audit_log


def operator_save(*, operator: Operator, by: Any, request: HttpRequest | None = None) -> Operator:
    """Staff enter or change the operator's data in admin; audited (the data reaches every invoice
    page and the accessibility statement)."""
    created = operator.pk is None
    with transaction.atomic():
        operator.save()
        audit_log(action="operator.create" if created else "operator.change", actor=by, obj=operator, request=request)
    return operator
