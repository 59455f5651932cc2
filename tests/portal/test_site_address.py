"""One setting for the portal's address in every e-mail and PDF (issue 14 item 24)."""

import re
from pathlib import Path

import pytest
from django.test import override_settings

from accounts.services.password_reset import password_reset_send
from portal.links import absolute_reverse, absolute_url
from portal.models import EmailMessage
from tests.settings_probe import settings_value

ROOT = Path(__file__).resolve().parents[2]


def _settings_value(name: str, **env: str) -> str:
    return settings_value(f"settings.{name}", unset=("PORTAL_BASE_URL", "HOST", "PORT", "PZ_SP_ENTITY_ID"), **env)


def test_the_demo_address_follows_host_and_port_when_no_address_is_set():
    assert _settings_value("PORTAL_BASE_URL", DEBUG="1", DEMO="1", PORT="8123") == "http://127.0.0.1:8123"
    assert _settings_value("PORTAL_BASE_URL", DEBUG="1", DEMO="1", HOST="0.0.0.0", PORT="9000") == (  # noqa: S104
        "http://127.0.0.1:9000"
    )


def test_a_configured_address_wins_over_host_and_port():
    assert (
        _settings_value("PORTAL_BASE_URL", DEBUG="1", DEMO="1", PORT="8123", PORTAL_BASE_URL="https://ebok.example.pl")
        == "https://ebok.example.pl"
    )


@override_settings(PORTAL_BASE_URL="https://ebok.example.pl/")
def test_addresses_are_built_from_the_setting():
    assert absolute_url("/konto/") == "https://ebok.example.pl/konto/"
    assert absolute_reverse("tickets:status_link", "abc") == "https://ebok.example.pl/status/abc/"


@pytest.mark.django_db
@override_settings(PORTAL_BASE_URL="http://127.0.0.1:8123")
def test_a_password_reset_email_links_to_the_configured_address(owner):
    assert password_reset_send(email=owner.email)
    body = EmailMessage.objects.get(user=owner).body_text
    assert "http://127.0.0.1:8123/" in body and ":8000" not in body


def test_no_module_builds_the_address_by_hand():
    """Every address for outside goes through portal.links: no second place reads the setting."""
    offenders = []
    for path in ROOT.glob("*/**/*.py"):
        if path.parts[len(ROOT.parts)] in (".venv", "tests", "bench") or path.name == "settings.py":
            continue
        if path == ROOT / "portal" / "links.py":
            continue
        if re.search(r"settings\.PORTAL_BASE_URL\b", path.read_text(encoding="utf-8")):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
