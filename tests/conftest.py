"""Fixtures shared by the whole suite: the standing users, staff with a second
factor, and the real parts (SMTP server, Celery worker, Chromium)."""

from __future__ import annotations

import os
import time

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY

from portal import memo
from portal.celery import app as celery_app
from tests import factories
from tests.realparts import CHROMIUM_ARGS, CeleryWorker, SmtpServer, chromium_path

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop


@pytest.fixture(autouse=True)
def _eager_celery_and_private_media(settings, tmp_path):
    """Tasks run in-process unless a test asks for the real worker; files go to a fresh folder."""
    celery_app.conf.task_always_eager = True
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": tmp_path / "private", "base_url": None}},
    }
    yield
    celery_app.conf.task_always_eager = True


@pytest.fixture(autouse=True)
def _nothing_kept_from_another_test():
    """Values a process keeps for a while (portal.memo) are read again: each test has its own data;
    and a test that asked for English does not leave the next one in English."""
    memo.clear_all()
    for cache in caches.all():  # Django's caches (the tests': each process's memory), e.g. billing.ledger_cache
        cache.clear()
    yield
    translation.activate(settings.LANGUAGE_CODE)


def pytest_report_header(config):
    db = settings.DATABASES["default"]
    return [
        f"database: {db['ENGINE']} {db.get('HOST', '')}:{db.get('PORT', '')}",
        f"celery broker: {settings.CELERY_BROKER_URL or '(none: in-process)'}",
    ]


@pytest.fixture(scope="session", autouse=True)
def _require_postgresql(django_db_setup, django_db_blocker):
    """The suite is specified on PostgreSQL; running it elsewhere would prove less."""
    with django_db_blocker.unblock():
        assert connection.vendor == "postgresql", (
            "Testy uruchamia się na PostgreSQL: użyj `make test` (uruchamia tymczasowy klaster)."
        )


# --- standing users -------------------------------------------------------------


@pytest.fixture
def unit(db):
    return factories.UnitFactory()


@pytest.fixture
def owner(unit):
    """Owner of ``unit``."""
    return factories.TenantFactory(units=[unit])


@pytest.fixture
def co_owner(unit):
    """Co-owner of the same ``unit``: sees it as well, with a grant of their own."""
    return factories.TenantFactory(units=[unit])


@pytest.fixture
def stranger(db):
    """A tenant of another unit: must never see ``unit``."""
    return factories.TenantFactory(units=[factories.UnitFactory()])


@pytest.fixture
def staff(db):
    return factories.StaffFactory()


@pytest.fixture
def staff_client(client, staff):
    """A test client logged in as staff and verified by the second factor."""
    client.force_login(staff)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = staff.totpdevice_set.get().persistent_id
    session.save()
    return client


# --- real parts ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def smtp_server():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server, settings):
    """The real SMTP server, emptied, with Django's e-mail pointed at it."""
    smtp_server.start()
    smtp_server.clear()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    yield smtp_server
    smtp_server.start()


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, smtp_server):
    assert settings.CELERY_BROKER_URL.startswith("redis://"), (
        "Test workera wymaga Redisa: uruchom `make test` (ustawia CELERY_BROKER_URL)."
    )
    with django_db_blocker.unblock():
        db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "EMAIL_URL": smtp_server.url,
        "EMAIL_RETRY_BASE_SECONDS": "0.5",
        "EMAIL_MAX_ATTEMPTS": "30",
        "CONN_MAX_AGE": "0",
    }
    worker = CeleryWorker(env)
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture
def celery_worker(celery_worker_process, transactional_db):
    """Tasks go through Redis to the real worker process (data must be committed)."""
    celery_app.conf.task_always_eager = False
    yield celery_worker_process
    _wait_for_an_idle_worker()
    celery_app.conf.task_always_eager = True


def _wait_for_an_idle_worker(timeout: float = 60) -> None:
    """Tasks a test's tasks queued (e.g. the mailing after an import) still hold rows: the
    database is emptied after the test only once the worker has finished them, or the two
    deadlock."""
    inspector = celery_app.control.inspect(timeout=2)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        busy = [*(inspector.active() or {}).values(), *(inspector.reserved() or {}).values()]
        if not any(busy):
            return
        time.sleep(0.3)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="pl-PL", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.base_url = live_server.url
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    context = browser.new_context(locale="pl-PL", viewport={"width": 360, "height": 740}, is_mobile=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.base_url = live_server.url
    yield page
    context.close()


# --- proof that the real parts ran --------------------------------------------------

_REAL_PART_FIXTURES = {
    "smtp": "SMTP server (aiosmtpd)",
    "celery_worker": "Celery worker process on Redis",
    "browser": "Debian Chromium through Playwright",
}


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    passed = terminalreporter.stats.get("passed", [])
    used = dict.fromkeys(_REAL_PART_FIXTURES.values(), 0)
    for report in passed:
        if report.when != "call":
            continue
        fixtures = getattr(report, "fixturenames", ())
        for fixture, label in _REAL_PART_FIXTURES.items():
            if fixture in fixtures:
                used[label] += 1
    db = settings.DATABASES["default"]
    terminalreporter.section("real parts")
    terminalreporter.write_line(
        f"PostgreSQL: {db['ENGINE']} at {db.get('HOST')}:{db.get('PORT')} ({len(passed)} tests)"
    )
    for label, count in used.items():
        terminalreporter.write_line(f"{label}: {count} passed tests used it")
    skipped = terminalreporter.stats.get("skipped", [])
    if skipped:
        terminalreporter.write_line(f"{len(skipped)} test(s) skipped: the suite does not allow skips", red=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    outcome.get_result().fixturenames = tuple(item.fixturenames)


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and reporter.stats.get("skipped") and exitstatus == 0:
        session.exitstatus = 1  # a skipped test would hide a missing real part
