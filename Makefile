.PHONY: run test lint format bench-import bench-pages bench-chart bench-chat bench-scale bench-load

# Command 1: the portal with demo data at http://127.0.0.1:8000 (SQLite, in-process tasks, console mail).
run:
	scripts/run.sh

# Command 2: the whole test suite on real parts (throwaway PostgreSQL 15 and Redis, Celery worker, SMTP, Chromium).
test:
	scripts/test.sh

lint:
	.venv/bin/python -m ruff check . && .venv/bin/python -m ruff format --check .

format:
	.venv/bin/python -m ruff check --fix . && .venv/bin/python -m ruff format .

# Benchmark of the nightly import (issue 4): 2,000 units × 10 years on a throwaway PostgreSQL.
bench-import:
	scripts/venv.sh dev
	.venv/bin/python bench/import_bundle.py

# Benchmark of the consumption chart (issue 6): 10 years of readings, whole requests, on a throwaway PostgreSQL.
bench-chart:
	scripts/venv.sh dev
	.venv/bin/python bench/meter_chart.py

# Benchmark of the tenant pages (issue 5): gunicorn, 2 workers, production settings, PostgreSQL.
bench-pages:
	scripts/venv.sh dev
	.venv/bin/python bench/pages.py

# Benchmark of the live chat (issue 16): 200 tenants' and 20 clerks' sockets on daphne, Redis, PostgreSQL.
bench-chat:
	scripts/venv.sh dev
	.venv/bin/python bench/chat.py

# Growth with the size of the data (issue 18): import, delta, memory, database size, pg_dump/pg_restore
# and the month-end load, at each size of SIZES (units × 10 years; 50000 alone ≈ 45 min on a quiet machine, see docs/scale.md).
SIZES ?= 2000,10000,50000
bench-scale:
	scripts/venv.sh dev
	.venv/bin/python bench/scale.py --sizes $(SIZES)

# Month-end load on the tenant pages (issue 18): locust headless against gunicorn (DEBUG=0) on the
# database of each size of SIZES (imported first). SESSION_ENGINE=… overrides the session backend.
bench-load:
	scripts/venv.sh dev
	.venv/bin/python bench/scale.py --sizes $(SIZES) --parts load
