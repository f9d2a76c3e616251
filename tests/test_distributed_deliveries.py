"""The poison-message guard's counts (`distributed/deliveries.py`) against the local Redis;
the whole path (a worker process killed by its message) is in tests/test_distributed.py."""

from __future__ import annotations

import uuid

import pytest

from everyside.bench.distributed_run import free_port

redis = pytest.importorskip("redis")
pytestmark = pytest.mark.distributed

from everyside.distributed.deliveries import Deliveries, died_reason  # noqa: E402


@pytest.fixture
def guard():  # type: ignore[no-untyped-def]
    ns = f"everyside-test-{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    yield Deliveries(client, ns)
    for key in client.scan_iter(f"{ns}:*"):
        client.delete(key)


def test_a_try_that_never_finished_died(guard: Deliveries) -> None:
    first = guard.start("t1")
    assert first is not None and (first.spent, first.died) == (0, 0)
    again = guard.start("t1")  # delivered again, the first try never ended: it died
    assert again is not None and (again.spent, again.died) == (1, 1)
    guard.finished("t1")  # the second try raised: spent, not died
    third = guard.start("t1")
    assert third is not None and (third.spent, third.died) == (2, 1)
    assert 0 < guard.redis.ttl(guard.prefix + "t1") <= guard.ttl_s
    other = guard.start("t2")  # counts are per task id
    assert other is not None and (other.spent, other.died) == (0, 0)


def test_a_returned_try_forgets_its_count(guard: Deliveries) -> None:
    guard.start("t1")
    guard.start("t1")
    guard.forget("t1")  # returned (or dead-lettered): a later redelivery starts afresh
    assert not guard.redis.exists(guard.prefix + "t1")
    tries = guard.start("t1")
    assert tries is not None and (tries.spent, tries.died) == (0, 0)


def test_redis_away_runs_uncounted() -> None:
    away = Deliveries.from_url(f"redis://127.0.0.1:{free_port()}/0", "everyside-test-away")
    assert away.start("t1") is None
    away.finished("t1")  # logged, never raised: bookkeeping must not fail the task
    away.forget("t1")


def test_reason() -> None:
    assert died_reason(3) == "worker died while processing it 3 times"
    assert died_reason(1) == "worker died while processing it 1 time"
