"""Cluster failover on two pulsar-lite brokers of the test's own: libpulsar's
AutoClusterFailover moves a producer and a consumer to the secondary when the primary
stops, and back when it returns; a Python ServiceInfoProvider switches through its
callback; `Client.get_service_info()` follows."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Callable

import pytest
from fastpulsar_testing.lite import PulsarLite
from fastpulsar_testing.ports import free_port
from fixtures.lite import start_pulsar_lite
from support.topics import unique_topic
from support.waiting import wait_until

import pulsar

# Probes every 200 ms; one failed probe switches, one good probe of the primary switches back.
CHECK_INTERVAL_MS = 200
SWITCH_TIMEOUT_S = 20.0


@pytest.fixture
def two_brokers(tmp_path: Path) -> Iterator[tuple[PulsarLite, PulsarLite]]:
    """A primary and a secondary pulsar-lite, both stopped after the test."""
    primary = start_pulsar_lite(tmp_path / "primary", PulsarLite)
    try:
        secondary = start_pulsar_lite(tmp_path / "secondary", PulsarLite)
        try:
            yield primary, secondary
        finally:
            secondary.stop()
    finally:
        primary.stop()
    for instance in (primary, secondary):
        assert instance.process is None  # nothing left behind


def _service_url(client: pulsar.Client) -> str:
    return client.get_service_info().service_url


def _send_until_sent(producer: pulsar.Producer, payload: bytes, timeout: float) -> None:
    """Send, retrying while the producer reconnects to the new cluster."""
    errors: list[Exception] = []

    def attempt() -> bool:
        try:
            producer.send(payload)
            return True
        except pulsar.PulsarException as exc:
            errors.append(exc)
            return False

    assert wait_until(attempt, timeout=timeout, interval=0.2), f"never sent: {errors[-3:]}"


def _receive(consumer: pulsar.Consumer, timeout_ms: int = 20000) -> bytes:
    msg = consumer.receive(timeout_millis=timeout_ms)
    consumer.acknowledge(msg)
    return msg.data()


def _receive_until(consumer: pulsar.Consumer, expected: bytes, earlier: set[bytes]) -> None:
    """Receive until `expected`; before it, only redeliveries of `earlier` messages (an
    acknowledgment still unsent when a broker stopped is redelivered: at least once)."""
    while True:
        data = _receive(consumer)
        if data == expected:
            return
        assert data in earlier, f"unexpected {data!r} before {expected!r}"


def _read_all(service_url: str, topic: str) -> list[bytes]:
    """What `topic` holds on one broker, read by a client of that broker only."""
    with pulsar.Client(service_url) as reader_client:
        reader = reader_client.create_reader(topic, pulsar.MessageId.earliest)
        out = []
        while reader.has_message_available():
            out.append(reader.read_next(timeout_millis=10000).data())
        reader.close()
        return out


def test_auto_cluster_failover_moves_to_the_secondary_and_back(two_brokers):
    primary, secondary = two_brokers
    primary_port = primary.port
    failover = pulsar.AutoClusterFailover(
        pulsar.ServiceInfo(primary.service_url),
        [pulsar.ServiceInfo(secondary.service_url)],
        check_interval_ms=CHECK_INTERVAL_MS,
        failover_threshold=1,
        switch_back_threshold=1,
    )
    topic = unique_topic("failover")
    client = pulsar.Client(failover, operation_timeout_seconds=10, connection_timeout_ms=1000)
    try:
        assert _service_url(client) == primary.service_url
        producer = client.create_producer(topic, batching_enabled=False, send_timeout_millis=5000)
        consumer = client.subscribe(
            topic, "failover-sub", initial_position=pulsar.InitialPosition.Earliest
        )
        producer.send(b"on-primary")
        assert _receive(consumer) == b"on-primary"

        primary.stop()
        assert wait_until(
            lambda: _service_url(client) == secondary.service_url, timeout=SWITCH_TIMEOUT_S
        ), "the client did not fail over to the secondary"
        _send_until_sent(producer, b"on-secondary", timeout=SWITCH_TIMEOUT_S)
        _receive_until(consumer, b"on-secondary", earlier=set())
        assert _read_all(secondary.service_url, topic) == [b"on-secondary"]

        primary.start(port=primary_port)  # same port, same data
        assert wait_until(
            lambda: _service_url(client) == primary.service_url, timeout=SWITCH_TIMEOUT_S
        ), "the client did not switch back to the primary"
        _send_until_sent(producer, b"back-on-primary", timeout=SWITCH_TIMEOUT_S)
        _receive_until(consumer, b"back-on-primary", earlier={b"on-primary"})
        assert _read_all(primary.service_url, topic) == [b"on-primary", b"back-on-primary"]
    finally:
        client.close()


def test_auto_cluster_failover_skips_an_unreachable_secondary(two_brokers):
    primary, secondary = two_brokers
    dead = f"pulsar://127.0.0.1:{free_port()}"  # nothing listens there
    failover = pulsar.AutoClusterFailover(
        pulsar.ServiceInfo(primary.service_url),
        [pulsar.ServiceInfo(dead), pulsar.ServiceInfo(secondary.service_url)],
        check_interval_ms=CHECK_INTERVAL_MS,
    )
    client = pulsar.Client(failover, operation_timeout_seconds=10)
    try:
        primary.stop()
        assert wait_until(
            lambda: _service_url(client) == secondary.service_url, timeout=SWITCH_TIMEOUT_S
        ), f"stayed on {_service_url(client)}"
        topic = unique_topic("failover-skip")
        producer = client.create_producer(topic)
        producer.send(b"x")
        assert _read_all(secondary.service_url, topic) == [b"x"]
    finally:
        client.close()


class SwitchingProvider(pulsar.ServiceInfoProvider):
    """Starts on `first`; `switch_to(url)` moves its client through the callback."""

    def __init__(self, first: str) -> None:
        self.first = first
        self.update: Callable[[pulsar.ServiceInfo], None] | None = None
        self.closed = False

    def initial_service_info(self) -> pulsar.ServiceInfo:
        return pulsar.ServiceInfo(self.first)

    def initialize(self, on_service_info_update: Callable[[pulsar.ServiceInfo], None]) -> None:
        self.update = on_service_info_update

    def switch_to(self, url: str) -> None:
        assert self.update is not None
        self.update(pulsar.ServiceInfo(url))

    def close(self) -> None:
        self.closed = True


def test_service_info_provider_switches_clusters_through_its_callback(two_brokers):
    primary, secondary = two_brokers
    provider = SwitchingProvider(primary.service_url)
    topic = unique_topic("provider")
    client = pulsar.Client(provider, operation_timeout_seconds=10)
    try:
        producer = client.create_producer(topic, batching_enabled=False, send_timeout_millis=5000)
        producer.send(b"first")
        assert _read_all(primary.service_url, topic) == [b"first"]

        provider.switch_to(secondary.service_url)  # both brokers up: a switch by choice
        assert _service_url(client) == secondary.service_url
        _send_until_sent(producer, b"second", timeout=SWITCH_TIMEOUT_S)
        assert _read_all(secondary.service_url, topic) == [b"second"]
        assert _read_all(primary.service_url, topic) == [b"first"]

        # A consumer made now subscribes on the secondary.
        consumer = client.subscribe(
            topic, f"sub-{uuid.uuid4().hex[:8]}", initial_position=pulsar.InitialPosition.Earliest
        )
        assert _receive(consumer) == b"second"
    finally:
        client.close()
    assert provider.closed
    # After close the callback does nothing (and does not raise).
    provider.switch_to(primary.service_url)


def test_provider_switch_while_the_primary_is_down(two_brokers):
    primary, secondary = two_brokers
    provider = SwitchingProvider(primary.service_url)
    topic = unique_topic("provider-down")
    client = pulsar.Client(provider, operation_timeout_seconds=10)
    try:
        consumer = client.subscribe(topic, "sub", initial_position=pulsar.InitialPosition.Earliest)
        producer = client.create_producer(topic, batching_enabled=False, send_timeout_millis=3000)
        primary.stop()
        with contextlib.suppress(pulsar.PulsarException):
            producer.send(b"lost-or-not")  # the primary is gone: fails (or not yet noticed)
        provider.switch_to(secondary.service_url)
        _send_until_sent(producer, b"after-switch", timeout=SWITCH_TIMEOUT_S)
        _receive_until(consumer, b"after-switch", earlier={b"lost-or-not"})
    finally:
        client.close()
