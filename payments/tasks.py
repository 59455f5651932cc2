"""Celery tasks of online payments: thin, safe to run twice."""

from collections.abc import Callable
from typing import Any

from celery import shared_task

from payments import services


def task(**options: Any) -> Callable[[Callable[..., Any]], Any]:
    """``celery.shared_task`` with a type: Celery ships none, and strict mypy refuses untyped
    decorators. The result is a Celery task (``.delay``, ``.delay_on_commit``)."""
    decorator: Callable[[Callable[..., Any]], Any] = shared_task(**options)
    return decorator


@task(acks_late=True)
def payments_expire() -> int:
    """Beat, every few minutes: abandon payments past the gateway's time limit."""
    return services.payments_expire()


@task(acks_late=True, autoretry_for=(Exception,), retry_backoff=60, max_retries=5)
def payments_remind_unbooked() -> int:
    """Beat, each morning: e-mail staff about payments paid but not booked."""
    return services.payments_remind_unbooked()


@task(acks_late=True, autoretry_for=(Exception,), retry_backoff=5, retry_backoff_max=600, max_retries=10)
def simulator_notify(transaction_id: int, kind: str) -> None:
    """The local gateway simulator sends its notification after the page's answer."""
    from payments.simulator import gateway

    gateway.send_notification(transaction_id=transaction_id, kind=kind)
