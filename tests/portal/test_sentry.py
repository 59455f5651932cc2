"""Optional error reports to Sentry (issue 13, item 15): on with SENTRY_DSN, without personal data.

The report goes to a local HTTP server standing in for Sentry, from a production-like
process (DEBUG=0) whose settings initialise the SDK; the failing view below is mounted
only there (ROOT_URLCONF of this module).
"""

import gzip
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import brotli
import sentry_sdk
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from portal.sentry import scrub_event

BASE_DIR = Path(__file__).resolve().parents[2]
PESEL = "44051401458"
EMAIL = "zofia.lecka@example.test"
PASSWORD = "Tajne-Haslo-123"
COOKIE = "abc123secretcookie"
CLIENT_IP = "203.0.113.7"
FORWARDED_IP = "198.51.100.23"


@csrf_exempt  # a stand-in for any form view; the CSRF check is not what this tests
def _failing_view(request: HttpRequest) -> HttpResponse:
    pesel, email, password = request.POST["pesel"], request.POST["email"], request.POST["password"]
    assert password
    raise RuntimeError(f"Nie udało się zapisać wniosku {pesel} od {email} z {request.META['REMOTE_ADDR']}")


# The portal's own patterns too: the error page links to them.
urlpatterns = [path("awaria/", _failing_view), path("", include("portal.urls"))]


class _FakeSentry(BaseHTTPRequestHandler):
    received: list[str] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            body = brotli.decompress(body)
        self.received.append(body.decode())
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args) -> None:
        pass


def _report_of_a_failing_request(port: int) -> subprocess.CompletedProcess:
    # Through the WSGI application, as gunicorn calls it (Sentry wraps it to see the request).
    script = f"""
import io, os, urllib.parse
import sentry_sdk
from django.test import override_settings
from portal.wsgi import application
body = urllib.parse.urlencode({{"pesel": "{PESEL}", "email": "{EMAIL}", "password": "{PASSWORD}"}}).encode()
environ = {{
    "REQUEST_METHOD": "POST", "PATH_INFO": "/awaria/", "QUERY_STRING": "email={EMAIL}",
    "SERVER_NAME": "ebok.example.pl", "SERVER_PORT": "443", "SERVER_PROTOCOL": "HTTP/1.1",
    "HTTP_HOST": "ebok.example.pl", "HTTP_X_FORWARDED_PROTO": "https", "wsgi.url_scheme": "https",
    "CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": str(len(body)),
    "wsgi.input": io.BytesIO(body), "wsgi.errors": io.StringIO(),
    "HTTP_COOKIE": "csrftoken={COOKIE}; ulubiony_lokal={COOKIE}",
    "REMOTE_ADDR": "{CLIENT_IP}", "HTTP_X_FORWARDED_FOR": "{FORWARDED_IP}",
    "HTTP_X_REQUEST_ID": "req-0123456789abcdef", "HTTP_USER_AGENT": "Firefox",
}}
with override_settings(ROOT_URLCONF="tests.portal.test_sentry"):
    statuses = []
    b"".join(application(environ, lambda status, headers, exc_info=None: statuses.append(status)))
print("status", statuses[0])
sentry_sdk.flush(timeout=10)
"""
    keep = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DEMO", "SECRET_KEY", "ALLOWED_HOSTS"}}
    env = {
        **keep,
        "DEBUG": "0",
        "DEMO": "0",
        "SECRET_KEY": "a-long-production-secret-key-that-is-random-enough-4f1c9b2e7d3a8f6e5b0c",
        "ALLOWED_HOSTS": "ebok.example.pl",
        "STATIC_MANIFEST": "0",
        "SENTRY_DSN": f"http://publickey@127.0.0.1:{port}/42",
        "SENTRY_ENVIRONMENT": "próba",
        "SENTRY_RELEASE": "ebok@abc123",
    }
    return subprocess.run(
        [sys.executable, "-c", script], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_an_error_in_a_view_is_reported_without_personal_data():
    _FakeSentry.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeSentry)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = _report_of_a_failing_request(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 0, result.stderr
    assert "status 500 Internal Server Error" in result.stdout.splitlines()
    sent = "\n".join(_FakeSentry.received)
    items = [json.loads(line) for line in sent.splitlines() if line.startswith("{")]
    [event] = [item for item in items if "exception" in item]
    [exception] = event["exception"]["values"]
    assert exception["type"] == "RuntimeError"
    assert exception["value"] == "Nie udało się zapisać wniosku [PESEL] od [e-mail] z [IP]"
    assert event["environment"] == "próba"
    assert event["release"] == "ebok@abc123"
    assert event["tags"]["request_id"] == "req-0123456789abcdef"
    assert event["request"]["url"] == "https://ebok.example.pl/awaria/", event.get("request")
    assert set(event["request"]) == {"method", "url", "headers"}
    for secret in (PESEL, EMAIL, PASSWORD, COOKIE, CLIENT_IP, FORWARDED_IP):
        assert secret not in sent, secret
    assert "Cookie" not in json.dumps(event["request"]["headers"])


def test_without_a_dsn_nothing_is_reported():
    assert not os.environ.get("SENTRY_DSN")
    assert not sentry_sdk.get_client().is_active()


def test_scrubbing_keeps_the_user_id_and_masks_personal_data_everywhere():
    event = {
        "request": {
            "method": "POST",
            "url": "https://ebok.example.pl/wniosek/?token=abc",
            "query_string": "token=abc",
            "data": {"pesel": PESEL},
            "cookies": {"sessionid": COOKIE},
            "env": {"REMOTE_ADDR": CLIENT_IP},
            "headers": {"Cookie": f"sessionid={COOKIE}", "User-Agent": "Firefox", "X-Forwarded-For": FORWARDED_IP},
        },
        "user": {"id": 7, "email": EMAIL, "ip_address": CLIENT_IP, "username": "lokator"},
        "breadcrumbs": {"values": [{"message": f"login failed for {EMAIL} from {CLIENT_IP}"}]},
        "extra": {"note": f"PESEL {PESEL}"},
        "modules": {"sentry-sdk": "2.75.0"},
    }
    scrubbed = scrub_event(event, {})
    assert scrubbed["request"] == {
        "method": "POST",
        "url": "https://ebok.example.pl/wniosek/",
        "headers": {"User-Agent": "Firefox"},
    }
    assert scrubbed["user"] == {"id": 7}
    assert scrubbed["breadcrumbs"]["values"][0]["message"] == "login failed for [e-mail] from [IP]"
    assert scrubbed["extra"]["note"] == "PESEL [PESEL]"
    assert scrubbed["modules"] == {"sentry-sdk": "2.75.0"}
