"""Celery tasks of online payments: thin, safe to run twice."""

from celery import shared_task

from payments import services


@shared_task(acks_late=True)
def payments_expire() -> int:
    """Beat, every few minutes: abandon payments past the gateway's time limit."""
    return services.payments_expire()


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=60, max_retries=5)
def payments_remind_unbooked() -> int:
    """Beat, each morning: e-mail staff about payments paid but not booked."""
    return services.payments_remind_unbooked()


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=5, retry_backoff_max=600, max_retries=10)
def simulator_notify(transaction_id: int, kind: str) -> None:
    """The local gateway simulator sends its notification after the page's answer."""
    from payments.simulator import gateway

    gateway.send_notification(transaction_id=transaction_id, kind=kind)
