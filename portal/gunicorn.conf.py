"""gunicorn settings of the web service: ``gunicorn -c portal/gunicorn.conf.py portal.wsgi``.

Command-line options (``--bind``, ``--workers`` …) still override what is here.

* Access and server lines are JSON on stdout, like the portal's own (``portal/logs.py``):
  time, level, logger, message, method, path, status, bytes, duration_ms, remote_addr
  (the proxy), forwarded_for, user_agent and request_id (the X-Request-ID the portal
  answered with, so an access line joins the application's lines of the same request).
  ``LOG_FORMAT=text`` in the environment keeps gunicorn's plain lines.
* Metrics of several workers: ``PROMETHEUS_MULTIPROC_DIR`` is emptied when gunicorn
  starts (samples of a previous run would be counted again) and a dead worker's live
  gauges are dropped (prometheus-client's multiprocess mode).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pythonjsonlogger.json import JsonFormatter

accesslog = "-"
errorlog = "-"
access_log_format = "%(m)s %(U)s %(s)s"

# gunicorn's atoms → the access line's fields.
_ACCESS_FIELDS = {
    "method": "m",
    "path": "U",
    "status": "s",
    "bytes": "B",
    "remote_addr": "h",
    "forwarded_for": "{x-forwarded-for}i",
    "user_agent": "a",
    "request_id": "{x-request-id}o",
}


class AccessJsonFormatter(JsonFormatter):
    """One JSON object per request from gunicorn's access atoms (``record.args``)."""

    def add_fields(self, log_data: dict[str, Any], record: Any, message_dict: dict[str, Any]) -> None:
        super().add_fields(log_data, record, message_dict)
        atoms = record.args if isinstance(record.args, Mapping) else {}
        if not atoms:
            return
        for field, atom in _ACCESS_FIELDS.items():
            value = atoms[atom]
            log_data[field] = None if value in ("-", None) else value
        if str(log_data.get("status") or "").isdigit():
            log_data["status"] = int(log_data["status"])
        log_data["duration_ms"] = round(int(atoms["D"]) / 1000, 1)


_json = {
    "fmt": ["levelname", "name", "message"],
    "rename_fields": {"levelname": "level", "name": "logger"},
    "timestamp": "time",
}
# This file is read by gunicorn's master from the real environment (not from .env).
if os.environ.get("LOG_FORMAT", "json") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {"()": JsonFormatter, **_json},
            "access": {"()": AccessJsonFormatter, **_json},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"},
            "access": {"class": "logging.StreamHandler", "formatter": "access", "stream": "ext://sys.stdout"},
        },
        "root": {"level": "INFO", "handlers": ["console"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False},
        },
    }


def on_starting(server: Any) -> None:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        Path(directory).mkdir(parents=True, exist_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
