"""libpulsar's AutoClusterFailover between two Apache Pulsar standalone brokers of the
test's own (not the session's `standalone_broker`, which other tests keep using): when the
primary stops, the client's producer and consumer carry on on the secondary. Both brokers
are stopped at the end, and no process is left behind."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastpulsar_testing import standalone
from support.topics import unique_topic
from support.waiting import wait_until

import pulsar

pytestmark = pytest.mark.standalone

SWITCH_TIMEOUT_S = 30.0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def two_standalones(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[standalone.StandaloneBroker, standalone.StandaloneBroker]]:
    version = request.config.getoption("standalone_version")
    source = request.config.getoption("standalone_source")
    brokers = [
        standalone.StandaloneBroker(version, source=source, work_dir=tmp_path / name)
        for name in ("primary", "secondary")
    ]
    pids: list[int] = []
    try:
        for broker in brokers:
            try:
                broker.start()
            except standalone.StandaloneError as exc:
                pytest.fail(f"Apache Pulsar standalone could not be started: {exc}", pytrace=False)
            assert broker.pid is not None
            pids.append(broker.pid)
        yield brokers[0], brokers[1]
    finally:
        for broker in brokers:
            broker.stop()
    left = [pid for pid in pids if _alive(pid)]
    assert not left, f"broker processes left behind: {left}"


def test_auto_cluster_failover_between_two_standalone_brokers(two_standalones):
    primary, secondary = two_standalones
    failover = pulsar.AutoClusterFailover(
        pulsar.ServiceInfo(primary.service_url),
        [pulsar.ServiceInfo(secondary.service_url)],
        check_interval_ms=500,
        failover_threshold=1,
        switch_back_threshold=1,
    )
    topic = unique_topic("sa-failover")
    client = pulsar.Client(failover, operation_timeout_seconds=15, connection_timeout_ms=2000)
    try:
        assert client.get_service_info().service_url == primary.service_url
        producer = client.create_producer(topic, batching_enabled=False, send_timeout_millis=5000)
        consumer = client.subscribe(
            topic, "sa-failover-sub", initial_position=pulsar.InitialPosition.Earliest
        )
        producer.send(b"on-primary")
        msg = consumer.receive(timeout_millis=15000)
        assert msg.data() == b"on-primary"
        consumer.acknowledge(msg)

        primary.stop()
        assert wait_until(
            lambda: client.get_service_info().service_url == secondary.service_url,
            timeout=SWITCH_TIMEOUT_S,
            interval=0.2,
        ), "the client did not fail over to the secondary"

        errors: list[Exception] = []

        def send() -> bool:
            try:
                producer.send(b"on-secondary")
                return True
            except pulsar.PulsarException as exc:
                errors.append(exc)
                return False

        assert wait_until(send, timeout=SWITCH_TIMEOUT_S, interval=0.5), errors[-3:]
        msg = consumer.receive(timeout_millis=20000)
        assert msg.data() == b"on-secondary"
        consumer.acknowledge(msg)
        # On the secondary cluster indeed: its admin API counts the message and the
        # subscription there.
        stats = secondary.admin().topic_stats(topic)
        assert stats["msgInCounter"] >= 1
        assert "sa-failover-sub" in stats["subscriptions"]
    finally:
        client.close()
