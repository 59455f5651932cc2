"""Speed through Django's supported knobs (issue 15): prepared statements by server-side binding
and psycopg's prepare_threshold, the cached template loader in production."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal import sql
from tests.settings_probe import settings_value

pytestmark = pytest.mark.django_db

PRODUCTION = {
    "DEBUG": "0",
    "DEMO": "0",
    "SECRET_KEY": "a-long-production-secret-key-that-is-random-enough-4f1c9b2e7d3a8f6e5b0c",
    "ALLOWED_HOSTS": "ebok.example.pl",
}


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


def test_a_read_repeated_on_a_connection_is_prepared_by_postgresql():
    query = "SELECT %s::int + 41"
    for value in range(6):  # the threshold is 5 executions
        assert sql.fetch_one(query, [value]) == (value + 41,)
    assert "SELECT $1::int + 41" in _prepared_statements()


def test_the_orm_queries_repeated_are_prepared_too(owner):
    from accounts.models import User

    for _ in range(6):
        User.objects.filter(pk=owner.pk).exists()
    prepared = _prepared_statements()
    assert 'SELECT $1 AS "a" FROM "accounts_user" WHERE "accounts_user"."id" = $2 LIMIT 1' in prepared, prepared


def test_plain_sql_reads_are_logged_and_counted_with_their_values_like_the_orms():
    with CaptureQueriesContext(connection) as captured:
        sql.fetch_all("SELECT %s::int, %s::text", [7, "siedem"])
    assert [q["sql"] for q in captured.captured_queries] == ["SELECT 7::int, 'siedem'::text"]


def test_prepared_statements_can_be_switched_off_for_a_pooler_in_transaction_mode():
    options = "settings.DATABASES['default'].get('OPTIONS', {})"
    assert settings_value(f"{options}.get('server_side_binding')", DB_PREPARED_STATEMENTS="1") == "True"
    assert settings_value(f"{options}.get('prepare_threshold')", DB_PREPARED_STATEMENTS="1") == "5"
    assert settings_value(f"{options}.get('server_side_binding')", DB_PREPARED_STATEMENTS="0") == "None"
    assert settings_value(f"{options}.get('prepare_threshold')", DB_PREPARED_STATEMENTS="0") == "None"


def test_production_keeps_compiled_templates_with_the_cached_loader():
    loader = (
        "__import__('django').setup() or "
        "type(__import__('django.template', fromlist=['engines']).engines['django'].engine.template_loaders[0])"
    )
    assert settings_value(loader, unset=("DEBUG", "DEMO"), **PRODUCTION) == (
        "<class 'django.template.loaders.cached.Loader'>"
    )
