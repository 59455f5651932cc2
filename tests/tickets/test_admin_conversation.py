"""The ticket's conversation in admin shows what the reporter wrote as text, in paragraphs (issue 14 item 16)."""

import pytest
from django.urls import reverse

from tests.factories import TicketFactory
from tickets import services

pytestmark = pytest.mark.django_db


def test_reporters_reply_shows_as_paragraphs_not_as_literal_markup(staff_client, owner):
    ticket = TicketFactory(reporter=owner)
    services.ticket_reporter_reply(ticket=ticket, body="Dołączam dodatkowe wyjaśnienia.\nDrugi wiersz.", author=owner)
    html = staff_client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk])).content.decode()
    assert "<p>Dołączam dodatkowe wyjaśnienia.<br>Drugi wiersz.</p>" in html
    assert "&lt;p&gt;" not in html


def test_markup_typed_by_the_reporter_is_shown_escaped(staff_client, owner):
    ticket = TicketFactory(reporter=owner)
    services.ticket_reporter_reply(ticket=ticket, body="<script>alert(1)</script> <b>ważne</b>", author=owner)
    html = staff_client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk])).content.decode()
    assert "<p>&lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;ważne&lt;/b&gt;</p>" in html
    assert "<b>ważne</b>" not in html
