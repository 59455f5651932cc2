"""The audit trail in admin read in words (issue 14 item 15): one time zone, Polish action
names, the object named by kind and name, details as labelled lines rather than JSON."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from portal.services.audit import audit_log
from portal.services.audit_display import audit_details_lines
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


def _entry(staff, **details):
    application = ApplicationFactory(number="W/2026/000123", first_name="Zofia", last_name="Łęcka")
    with time_machine.travel(dt.datetime(2026, 12, 3, 7, 55, tzinfo=dt.UTC), tick=False):
        entry = audit_log(action="application.activate", actor=staff, obj=application, details=details)
    return application, entry


def test_list_and_entry_page_show_the_same_warsaw_time(staff_client, staff):
    _application, entry = _entry(staff)
    listing = staff_client.get(reverse("admin:portal_auditentry_changelist")).content.decode()
    page = staff_client.get(reverse("admin:portal_auditentry_change", args=[entry.pk])).content.decode()
    for html in (listing, page):
        assert "03.12.2026 08:55" in html
        assert "07:55" not in html


def test_entry_names_the_action_and_the_object_in_words_with_a_link(staff_client, staff):
    application, entry = _entry(staff)
    listing = staff_client.get(reverse("admin:portal_auditentry_changelist")).content.decode()
    page = staff_client.get(reverse("admin:portal_auditentry_change", args=[entry.pk])).content.decode()
    for html in (listing, page):
        assert "aktywacja wniosku" in html
        assert "wniosek o dostęp „W/2026/000123 Zofia Łęcka”" in html
    assert reverse("admin:accounts_application_change", args=[application.pk]) in page


def test_details_are_labelled_lines_not_raw_json(staff_client, staff):
    _application, entry = _entry(
        staff, user="lokator01", units=["ZGM-0712", "ZGM-0713"], new_account=True, until="2026-12-31"
    )
    page = staff_client.get(reverse("admin:portal_auditentry_change", args=[entry.pk])).content.decode()
    assert "<dt>konto</dt><dd>lokator01</dd>" in page
    assert "<dt>lokale</dt><dd>ZGM-0712, ZGM-0713</dd>" in page
    assert "<dt>nowe konto</dt><dd>tak</dd>" in page
    assert "<dt>do</dt><dd>31.12.2026</dd>" in page
    assert "&quot;units&quot;" not in page and '{"units"' not in page


def test_changed_fields_and_switched_consents_read_as_field_names_and_before_after(owner):
    entry = audit_log(action="account.consents", actor=owner, obj=owner, details={"consent_newsletter": [False, True]})
    assert [(line.label, line.value) for line in audit_details_lines(entry)] == [("zgoda na newsletter", "nie → tak")]
    entry = audit_log(action="application.change", obj=owner, details={"fields": ["email", "phone"]})
    assert [(line.label, line.value) for line in audit_details_lines(entry)] == [
        ("zmienione pola", "adres e-mail, telefon")
    ]


def test_filters_offer_actions_and_object_kinds_in_polish(staff_client, staff):
    _entry(staff)
    html = staff_client.get(reverse("admin:portal_auditentry_changelist")).content.decode()
    assert "?action=application.activate" in html and "aktywacja wniosku</a>" in html
    assert "?object_type=accounts.application" in html and "wniosek o dostęp</a>" in html
