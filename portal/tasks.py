from celery import Task, shared_task

from portal import ratelimit
from portal.services import mail, retention


@shared_task(bind=True, max_retries=None, acks_late=True)
def email_deliver(self: Task, message_id: int) -> bool:
    try:
        return mail.email_deliver_now(message_id=message_id)
    except mail.DeliveryFailed as exc:
        if self.request.is_eager:
            # In-process mode has no broker to wait on; the message stays queued
            # for the requeue sweep or a staff resend.
            return False
        attempts = self.request.retries + 1
        raise self.retry(exc=exc, countdown=mail.retry_delay(attempts)) from exc


@shared_task
def email_requeue_stuck() -> int:
    return mail.email_requeue_stuck()


@shared_task
def ratelimit_purge() -> int:
    return ratelimit.purge_old_hits()


@shared_task
def ping() -> str:
    """Used by the health check and the worker test: proves a worker consumes the queue."""
    return "pong"


# --- retention of personal data (A15): daily, from beat; each returns its counts ---------------


@shared_task
def retention_audit_ips() -> int:
    return retention.audit_ips_prune()


@shared_task
def retention_axes_records() -> dict[str, int]:
    return retention.axes_records_prune()


@shared_task
def retention_sessions() -> int:
    return retention.sessions_prune()


@shared_task
def retention_outbox_bodies() -> dict[str, int]:
    return retention.outbox_bodies_prune()
