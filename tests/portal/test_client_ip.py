"""The client's address behind the reverse proxy (issue 13, item 7).

X-Forwarded-For counts only when the connection comes from a trusted proxy; then every
per-client limit, axes, the audit trail, applications and terms see the real client.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.models import Application, TermsAcceptance
from accounts.services import terms_publish
from portal.models import AuditEntry
from portal.services.audit import client_ip
from tests.accounts.conftest import application_data, log_in
from tests.factories import TICKET_SECRET, TicketFactory

PROXY = "127.0.0.1"
STATUS = reverse("tickets:status")


def _ip(remote_addr: str | None, forwarded: str | None = None) -> str | None:
    meta = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    request = RequestFactory().get("/", **meta)
    if remote_addr is None:
        del request.META["REMOTE_ADDR"]
    else:
        request.META["REMOTE_ADDR"] = remote_addr
    return client_ip(request)


def _through_proxy(client_address: str) -> Client:
    """A browser at ``client_address`` reaching the portal through our proxy, as Caddy forwards it."""
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=client_address)


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = [PROXY, "10.0.0.0/8", "fd00::/8"]


# --- the rule ---------------------------------------------------------------------------------


def test_without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says(settings):
    settings.TRUSTED_PROXIES = []
    assert _ip(PROXY, "198.51.100.1") == PROXY
    assert _ip("203.0.113.7") == "203.0.113.7"


def test_a_spoofed_header_from_an_untrusted_peer_is_ignored(behind_proxy):
    assert _ip("203.0.113.7", "198.51.100.1") == "203.0.113.7"
    assert _ip("203.0.113.7", f"198.51.100.1, {PROXY}") == "203.0.113.7"


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8::5", "2001:db8::5"),
        (" 2001:DB8:0:0:0:0:0:5 ", "2001:db8::5"),
        # What the client wrote into the header itself stands left of the hop our proxy added.
        ("198.51.100.66, 203.0.113.9", "203.0.113.9"),
        # Several hops: inner proxies of ours are skipped, the first other address is the client.
        ("198.51.100.66, 203.0.113.9, 10.1.2.3, 10.9.9.9", "203.0.113.9"),
        ("2001:db8::5, fd00::17", "2001:db8::5"),
        # Every hop is ours (e.g. a check from the proxy's host): where the request started.
        ("10.1.2.3", "10.1.2.3"),
    ],
)
def test_behind_a_trusted_proxy_the_client_is_the_nearest_hop_that_is_not_ours(behind_proxy, forwarded, expected):
    assert _ip(PROXY, forwarded) == expected


@pytest.mark.parametrize(
    "forwarded", ["", "unknown", "203.0.113.9, nonsense", "203.0.113.9:4711", "999.1.1.1", "203.0.113.9;rm -rf"]
)
def test_garbage_in_the_header_falls_back_to_the_peer(behind_proxy, forwarded):
    assert _ip(PROXY, forwarded) == PROXY


def test_a_request_without_the_header_is_the_peers_own(behind_proxy):
    assert _ip(PROXY) == PROXY


def test_ipv6_proxies_and_ipv4_peers_seen_through_a_dual_stack_socket_are_trusted(behind_proxy):
    assert _ip("fd00::1", "2001:db8::5") == "2001:db8::5"
    assert _ip("::ffff:127.0.0.1", "203.0.113.9") == "203.0.113.9"
    assert _ip("::ffff:203.0.113.7", "198.51.100.1") == "203.0.113.7"


def test_no_usable_peer_address_means_no_address(behind_proxy):
    assert _ip(None, "203.0.113.9") is None
    assert _ip("", "203.0.113.9") is None
    assert client_ip(None) is None


def test_a_bad_trusted_proxies_value_stops_start_up_with_one_line_naming_it():
    base_dir = Path(__file__).resolve().parents[2]
    env = {**os.environ, "TRUSTED_PROXIES": "127.0.0.1,caddy"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=base_dir, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "TRUSTED_PROXIES=caddy" in lines[0]


def test_axes_asks_the_same_helper(settings):
    from axes.helpers import get_client_ip_address

    assert settings.AXES_CLIENT_IP_CALLABLE == "portal.services.audit.client_ip"
    settings.TRUSTED_PROXIES = [PROXY]
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert get_client_ip_address(request) == "203.0.113.9"


# --- everywhere an address is used ------------------------------------------------------------


@pytest.mark.django_db
def test_two_clients_behind_the_proxy_are_throttled_apart_on_the_status_page(behind_proxy, owner, settings):
    settings.TICKETS_STATUS_FAILURES_PER_HOUR = 10
    ticket = TicketFactory(reporter=owner)
    first, second = _through_proxy("203.0.113.1"), _through_proxy("203.0.113.2")
    for n in range(10):
        assert first.post(STATUS, {"number": ticket.number, "secret": f"ZZZZZ-9999{n}"}).status_code == 400
    assert first.post(STATUS, {"number": ticket.number, "secret": TICKET_SECRET}).status_code == 429
    assert second.post(STATUS, {"number": ticket.number, "secret": TICKET_SECRET}).status_code == 302


@pytest.mark.django_db
def test_a_client_that_invents_addresses_is_still_throttled_by_its_own(behind_proxy, owner, settings):
    settings.TICKETS_STATUS_FAILURES_PER_HOUR = 3
    ticket = TicketFactory(reporter=owner)
    for n in range(3):
        Client(REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").post(
            STATUS, {"number": ticket.number, "secret": "ZZZZZ-99999"}
        )
    blocked = Client(REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR="203.0.113.77")
    assert blocked.post(STATUS, {"number": ticket.number, "secret": TICKET_SECRET}).status_code == 429


@pytest.mark.django_db
def test_axes_and_the_audit_trail_record_the_clients_address(behind_proxy, owner):
    browser = _through_proxy("203.0.113.5")
    log_in(browser, owner.username, "ZłeHasło1")
    assert AccessAttempt.objects.get(username=owner.username).ip_address == "203.0.113.5"
    assert AccessFailureLog.objects.get(username=owner.username).ip_address == "203.0.113.5"
    assert AuditEntry.objects.get(action="account.login_failed").ip_address == "203.0.113.5"
    log_in(browser, owner.username)
    assert AuditEntry.objects.get(action="account.login").ip_address == "203.0.113.5"


@pytest.mark.django_db
def test_applications_record_the_client_and_are_counted_per_client(behind_proxy, settings):
    settings.APPLICATION_MAX_PER_IP_HOUR = 1
    first = _through_proxy("203.0.113.5").post(reverse("application_form"), application_data())
    assert first.status_code == 302
    assert Application.objects.get().ip_address == "203.0.113.5"
    other = application_data(email="inny@example.test", **{"units-0-unit_no": "13"})
    assert _through_proxy("203.0.113.6").post(reverse("application_form"), other).status_code == 302
    flood = application_data(email="trzeci@example.test", **{"units-0-unit_no": "14"})
    refused = _through_proxy("203.0.113.5").post(reverse("application_form"), flood)
    assert refused.status_code == 200 and "zbyt wiele wniosków" in refused.content.decode()


@pytest.mark.django_db
def test_terms_acceptance_records_the_clients_address(behind_proxy, owner, staff):
    terms_publish(version="2", text="§ 1. Druga wersja.", by=staff)
    browser = _through_proxy("2001:db8::5")
    log_in(browser, owner.username)
    browser.post(reverse("terms_accept"), {"accept": "on"})
    assert TermsAcceptance.objects.get(user=owner).ip_address == "2001:db8::5"
