"""Stateless web nodes (issue 18, section 4): two gunicorn processes behind the proxy.

The production set of tests/production.py with the compose profile "nodes": services ``web``
and ``web2`` (the same image and command) on their own ports, sharing PostgreSQL, Redis and the
private-files volume, and Caddy from deploy/Caddyfile taking them in turn because .env lists
both in EBOK_WEB_UPSTREAMS, as the operator's README says. Which node answered a request is
read from the nodes' own JSON access lines by the request id the proxy gave it.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from http.client import HTTPConnection

import pytest
from django.urls import reverse

from tests.production import BASE_DIR, ComposeSet, ProxyClient, Response, hidden_inputs, image_of_the_checkout
from tests.tickets.helpers import image_bytes

DOMAIN = "ebok.test"
NODES = ("web", "web2")
PASSWORD = "Dwa-Wezly-2026"


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    return image_of_the_checkout(tmp_path_factory)


@pytest.fixture(scope="module")
def env_file(tmp_path_factory):
    """README: scripts/new-env.sh DOMAIN, then the second node named in EBOK_WEB_UPSTREAMS."""
    path = tmp_path_factory.mktemp("operator") / ".env"
    subprocess.run(["scripts/new-env.sh", DOMAIN, str(path)], cwd=BASE_DIR, check=True, capture_output=True)
    text = re.sub(r"(?m)^# EBOK_WEB_UPSTREAMS=.*$", "EBOK_WEB_UPSTREAMS=web:8000 web2:8000", path.read_text())
    assert "EBOK_WEB_UPSTREAMS=web:8000 web2:8000" in text
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def nodes(image, env_file, tmp_path_factory):
    """`docker compose --profile nodes up`: the database, Redis, the migrations, two web nodes, the proxy."""
    compose = ComposeSet(image, env_file, tmp_path_factory.mktemp("two-nodes"), profiles=("nodes",))
    try:
        compose.start_postgres()
        compose.start_redis()
        compose.wait_healthy("postgres")
        compose.wait_healthy("redis")
        migrated = compose.run_once("migrate")
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        for node in NODES:
            compose.start_app(node)
        for node in NODES:
            compose.wait_healthy(node)
        compose.start_proxy()
        compose.wait_healthy("proxy")
        yield compose
    finally:
        compose.stop()


@pytest.fixture(scope="module")
def ca_file(nodes):
    root = nodes.tmp / "caddy/data/caddy/pki/authorities/local/root.crt"
    deadline = time.monotonic() + 30
    while not root.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    return root


def _manage(nodes: ComposeSet, code: str) -> str:
    """`docker compose exec web python manage.py shell -c CODE`."""
    result = subprocess.run(
        ["python", "manage.py", "shell", "-c", code],
        cwd=nodes.image.app, env=nodes.process_env("web"), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


def _tenant(nodes: ComposeSet, username: str) -> None:
    _manage(
        nodes,
        "from accounts.models import User; "
        f"u = User(username={username!r}, email={username + '@ebok.test'!r}); "
        f"u.set_password({PASSWORD!r}); u.save()",
    )


def _node_of(nodes: ComposeSet, response: Response) -> str:
    """The node whose access log has the request id the proxy gave this request."""
    request_id = response.headers["X-Request-ID"]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for node in NODES:
            log = (nodes.tmp / "logs" / f"{node}.log").read_text(errors="replace")
            for line in log.splitlines():
                if request_id in line and line.startswith("{") and json.loads(line).get("request_id") == request_id:
                    return node
        time.sleep(0.1)
    raise AssertionError(f"no node logged request {request_id}")


def _log_in(nodes: ComposeSet, client: ProxyClient, username: str, password: str = PASSWORD) -> Response:
    form = client.get(reverse("login"))
    assert form.status == 200, form.text[:500]
    return client.post(reverse("login"), {**hidden_inputs(form.text), "username": username, "password": password})


def test_one_tenant_is_served_by_both_nodes_in_turn_without_a_login_or_csrf_failure(nodes, ca_file):
    _tenant(nodes, "dwa.wezly")
    client = ProxyClient(nodes.ports["https"], DOMAIN, ca_file)
    served: list[str] = []
    login = _log_in(nodes, client, "dwa.wezly")
    assert login.status == 302, login.text[:800]
    served.append(_node_of(nodes, login))
    for _ in range(3):
        page = client.get("/")
        assert page.status == 200 and "Wyloguj" in page.text, page.text[:800]
        served.append(_node_of(nodes, page))
        form = client.get(reverse("tickets:new"))
        assert form.status == 200, form.text[:500]
        served.append(_node_of(nodes, form))
        # The form's CSRF token comes from one node, the POST may go to the other.
        filed = client.post(
            reverse("tickets:new"),
            {**hidden_inputs(form.text), "kind": "message", "subject": "Pytanie", "description": "Treść pytania."},
        )
        assert filed.status == 302, filed.text[:800]
        served.append(_node_of(nodes, filed))
    assert set(served) == set(NODES), served
    sessions = _manage(nodes, "from django.contrib.sessions.models import Session; print(Session.objects.count())")
    assert sessions == "0"  # the sessions live on Redis, no node writes the session table


def test_a_lockout_is_counted_once_across_both_nodes(nodes, ca_file):
    _tenant(nodes, "blokada.wezly")
    client = ProxyClient(nodes.ports["https"], DOMAIN, ca_file)
    assert client.get(reverse("login")).status == 200
    wrong = {"username": "blokada.wezly", "password": "Zle-Haslo-2026"}
    # Posted one after another, the attempts go to the nodes in turn; the third locks the account.
    answers = [client.post(reverse("login"), wrong) for _ in range(3)]
    assert [answer.status for answer in answers] == [200, 200, 429], [a.text[:300] for a in answers]
    assert {_node_of(nodes, answer) for answer in answers} == set(NODES)
    for _ in range(2):  # whichever node takes it, the right password now meets the lockout
        locked = client.post(reverse("login"), {"username": "blokada.wezly", "password": PASSWORD})
        assert locked.status == 429, locked.text[:500]
    counted = _manage(
        nodes, "from axes.models import AccessAttempt; print(AccessAttempt.objects.get().failures_since_start)"
    )
    assert counted == "3"


def test_an_attachment_uploaded_through_one_node_is_read_from_the_other(nodes, ca_file):
    _tenant(nodes, "zalacznik.wezly")
    client = ProxyClient(nodes.ports["https"], DOMAIN, ca_file)
    assert _log_in(nodes, client, "zalacznik.wezly").status == 302
    form = client.get(reverse("tickets:new"))
    photo = image_bytes("PNG", (64, 48))
    filed = client.request(
        "POST",
        reverse("tickets:new"),
        data={**hidden_inputs(form.text), "csrfmiddlewaretoken": client.cookies["csrftoken"], "kind": "message",
              "subject": "Przeciek", "description": "Zdjęcie w załączniku."},
        files={"attachments": ("przeciek.png", photo, "image/png")},
    )  # fmt: skip
    assert filed.status == 302, filed.text[:800]
    stored_by = _node_of(nodes, filed)
    other = next(node for node in NODES if node != stored_by)
    ticket_id = _manage(nodes, "from tickets.models import Ticket; print(Ticket.objects.get(subject='Przeciek').pk)")
    detail = client.get(reverse("tickets:detail", args=[int(ticket_id)]))
    link = re.search(r'href="(/zgloszenia/\d+/zalaczniki/\d+/)"', detail.text)
    assert link, detail.text[:2000]
    # Straight to the other node, as the proxy would forward it (its trusted address, HTTPS said).
    http = HTTPConnection("127.0.0.1", nodes.ports[other], timeout=30)
    http.request(
        "GET",
        link.group(1),
        headers={
            "Host": DOMAIN,
            "X-Forwarded-Proto": "https",
            "Cookie": "; ".join(f"{k}={v}" for k, v in client.cookies.items()),
        },
    )
    answer = http.getresponse()
    body = answer.read()
    assert answer.status == 200, body[:500]
    assert body.startswith(b"\x89PNG")
