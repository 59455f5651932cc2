"""What a newcomer meets in the demo (issue 14 items 22 and 25): the portal's own 404 although the
demo runs with DEBUG, a favicon, one console line per e-mail and the "Poczta demo" pages."""

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from portal.services.mail import email_queue
from tests.settings_probe import settings_value

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_debug(settings):
    """The demo as scripts/run.sh starts it: DEBUG and DEMO (pytest-django turns DEBUG off)."""
    settings.DEBUG = True
    settings.DEMO = True
    return settings


def test_a_missing_page_in_the_demo_is_the_portals_polish_404_not_the_list_of_url_patterns(client, demo_debug):
    response = client.get("/nie-ma-takiej-strony/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Nie znaleziono strony" in html
    assert "URLconf" not in html and "admin/" not in html


def test_a_page_a_view_refuses_with_404_in_the_demo_is_the_portals_too(client, owner, demo_debug):
    client.force_login(owner)
    response = client.get("/lokale/999999/")
    assert response.status_code == 404
    assert "Nie znaleziono strony" in response.content.decode()
    assert "Raised by" not in response.content.decode()


def test_a_path_without_its_slash_is_still_redirected_in_the_demo(client, demo_debug):
    response = client.get("/regulamin")
    assert response.status_code == 301 and response["Location"] == "/regulamin/"


def test_pages_and_admin_link_the_favicon(client, staff_client):
    assert finders.find("favicon.ico") and finders.find("favicon.svg")
    assert 'rel="icon" href="/static/favicon.svg"' in client.get("/logowanie/").content.decode()
    assert 'rel="icon" href="/static/favicon.svg"' in staff_client.get(reverse("admin:index")).content.decode()
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"] == "/static/favicon.ico"


def _settings_value(expression: str, **env: str) -> str:
    return settings_value(expression, unset=("EMAIL_URL", "DEMO", "DEBUG"), **env)


def test_the_demo_prints_e_mail_with_the_one_line_backend_and_shows_its_own_404():
    assert _settings_value("settings.EMAIL_BACKEND", DEBUG="1", DEMO="1") == "portal.demo.OneLineConsoleBackend"
    assert _settings_value("'portal.demo.DemoNotFoundMiddleware' in settings.MIDDLEWARE", DEBUG="1", DEMO="1") == (
        "True"
    )
    assert _settings_value("settings.EMAIL_BACKEND", DEBUG="1", DEMO="0") == (
        "django.core.mail.backends.console.EmailBackend"
    )


def test_the_demo_console_shows_one_line_per_e_mail_without_mime(settings, capsys, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "portal.demo.OneLineConsoleBackend"
    with django_capture_on_commit_callbacks(execute=True):
        email_queue(
            to=["lokator@example.test"],
            template="notice",
            context={"subject": "Nowa faktura", "text": "Faktura w załączniku."},
            attachments=[("faktura.pdf", b"%PDF-1.4 " + b"x" * 5000, "application/pdf")],
        )
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 1, out
    assert "lokator@example.test" in lines[0] and "faktura.pdf" in lines[0]
    assert "/demo/poczta/" in lines[0]
    assert "Content-Type" not in out and "base64" not in out


def _queued_mail(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return email_queue(
            to=["lokator@example.test"],
            template="notice",
            context={"subject": "Nowe pismo", "text": "Zobacz: http://127.0.0.1:8000/korespondencja/"},
            attachments=[("pismo.pdf", b"%PDF-1.4 demo", "application/pdf")],
        )


def test_demo_staff_read_sent_e_mails_follow_links_and_download_attachments(
    staff_client, demo_debug, django_capture_on_commit_callbacks
):
    message = _queued_mail(django_capture_on_commit_callbacks)
    listing = staff_client.get(reverse("demo_mail_list")).content.decode()
    assert message.subject in listing and reverse("demo_mail_detail", args=[message.pk]) in listing
    detail = staff_client.get(reverse("demo_mail_detail", args=[message.pk])).content.decode()
    assert '<a href="http://127.0.0.1:8000/korespondencja/"' in detail
    attachment = message.attachments.get()
    download = staff_client.get(reverse("demo_mail_attachment", args=[message.pk, attachment.pk]))
    assert download.content == b"%PDF-1.4 demo"
    assert 'filename="pismo.pdf"' in download["Content-Disposition"]


def test_poczta_demo_is_only_for_staff_and_only_in_the_demo(
    owner, staff_client, settings, django_capture_on_commit_callbacks
):
    message = _queued_mail(django_capture_on_commit_callbacks)
    tenant = Client()
    tenant.force_login(owner)
    assert tenant.get(reverse("demo_mail_detail", args=[message.pk])).status_code == 302  # to the admin login
    settings.DEMO = False
    assert staff_client.get(reverse("demo_mail_list")).status_code == 404
    assert staff_client.get(reverse("demo_mail_detail", args=[message.pk])).status_code == 404
