"""``manage.py import_bundle PATH``, stopped inside its transaction at POINT, for the kill -9
tests (test_atomic.py). The pause is patched in from here, so production code carries no hook:

    python -m tests.sync.paused_import POINT MARKER PATH

POINT ``loaded``: every file loaded, before the checks; ``merge``: the merge has written the
ledger. At the pause the process writes MARKER (so the test knows when to kill it) and sleeps.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any


def main(point: str, marker: str, path: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from sync import merge, services

    def pause() -> None:
        Path(marker).write_text(point)
        time.sleep(120)

    if point == "loaded":
        run_checks = services.run_checks

        def checks_after_a_pause(*args: Any, **kwargs: Any) -> Any:
            pause()
            return run_checks(*args, **kwargs)

        services.run_checks = checks_after_a_pause
    elif point == "merge":
        upsert = merge.Merger._upsert

        def upsert_then_pause_after_the_ledger(self: merge.Merger, entity: merge.Entity) -> None:
            upsert(self, entity)
            if entity.stem == "ledger":
                pause()

        merge.Merger._upsert = upsert_then_pause_after_the_ledger  # type: ignore[method-assign]
    else:
        raise SystemExit(f"unknown point {point}")
    call_command("import_bundle", path)


if __name__ == "__main__":
    main(*sys.argv[1:4])
