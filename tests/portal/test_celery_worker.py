import pytest

from portal.tasks import ping


@pytest.mark.worker
def test_real_worker_consumes_a_task_from_redis(celery_worker):
    result = ping.delay()
    assert result.get(timeout=30) == "pong"
    assert "portal.tasks.ping" in celery_worker.log.read_text()
