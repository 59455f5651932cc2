"""Logs an operator can follow (issue 13, item 14): JSON lines, request ids, error mail to ADMINS."""

import asyncio
import io
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from celery import shared_task
from django.conf import settings
from django.utils.module_loading import import_string

from portal.logs import AdminsError, RequestContextFilter, parse_admins

BASE_DIR = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DEBUG": "0",
    "DEMO": "0",
    "SECRET_KEY": "a-long-production-secret-key-that-is-random-enough-4f1c9b2e7d3a8f6e5b0c",
    "ALLOWED_HOSTS": "ebok.example.pl",
    "EMAIL_URL": "consolemail://",
}


@pytest.fixture
def json_lines():
    """The root logger's output through the production formatter and filter, as parsed lines."""
    config = dict(settings.LOGGING["formatters"]["json"])
    formatter = import_string(config.pop("()"))(**config)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)


def test_a_json_line_has_time_level_logger_message_and_the_traceback(json_lines):
    try:
        1 / 0  # noqa: B018
    except ZeroDivisionError:
        logging.getLogger("billing.views").exception("nie udało się policzyć salda lokalu %s", 7)
    [line] = json_lines()
    assert line["level"] == "ERROR"
    assert line["logger"] == "billing.views"
    assert line["message"] == "nie udało się policzyć salda lokalu 7"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\+00:00", line["time"])
    assert "ZeroDivisionError: division by zero" in line["exc_info"]
    assert line["request_id"] is None and line["user_id"] is None and line["client_ip"] is None


@pytest.mark.django_db
def test_a_line_logged_for_a_request_carries_its_id_the_user_and_the_client_ip(client, owner, json_lines):
    client.force_login(owner)
    response = client.get(
        "/nie-ma-takiej-strony/", HTTP_X_REQUEST_ID="3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b", REMOTE_ADDR="203.0.113.7"
    )
    assert response.status_code == 404
    # Django logs the 404 after the whole middleware chain has returned.
    [line] = [x for x in json_lines() if x["logger"] == "django.request"]
    assert line["level"] == "WARNING"
    assert line["message"] == "Not Found: /nie-ma-takiej-strony/"
    assert line["request_id"] == "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"
    assert line["user_id"] == owner.pk
    assert line["client_ip"] == "203.0.113.7"
    assert "request" not in line


@pytest.mark.django_db
def test_a_request_after_it_does_not_inherit_the_previous_user(client, owner, json_lines):
    client.force_login(owner)
    client.get("/nie-ma-takiej-strony/")
    client.logout()
    client.get("/nie-ma-też-tej/")
    first, second = [x for x in json_lines() if x["logger"] == "django.request"]
    assert first["user_id"] == owner.pk
    assert second["user_id"] is None
    assert first["request_id"] != second["request_id"]
    logging.getLogger("x").warning("po żądaniu")
    assert json_lines()[-1]["request_id"] is None


@pytest.mark.django_db
def test_the_request_id_of_the_proxy_is_echoed_in_the_response(client):
    response = client.get("/zdrowie/nie-ma/", HTTP_X_REQUEST_ID="0123456789abcdef0123456789abcdef")
    assert response["X-Request-ID"] == "0123456789abcdef0123456789abcdef"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "given",
    [None, "", "short", "has space inside it", "line\nbreak-injected-0000", "x" * 200, '"quoted"-0000000'],
)
def test_a_missing_or_malformed_request_id_is_replaced_by_a_new_one(client, given):
    extra = {} if given is None else {"HTTP_X_REQUEST_ID": given}
    response = client.get("/prywatnosc/", **extra)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert response["X-Request-ID"] != given


@pytest.mark.django_db
def test_every_request_gets_its_own_id(client):
    assert client.get("/prywatnosc/")["X-Request-ID"] != client.get("/prywatnosc/")["X-Request-ID"]


@shared_task
def _task_that_logs() -> None:
    logging.getLogger("tests.task").warning("w zadaniu")


