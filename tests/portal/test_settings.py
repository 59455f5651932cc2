import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DEBUG": "0",
    "DEMO": "0",
    "SECRET_KEY": "a-long-production-secret-key-that-is-random-enough-4f1c9b2e7d3a8f6e5b0c",
    "ALLOWED_HOSTS": "ebok.example.pl",
    "CSRF_TRUSTED_ORIGINS": "https://ebok.example.pl",
}


def _clean_environment() -> dict[str, str]:
    """The test command's environment less everything the portal reads: as on a fresh machine."""
    settings_text = (BASE_DIR / "portal" / "settings.py").read_text()
    read = set(re.findall(r'env\.\w+\(\s*"([A-Z_]+)"', settings_text))
    return {
        k: v for k, v in os.environ.items() if k not in read | {"DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE"}
    }


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**_clean_environment(), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_values():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_missing_production_variable_stops_start_up_with_one_line_naming_it(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = _manage("check", env=env)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert missing in lines[0]


def test_nothing_configured_means_production_mode_which_refuses_to_start_without_a_key():
    result = _manage("check", env={})
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "Błąd konfiguracji: brak wymaganej zmiennej środowiskowej SECRET_KEY (wymaganej przy DEBUG=0; zob. .env.example)."
    ]


@pytest.mark.parametrize(
    "key",
    ["change-me", "x" * 60, "short-but-random-9f2c1e", "change-me-" + "f3a9c2e1b7d4" * 5],
    ids=["placeholder", "one-character", "short", "placeholder-padded"],
)
def test_a_placeholder_or_short_secret_key_stops_production_start_up_with_one_line(key):
    result = _manage("check", env={**PRODUCTION_ENV, "SECRET_KEY": key})
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "SECRET_KEY" in lines[0], result.stderr


def test_production_mode_never_runs_the_profil_zaufany_simulator_by_default():
    code = (
        "import django; django.setup(); from django.conf import settings as s; print(s.DEBUG, s.PZ_ENVIRONMENT, s.DEMO)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={**_clean_environment(), **{k: v for k, v in PRODUCTION_ENV.items() if k not in {"DEBUG", "DEMO"}},
             "DJANGO_SETTINGS_MODULE": "portal.settings"},
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert result.stdout.split() == ["False", "off", "False"], result.stderr


def test_a_copy_of_env_example_filled_by_the_readme_command_is_read_by_manage_py(tmp_path):
    """Without Docker the settings read .env beside manage.py: the same file compose reads."""
    tree = tmp_path / "tree"
    shutil.copytree(BASE_DIR, tree, ignore=shutil.ignore_patterns(".venv", ".git", "var", "node_modules", ".env"))
    made = subprocess.run(["scripts/new-env.sh", "ebok.example.org"], cwd=tree, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=tree, env=_clean_environment(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    conn_max_age = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings as s; "
         "print(s.ALLOWED_HOSTS, s.CSRF_TRUSTED_ORIGINS, s.DEBUG, len(s.SECRET_KEY))"],
        cwd=tree, env={**_clean_environment(), "DJANGO_SETTINGS_MODULE": "portal.settings"},
        capture_output=True, text=True,
    )  # fmt: skip
    assert conn_max_age.stdout.split() == ["['ebok.example.org']", "['https://ebok.example.org']", "False", "86"], (
        conn_max_age.stderr
    )


def test_env_example_has_no_comment_after_a_value_nor_a_character_the_two_readers_treat_differently():
    for number, line in enumerate((BASE_DIR / ".env.example").read_text().splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        name, _, value = line.partition("=")
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*", name), (number, line)
        assert "#" not in value and "$" not in value, (number, line)
        assert value == value.strip() and not value.startswith(("'", '"')), (number, line)


def test_embedded_defaults_need_no_environment_but_the_try_out_switch(tmp_path):
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='portal.settings'; django.setup();"
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.EMAIL_BACKEND)"
    )
    clean = {**_clean_environment(), "DEBUG": "1"}
    result = subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=clean, capture_output=True, text=True)
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "True",
        # The try-out (DEBUG=1, so DEMO) prints one line per e-mail on the console (issue 14 item 25).
        "portal.demo.OneLineConsoleBackend",
    ], result.stderr


def test_env_example_documents_every_variable_the_settings_read():
    settings_text = (BASE_DIR / "portal" / "settings.py").read_text()
    read = set(re.findall(r'env\.\w+\(\s*"([A-Z_]+)"', settings_text)) | set(
        re.findall(r'_required\("([A-Z_]+)"\)', settings_text)
    )
    documented = {
        line.split("=", 1)[0].lstrip("# ").strip()
        for line in (BASE_DIR / ".env.example").read_text().splitlines()
        if "=" in line
    }
    assert read - documented == set()
