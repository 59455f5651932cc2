from pathlib import Path

import yaml

BASE_DIR = Path(__file__).resolve().parents[2]


def _compose() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def test_compose_has_the_production_services_with_health_checks():
    services = _compose()["services"]
    assert set(services) >= {"web", "worker", "beat", "postgres", "redis"}
    for name in ("web", "postgres", "redis", "worker"):
        assert "healthcheck" in services[name], name


def test_compose_runs_gunicorn_one_beat_and_a_worker_from_one_env_file():
    services = _compose()["services"]
    assert "gunicorn" in " ".join(services["web"]["command"])
    assert "worker" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1
    for name in ("web", "worker", "beat"):
        assert services[name]["env_file"] == [".env"]


def test_compose_keeps_data_in_volumes():
    compose = _compose()
    assert {"pgdata", "private"} <= set(compose["volumes"])
    assert any("pgdata" in v for v in compose["services"]["postgres"]["volumes"])
