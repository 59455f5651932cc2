import pytest
from django.test import RequestFactory
from django.urls import reverse

from portal.models import AuditEntry
from portal.services.audit import audit_log


@pytest.mark.django_db
def test_audit_entry_records_who_what_which_object_and_ip(owner, unit):
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.7")
    request.user = owner
    entry = audit_log(action="reading.submit", request=request, obj=unit, details={"value": "12,345"})
    entry.refresh_from_db()
    assert entry.actor == owner and entry.actor_label == owner.username
    assert (entry.object_type, entry.object_id) == ("billing.unit", str(unit.pk))
    assert entry.ip_address == "203.0.113.7"
    assert entry.details == {"value": "12,345"}


@pytest.mark.django_db
def test_system_actions_are_labelled_system():
    assert audit_log(action="import.done").actor_label == "system"


@pytest.mark.django_db
def test_audit_trail_is_read_only_in_admin_with_filters(staff_client, owner):
    entry = audit_log(action="account.login", actor=owner)
    changelist = staff_client.get(reverse("admin:portal_auditentry_changelist") + "?action=account.login")
    assert changelist.status_code == 200 and owner.username in changelist.content.decode()
    assert staff_client.get(reverse("admin:portal_auditentry_add")).status_code == 403
    change = staff_client.post(reverse("admin:portal_auditentry_change", args=[entry.pk]), {"action": "x"})
    assert change.status_code in (302, 403) or AuditEntry.objects.get(pk=entry.pk).action != "x"
    assert AuditEntry.objects.get(pk=entry.pk).action == "account.login"
    assert (
        staff_client.post(reverse("admin:portal_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code
        == 403
    )
