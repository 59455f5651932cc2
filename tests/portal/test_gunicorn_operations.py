"""The web service as production runs it (issue 13, items 14, 16, 17): gunicorn with
portal/gunicorn.conf.py, two workers, DEBUG=0, the public host name only, HTTPS redirect on.

What the compose health check and Prometheus meet: the probes answer the container's own
address, the metrics of all processes add up, and stdout carries only JSON lines, the
access lines with the request id the portal answered with.
"""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from prometheus_client.parser import text_string_to_metric_families

BASE_DIR = Path(__file__).resolve().parents[2]
TOKEN = "gunicorn-metrics-token-0123456789abcdef"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str, host: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Host": host, **headers})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


@pytest.fixture
def production_env(django_db_setup, django_db_blocker, tmp_path):
    with django_db_blocker.unblock():
        db = connection.settings_dict
    keep = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DEMO", "LOG_FORMAT", "ADMINS"}}
    return {
        **keep,
        "DEBUG": "0",
        "DEMO": "0",
        "SECRET_KEY": "a-long-production-secret-key-that-is-random-enough-4f1c9b2e7d3a8f6e5b0c",
        "ALLOWED_HOSTS": "ebok.example.pl",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CONN_MAX_AGE": "0",
        "STATIC_MANIFEST": "0",
        "METRICS_TOKEN": TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }


@pytest.fixture
def gunicorn(production_env, tmp_path):
    port = _free_port()
    log = tmp_path / "gunicorn.out"
    # Samples left by an earlier run must not be counted again.
    Path(production_env["PROMETHEUS_MULTIPROC_DIR"]).mkdir()
    (Path(production_env["PROMETHEUS_MULTIPROC_DIR"]) / "histogram_1.db").write_bytes(b"left over")
    with log.open("wb") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "portal/gunicorn.conf.py",
                "portal.wsgi",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
            ],
            cwd=BASE_DIR,
            env=production_env,
            stdout=out,
            stderr=subprocess.DEVNULL,
        )
    deadline = time.monotonic() + 60
    while True:
        try:
            if _get(port, "/zdrowie/", f"127.0.0.1:{port}")[0] == 200:
                break
        except OSError:
            pass
        assert server.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "gunicorn did not start"
        time.sleep(0.2)
    yield port, log
    server.send_signal(signal.SIGTERM)
    server.wait(30)


@pytest.mark.django_db(transaction=True)
def test_probes_metrics_and_json_logs_under_gunicorn(gunicorn, production_env):
    port, log = gunicorn
    container = f"127.0.0.1:{port}"

    status, _, body = _get(port, "/zdrowie/gotowosc/", container)
    assert status == 200, body
    assert json.loads(body)["checks"] == {"database": "ok", "redis": "ok", "migrations": "ok"}
    # Any other path still refuses the container's address (ALLOWED_HOSTS) ...
    assert _get(port, "/prywatnosc/", container)[0] == 400
    # ... and redirects plain HTTP to HTTPS.
    assert _get(port, "/prywatnosc/", "ebok.example.pl")[0] == 301

    request_ids = []
    for _ in range(6):
        status, headers, _ = _get(port, "/prywatnosc/", "ebok.example.pl", **{"X-Forwarded-Proto": "https"})
        assert status == 200
        request_ids.append(headers["X-Request-ID"])

    # A process of its own records one request in the same directory, as a third worker would.
    recorded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'portal.settings'; django.setup()\n"
            "from portal.metrics import observe_request\n"
            "observe_request(view='privacy', method='GET', status=200, seconds=0.01)",
        ],
        cwd=BASE_DIR,
        env=production_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert recorded.returncode == 0, recorded.stderr

    status, _, body = _get(port, "/metryki/", "web:8000", Authorization=f"Bearer {TOKEN}")
    assert status == 200, body
    counts = {
        tuple(sorted(s.labels.items())): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
        if s.name == "ebok_http_request_duration_seconds_count"
    }
    assert counts[(("method", "GET"), ("status", "200"), ("view", "privacy"))] == 7
    assert _get(port, "/metryki/", "web:8000")[0] == 403

    time.sleep(0.5)  # the access lines of the last requests
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    parsed = [json.loads(line) for line in lines]  # every line on stdout is JSON
    access = [x for x in parsed if x["logger"] == "gunicorn.access" and x["path"] == "/prywatnosc/"]
    served = [x for x in access if x["status"] == 200]
    assert [x["request_id"] for x in served] == request_ids
    assert served[0]["method"] == "GET" and served[0]["duration_ms"] >= 0 and served[0]["time"]
    assert any(x["logger"] == "django.security.DisallowedHost" and x["request_id"] for x in parsed)