def test_a_celery_task_log_line_carries_the_task_id(json_lines):
    result = _task_that_logs.apply()
    [line] = [x for x in json_lines() if x["logger"] == "tests.task"]
    assert line["task_id"] == result.id
    logging.getLogger("tests.task").warning("poza zadaniem")
    assert json_lines()[-1]["task_id"] is None


# --- ADMINS --------------------------------------------------------------------------------------


def test_admins_are_parsed_from_names_and_bare_addresses():
    assert parse_admins("Jan Kowalski <jan@example.pl>,it@example.pl") == [
        ("Jan Kowalski", "jan@example.pl"),
        ("it@example.pl", "it@example.pl"),
    ]
    assert parse_admins('"Kowalski, Jan" <jan@example.pl>') == [("Kowalski, Jan", "jan@example.pl")]
    assert parse_admins("") == []


def test_a_malformed_admin_address_is_refused():
    with pytest.raises(AdminsError, match="nie-adres"):
        parse_admins("Jan <jan@example.pl>, nie-adres")


def _production(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "DEMO", "SECRET_KEY", "ALLOWED_HOSTS", "LOG_FORMAT", "ADMINS", "EMAIL_URL"}
    }
    script = "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'portal.settings'; django.setup()\n" + code
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env={**clean, **PRODUCTION_ENV, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_logs_json_lines_on_stdout_and_mails_server_errors_to_admins():
    result = _production(
        "import logging\n"
        "logging.getLogger('billing').info('start')\n"
        "logging.getLogger('django.security.DisallowedHost').error('Invalid HTTP_HOST header')\n"
        "logging.getLogger('django.request').error('Internal Server Error: /lokale/1/')\n",
        ADMINS="Jan Kowalski <jan@example.pl>,it@example.pl",
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith('{"')]
    assert [(x["logger"], x["level"], x["message"]) for x in lines] == [
        ("billing", "INFO", "start"),
        ("django.security.DisallowedHost", "ERROR", "Invalid HTTP_HOST header"),
        ("django.request", "ERROR", "Internal Server Error: /lokale/1/"),
    ]
    # The console e-mail backend prints the one message sent: the server error, not the bad host.
    assert result.stdout.count("Subject: ") == 1
    assert "To: jan@example.pl, it@example.pl" in result.stdout
    assert "Internal Server Error: /lokale/1/" in result.stdout.split("Subject: ", 1)[1]


def test_no_error_mail_without_admins_and_text_lines_on_request():
    result = _production(
        "import logging; logging.getLogger('django.request').error('Internal Server Error: /x/')",
        LOG_FORMAT="text",
    )
    assert result.returncode == 0, result.stderr
    assert "Subject: " not in result.stdout
    assert re.search(r"ERROR django.request: Internal Server Error: /x/$", result.stdout.strip())


def test_a_malformed_admins_variable_stops_start_up_with_one_line():
    result = _production("", ADMINS="Jan <jan@example.pl>, nie-adres")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == ["Błąd konfiguracji: ADMINS: „nie-adres” nie jest adresem e-mail."]


def test_the_chat_layer_cancelled_at_shutdown_writes_no_error_line(json_lines):
    # The logger as settings.LOGGING configured it when Django started.
    chat_layer = logging.getLogger("channels_redis.pubsub")
    try:
        raise asyncio.CancelledError
    except asyncio.CancelledError:
        try:
            raise asyncio.CancelledError
        except asyncio.CancelledError:
            chat_layer.exception("Unexpected exception while cleaning-up channel:")
    try:
        raise RuntimeError("Redis went away")
    except RuntimeError:
        chat_layer.exception("Unexpected exception while cleaning-up channel:")
    lines = [line for line in json_lines() if line["logger"] == "channels_redis.pubsub"]
    assert len(lines) == 1 and "Redis went away" in lines[0]["exc_info"]
