"""The shape of docker-compose.yml; tests/portal/test_production_set.py runs its services."""

import re
from pathlib import Path

import yaml

BASE_DIR = Path(__file__).resolve().parents[2]
APP_SERVICES = ("migrate", "web", "worker", "beat")


def _compose() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def test_compose_has_the_production_services_with_health_checks():
    services = _compose()["services"]
    assert set(services) >= {"proxy", "migrate", "web", "worker", "beat", "postgres", "redis"}
    for name in ("proxy", "web", "worker", "beat", "postgres", "redis"):
        assert "healthcheck" in services[name], name


def test_compose_runs_gunicorn_one_beat_and_a_worker_from_one_env_file():
    services = _compose()["services"]
    assert "gunicorn" in " ".join(services["web"]["command"])
    assert "worker" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1
    for name in APP_SERVICES:
        assert services[name]["env_file"] == [".env"]


def test_web_worker_and_beat_start_only_after_the_migrations_succeeded():
    services = _compose()["services"]
    assert services["migrate"]["command"][-3:] == ["manage.py", "migrate", "--no-input"]
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, name
        assert "migrate" not in " ".join(services[name]["command"]), name


def test_only_the_proxy_publishes_ports_and_only_its_address_is_trusted():
    compose = _compose()
    services = compose["services"]
    assert [name for name, service in services.items() if service.get("ports")] == ["proxy"]
    proxy_address = services["proxy"]["networks"]["default"]["ipv4_address"]
    for name in APP_SERVICES:
        assert services[name]["environment"]["TRUSTED_PROXIES"] == proxy_address


def test_the_database_password_is_written_in_one_place():
    text = (BASE_DIR / "docker-compose.yml").read_text()
    services = _compose()["services"]
    assert "secrets" not in _compose()
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    assert "${POSTGRES_PASSWORD:?" in services["web"]["environment"]["DATABASE_URL"]
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    # Every mention outside comments is a reference to .env's value, or the server's variable.
    references = re.findall(r"\$\{POSTGRES_PASSWORD:\?[^}]*\}", code)
    assert len(references) == 2
    assert re.sub(r"\$\{POSTGRES_PASSWORD:\?[^}]*\}", "", code).count("POSTGRES_PASSWORD") == 1


def test_compose_keeps_data_keys_and_certificates_in_volumes():
    compose = _compose()
    assert {"pgdata", "private", "pzkeys", "bundles", "caddy_data"} <= set(compose["volumes"])
    assert any("pgdata" in v for v in compose["services"]["postgres"]["volumes"])
    for name in APP_SERVICES:
        volumes = compose["services"][name]["volumes"]
        assert "pzkeys:/srv/ebok/pz" in volumes, name
        assert compose["services"][name]["environment"]["PZ_KEY_DIR"] == "/srv/ebok/pz"


def test_every_service_rotates_its_logs():
    for name, service in _compose()["services"].items():
        options = service["logging"]["options"]
        assert options["max-size"] and options["max-file"], name


def test_sessions_and_the_cache_of_every_app_service_are_on_redis():
    services = _compose()["services"]
    for name in (*APP_SERVICES, "web2"):
        assert services[name]["environment"]["CACHE_REDIS_URL"] == "redis://redis:6379/2", name


def test_a_second_web_node_runs_the_web_command_only_under_its_profile():
    services = _compose()["services"]
    assert services["web2"]["profiles"] == ["nodes"]
    assert services["web2"]["command"] == services["web"]["command"]
    assert services["web2"]["healthcheck"] == services["web"]["healthcheck"]
    assert services["web2"]["volumes"] == services["web"]["volumes"]  # the same private files


def test_the_proxy_takes_the_web_nodes_of_env_in_turn():
    services = _compose()["services"]
    assert services["proxy"]["environment"]["EBOK_WEB_UPSTREAMS"] == "${EBOK_WEB_UPSTREAMS:-web:8000}"
    caddyfile = (BASE_DIR / "deploy/Caddyfile").read_text()
    assert "reverse_proxy {$EBOK_WEB_UPSTREAMS:web:8000} {" in caddyfile
    assert "lb_policy round_robin" in caddyfile
