"""The production set as an operator runs it (issue 13), started from the repository's own files.

No container engine runs here (README, Production), so the Dockerfile's steps are carried
out into a folder with a clean virtualenv, and docker-compose.yml's services run as
processes with their own commands, environment and health checks (tests/production.py):
PostgreSQL with the password from .env, Redis, the migrations, gunicorn, daphne (the chat), a
Celery worker and beat, the backup service, and Caddy with deploy/Caddyfile in front. The .env is made by the README's command.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import time

import pytest
from django.urls import reverse
from django_otp.oath import totp

from tests.production import (
    BASE_DIR,
    PLANTED,
    ComposeSet,
    ProxyClient,
    hidden_inputs,
    image_of_the_checkout,
    read_env_file,
)

DOMAIN = "ebok.test"


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    return image_of_the_checkout(tmp_path_factory)


@pytest.fixture(scope="module")
def env_file(tmp_path_factory, smtp_server):
    """README: scripts/new-env.sh DOMAIN, then EMAIL_URL and the staff addresses filled in."""
    path = tmp_path_factory.mktemp("operator") / ".env"
    subprocess.run(["scripts/new-env.sh", DOMAIN, str(path)], cwd=BASE_DIR, check=True, capture_output=True)
    text = path.read_text()
    text = re.sub(r"(?m)^EMAIL_URL=.*$", f"EMAIL_URL={smtp_server.url}", text)
    text = re.sub(r"(?m)^STAFF_NOTIFY_EMAILS=.*$", "STAFF_NOTIFY_EMAILS=bok@ebok.test", text)
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def production(image, env_file, tmp_path_factory):
    compose = ComposeSet(image, env_file, tmp_path_factory.mktemp("production"))
    try:
        compose.start_postgres()
        compose.start_redis()
        compose.wait_healthy("postgres")
        compose.wait_healthy("redis")
        migrated = compose.run_once("migrate")
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        for service in ("web", "chat", "worker", "beat", "backup"):
            compose.start_app(service)
        compose.wait_healthy("web")
        compose.wait_healthy("chat")
        compose.start_proxy()
        for service in ("worker", "beat", "proxy", "backup"):
            compose.wait_healthy(service)
        yield compose
    finally:
        compose.stop()


@pytest.fixture(scope="module")
def ca_file(production):
    root = production.tmp / "caddy/data/caddy/pki/authorities/local/root.crt"
    deadline = time.monotonic() + 30
    while not root.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    return root


def _client(production, ca_file, source: str = "127.0.0.1") -> ProxyClient:
    return ProxyClient(production.ports["https"], DOMAIN, ca_file, source=source)


# --- the image ---------------------------------------------------------------------------------------


def test_the_image_takes_no_secret_and_no_local_state_from_the_checkout(image):
    for relative in PLANTED:
        assert not (image.app / relative).exists(), relative
    assert (image.app / "manage.py").exists()
    assert (image.app / "deploy/Caddyfile").exists()


def test_the_image_build_compiles_translations_and_collects_hashed_static_files(image):
    assert (image.app / "locale/en/LC_MESSAGES/django.mo").exists()
    assert (image.app / "var/staticfiles/staticfiles.json").exists()
    assert image.system_steps == ["useradd --create-home --uid 1000 ebok"]


def test_the_image_has_the_system_libraries_weasyprint_needs_for_fonts(image):
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    packages = (BASE_DIR / "scripts/system-packages.sh").read_text()
    assert "ebok-system-packages image" in dockerfile
    assert "libharfbuzz-subset0" in packages


# --- the environment file ------------------------------------------------------------------------------


def test_the_readme_env_command_writes_a_key_and_password_both_readers_agree_on(env_file):
    values = read_env_file(env_file)
    assert len(values["SECRET_KEY"]) >= 50 and re.fullmatch(r"[A-Za-z0-9_-]+", values["SECRET_KEY"])
    assert re.fullmatch(r"[0-9a-f]{48}", values["POSTGRES_PASSWORD"])
    assert values["ALLOWED_HOSTS"] == DOMAIN and values["EBOK_DOMAIN"] == DOMAIN
    assert values["CSRF_TRUSTED_ORIGINS"] == f"https://{DOMAIN}"
    assert env_file.stat().st_mode & 0o077 == 0  # the file holds secrets: the operator's only


def test_the_env_command_keeps_an_existing_file(env_file):
    before = env_file.read_text()
    result = subprocess.run(["scripts/new-env.sh", DOMAIN, str(env_file)], cwd=BASE_DIR, capture_output=True, text=True)
    assert result.returncode != 0 and "nie nadpisuję" in result.stderr
    assert env_file.read_text() == before


# --- the running set ------------------------------------------------------------------------------------


def test_every_health_check_of_the_compose_file_passes(production):
    checked = {name for name, service in production.services.items() if service.healthcheck}
    assert checked == {"proxy", "web", "chat", "worker", "beat", "backup", "postgres", "redis"}
    for name in sorted(checked):
        result = production.healthcheck(name)
        assert result.returncode == 0, (name, result.stdout, result.stderr)


def test_the_beat_health_check_fails_when_its_heartbeat_stops(production):
    heartbeat = production.tmp / "run/ebok-beat-heartbeat"
    assert heartbeat.exists(), "beat has not written its heartbeat"
    touched = heartbeat.stat().st_mtime
    stale = time.time() - 600
    os.utime(heartbeat, (stale, stale))
    assert production.healthcheck("beat").returncode != 0
    os.utime(heartbeat, (touched, touched))
    assert production.healthcheck("beat").returncode == 0


def test_pages_through_the_proxy_carry_the_security_headers(production, ca_file):
    response = _client(production, ca_file).get("/")
    assert response.status == 200, response.text[:500]
    headers = response.headers
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Server" not in headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "camera=()" in headers["Permissions-Policy"]
    assert "Zaloguj" in response.text


def test_plain_http_is_sent_to_https(production):
    result = subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", "-H", f"Host: {DOMAIN}",
         f"http://127.0.0.1:{production.ports['http']}/konto/"],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    code, location = result.stdout.split()
    assert code in {"301", "308"} and location.startswith(f"https://{DOMAIN}")


def test_a_host_the_site_does_not_serve_is_refused_but_health_answers_any_host(production):
    web = f"http://127.0.0.1:{production.ports['web']}"
    forged = subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: evil.example", "-H",
         "X-Forwarded-Proto: https", f"{web}/"],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert forged.stdout == "400"
    for path in ("/zdrowie/", "/zdrowie/gotowosc/"):
        health = subprocess.run(["curl", "-fsS", "-H", "Host: evil.example", f"{web}{path}"], capture_output=True)
        assert health.returncode == 0, path


def test_two_clients_behind_the_proxy_are_throttled_apart(production, ca_file):
    """Ten wrong status checks from one address lock that address only, not the whole portal."""
    status = reverse("tickets:status")
    first, second = _client(production, ca_file, "127.0.0.2"), _client(production, ca_file, "127.0.0.3")
    for client in (first, second):
        assert client.get(status).status == 200
    limit = int(production.services["web"].env.get("TICKETS_STATUS_FAILURES_PER_HOUR", "10"))
    for n in range(limit):
        answer = first.post(status, {"number": f"ZGL/2020/{n:06d}", "secret": "ZZZZZ-99999"})
        assert answer.status == 400, answer.text[:300]
    assert first.post(status, {"number": "ZGL/2020/000001", "secret": "ZZZZZ-99999"}).status == 429
    assert second.post(status, {"number": "ZGL/2020/000001", "secret": "ZZZZZ-99999"}).status == 400


def _create_staff(production, login: str) -> dict[str, str]:
    """README: docker compose exec web python manage.py create_staff LOGIN --email … --superuser."""
    result = subprocess.run(
        ["python", "manage.py", "create_staff", login, "--email", f"{login}@ebok.test", "--superuser"],
        cwd=production.image.app, env=production.process_env("web"), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    printed = dict(re.findall(r"(?m)^(Login|Hasło|Klucz TOTP \(base32\)): (\S+)$", result.stdout))
    assert set(printed) == {"Login", "Hasło", "Klucz TOTP (base32)"}, result.stdout
    return printed


def test_the_staff_member_made_by_the_command_logs_into_admin_with_the_printed_secret(production, ca_file):
    printed = _create_staff(production, "operator")
    secret = printed["Klucz TOTP (base32)"]
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    client = _client(production, ca_file)
    login = client.get("/admin/login/")
    assert login.status == 200
    form = hidden_inputs(login.text)
    answer = client.post(
        "/admin/login/",
        {**form, "username": printed["Login"], "password": printed["Hasło"], "kod": f"{totp(key):06d}"},
    )
    assert answer.status == 302, answer.text[:800]
    # The printed password was set by someone else (A5): the first page asks for a new one.
    first = client.get("/admin/")
    assert first.status == 302 and first.headers["Location"].startswith("/konto/haslo/")
    changed = client.post(
        first.headers["Location"],
        {"old_password": printed["Hasło"], "new_password1": "Nowe2026Haslo!", "new_password2": "Nowe2026Haslo!"},
    )
    assert changed.status == 302, changed.text[:800]
    admin = client.get("/admin/")
    assert admin.status == 200 and "Administracja" in admin.text


def test_the_worker_delivers_the_mail_a_page_queued(production, ca_file, smtp_server):
    _create_staff(production, "mailtest")
    smtp_server.clear()
    client = _client(production, ca_file)
    reset = reverse("password_reset")
    client.get(reset)
    assert client.post(reset, {"email": "mailtest@ebok.test"}).status in {200, 302}
    message = smtp_server.wait_for(1, timeout=60)[0]
    assert message["To"] == "mailtest@ebok.test"
    assert f"https://{DOMAIN}/" in message.get_body(("plain",)).get_content()


def test_static_files_come_through_the_proxy_with_hashed_names(production, ca_file):
    client = _client(production, ca_file)
    css = re.search(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', client.get("/").text)
    assert css, "no hashed stylesheet on the landing page"
    response = client.get(css.group(1))
    assert response.status == 200
    assert "max-age=315360000" in response.headers["Cache-Control"]


def test_profil_zaufany_keys_are_written_to_their_volume_not_into_the_image(production):
    """A re-deploy replaces the container, not its volumes: the keys must be on "pzkeys"."""
    result = subprocess.run(
        ["python", "manage.py", "pz_keygen", "--common-name", f"https://{DOMAIN}"],
        cwd=production.image.app, env=production.process_env("web"), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    volume = production.tmp / "srv/ebok/pz"  # what compose mounts as pzkeys:/srv/ebok/pz
    assert {"sp-signing.key", "sp-encryption.key"} <= {p.name for p in volume.iterdir()}
    assert not list(production.image.app.rglob("sp-signing.key"))


def test_metrics_answer_inside_the_network_with_the_token_and_never_through_the_proxy(production, ca_file):
    token = production.services["web"].env["METRICS_TOKEN"]
    assert re.fullmatch(r"[0-9a-f]{64}", token)
    inside = subprocess.run(
        ["curl", "-fsS", "-H", f"Authorization: Bearer {token}", f"http://127.0.0.1:{production.ports['web']}/metryki/"],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert inside.returncode == 0 and "ebok_import_stale" in inside.stdout
    outside = _client(production, ca_file).get("/metryki/", headers={"Authorization": f"Bearer {token}"})
    assert outside.status == 404


def test_every_answer_through_the_proxy_carries_a_request_id_and_the_logs_are_json(production, ca_file):
    response = _client(production, ca_file).get("/regulamin/")
    request_id = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f-]{32,36}", request_id)
    deadline = time.monotonic() + 10
    while request_id not in production.log("web") and time.monotonic() < deadline:
        time.sleep(0.2)
    line = next(line for line in production.log("web").splitlines() if request_id in line)
    assert json.loads(line)["request_id"] == request_id


def test_a_tenants_chat_socket_goes_through_the_proxy_to_the_chat_service(production, ca_file):
    """Issue 16: the proxy routes /ws/ to daphne; the socket carries the session of a page login."""
    import asyncio
    import ssl
    from concurrent.futures import ThreadPoolExecutor

    import websockets

    made = subprocess.run(
        ["python", "manage.py", "shell", "-c",
         "from accounts.models import User; u = User(username='czat.lokator', email='czat@ebok.test'); "
         "u.set_password('Czat-Test-2026'); u.save()"],
        cwd=production.image.app, env=production.process_env("web"), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    client = _client(production, ca_file)
    login = client.get(reverse("login"))
    answer = client.post(
        reverse("login"), {**hidden_inputs(login.text), "username": "czat.lokator", "password": "Czat-Test-2026"}
    )
    assert answer.status == 302, answer.text[:500]
    start = client.get(reverse("chat:index"))
    assert start.status == 200, start.text[:500]
    started = client.post(reverse("chat:index"), {**hidden_inputs(start.text), "body": "Dzień dobry przez proxy"})
    assert started.status == 302, started.text[:800]
    conversation_path = started.headers["Location"]
    conversation_id = conversation_path.rstrip("/").rsplit("/", 1)[-1]
    context = ssl.create_default_context(cafile=str(ca_file))

    async def first_frame() -> dict:
        async with websockets.connect(
            f"wss://{DOMAIN}:{production.ports['https']}/ws/czat/{conversation_id}/?after=0",
            ssl=context,
            server_hostname=DOMAIN,
            host="127.0.0.1",
            port=production.ports["https"],
            origin=f"https://{DOMAIN}",
            additional_headers={"Cookie": "; ".join(f"{k}={v}" for k, v in client.cookies.items())},
        ) as ws:
            return json.loads(await asyncio.wait_for(ws.recv(), 10))

    # Its own thread: the suite's browser (Playwright's sync API) keeps a loop running in this one.
    with ThreadPoolExecutor(1) as executor:
        frame = executor.submit(asyncio.run, first_frame()).result()
    assert frame["author"] == "tenant" and frame["html"] == "Dzień dobry przez proxy"
