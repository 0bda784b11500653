"""A two-broker Apache Pulsar cluster (ZooKeeper, one bookie, two brokers: fixture
``cluster``): a partitioned topic whose partitions are owned by both brokers, a named
producer (deduplication on in the namespace) and a consumer on it; then one broker is killed
(SIGKILL) or stopped (SIGTERM) while messages are being sent.  Its partitions move to the
other broker, lookups follow, and afterwards: every send callback ran exactly once, every
message acknowledged Ok is on the topic and was received, and none is stored twice.

Each scenario reports its figures (sent, callbacks, lost, duplicates, time to recover) in the
"Apache Pulsar cluster" section of the terminal summary.
"""

from __future__ import annotations

import collections
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from fastpulsar_testing.cluster import ClusterBroker, PulsarCluster
from support.waiting import wait_until

import pulsar

# The first test of the module also starts the cluster (1-2 minutes on a loaded 2-core
# machine); a failover scenario takes up to ~2 minutes more, restarting a broker ~1.
pytestmark = [pytest.mark.cluster, pytest.mark.timeout(600)]

PARTITIONS = 8
SEND_BEFORE_FAULT_S = 3.0
SEND_AFTER_RECOVERY_S = 2.0
RECOVERY_DEADLINE_S = 120.0  # a watchdog, not a speed assertion
SEND_TIMEOUT_MS = 180_000  # longer than any recovery: a send may only fail if none happens
BURST = 20  # messages per burst, one burst every 10 ms: ~2,000 messages/s at most


def _new_namespace(cluster: PulsarCluster) -> str:
    namespace = f"public/cl-{uuid.uuid4().hex[:8]}"
    admin = cluster.admin()
    admin.create_namespace(namespace)  # defaultNumberOfNamespaceBundles: 8 bundles
    admin.set_namespace_deduplication(True, namespace)
    return namespace


def _partition(topic: str, index: int) -> str:
    return f"{topic}-partition-{index}"


def _owners(cluster: PulsarCluster, topic: str) -> dict[int, str]:
    """Each partition's owner (a ``pulsar://`` URL), asked alternately through each broker."""
    count = len(cluster.brokers)
    return {i: cluster.lookup(_partition(topic, i), via=i % count) for i in range(PARTITIONS)}


def _spread(cluster: PulsarCluster, namespace: str, topic: str) -> tuple[dict[int, str], int]:
    """Make both brokers own partitions of ``topic``; returns the owners and how many
    bundles had to be moved for it.

    The load manager spreads a namespace's bundles evenly, but it places a bundle with the
    load reports it has, which may lag: if every partition landed on one broker, the bundle
    of one partition is unloaded with ``destinationBroker`` the other (split first if all
    partitions share one bundle)."""
    owners = _owners(cluster, topic)
    moved = 0
    while len(set(owners.values())) < 2 and moved < 3:
        only = cluster.broker_by_url(next(iter(owners.values())))
        other = next(b for b in cluster.brokers if b is not only)
        bundles = {i: cluster.bundle_of(_partition(topic, i)) for i in range(PARTITIONS)}
        if len(set(bundles.values())) == 1:
            cluster.split_bundle(namespace, bundles[0])
            owners = _owners(cluster, topic)
            continue
        last = _partition(topic, PARTITIONS - 1)
        cluster.unload_bundle(namespace, bundles[PARTITIONS - 1], destination=other.index)
        moved += 1

        def moved_there(partition: str = last, broker: ClusterBroker = other) -> bool:
            return cluster.lookup(partition, via=broker.index) == broker.service_url

        assert wait_until(moved_there, timeout=60, interval=0.5), f"{last} not on {other.name}"
        owners = _owners(cluster, topic)
    return owners, moved


@dataclass
class Run:
    """What the sender and the receiver saw."""

    sent: int = 0
    callbacks: collections.Counter[int] = field(default_factory=collections.Counter)
    failed: dict[int, str] = field(default_factory=dict)
    acked: set[int] = field(default_factory=set)
    # partition -> times of its Ok callbacks
    ack_times: dict[int, list[float]] = field(default_factory=lambda: collections.defaultdict(list))
    received: collections.Counter[int] = field(default_factory=collections.Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def callback(self, index: int) -> Callable[[pulsar.Result, pulsar.MessageId], None]:
        def done(result: pulsar.Result, msg_id: pulsar.MessageId) -> None:
            now = time.monotonic()
            with self.lock:
                self.callbacks[index] += 1
                if result == pulsar.Result.Ok:
                    self.acked.add(index)
                    self.ack_times[msg_id.partition()].append(now)
                else:
                    self.failed[index] = str(result)

        return done

    def recovered_at(self, after: float) -> float | None:
        """When every partition had an Ok callback later than ``after`` (None: not yet)."""
        with self.lock:
            firsts = [
                min((t for t in self.ack_times.get(p, []) if t > after), default=None)
                for p in range(PARTITIONS)
            ]
        if any(t is None for t in firsts):
            return None
        return max(t for t in firsts if t is not None)


def _sender(producer: pulsar.Producer, run: Run, stop: threading.Event) -> None:
    index = 0
    while not stop.is_set():
        for _ in range(BURST):
            producer.send_async(str(index).encode(), run.callback(index))
            index += 1
            run.sent = index
        time.sleep(0.01)


def _receiver(consumer: pulsar.Consumer, run: Run, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            msg = consumer.receive(timeout_millis=200)
        except pulsar.Timeout:
            continue
        with run.lock:
            run.received[int(msg.data())] += 1
        consumer.acknowledge(msg)


def _stored(client: pulsar.Client, topic: str, subscription: str) -> collections.Counter[int]:
    """Every message stored on ``topic`` after ``subscription``'s start, read to the end."""
    stored: collections.Counter[int] = collections.Counter()
    consumer = client.subscribe(topic, subscription, receiver_queue_size=5000)
    try:
        while True:
            try:
                msg = consumer.receive(timeout_millis=5000)
            except pulsar.Timeout:
                return stored
            stored[int(msg.data())] += 1
            consumer.acknowledge(msg)
    finally:
        consumer.close()


def test_partitions_are_owned_by_both_brokers(cluster_up: PulsarCluster, cluster_report):
    cluster = cluster_up
    namespace = _new_namespace(cluster)
    topic = f"persistent://{namespace}/spread"
    cluster.admin().create_partitioned_topic(topic, PARTITIONS)
    owners, moved = _spread(cluster, namespace, topic)
    assert set(owners.values()) == {b.service_url for b in cluster.brokers}
    # Both brokers answer the same for every partition.
    for index in range(len(cluster.brokers)):
        assert {i: cluster.lookup(_partition(topic, i), via=index) for i in owners} == owners
    with pulsar.Client(cluster.service_url, operation_timeout_seconds=30) as client:
        producer = client.create_producer(topic, producer_name="cl-spread")
        consumer = client.subscribe(
            topic, "cl-spread", initial_position=pulsar.InitialPosition.Earliest
        )
        for i in range(PARTITIONS * 4):
            producer.send(str(i).encode())
        count = PARTITIONS * 4
        got = sorted(int(consumer.receive(timeout_millis=30000).data()) for _ in range(count))
        assert got == list(range(count))
    per_broker = collections.Counter(owners.values())
    cluster_report(
        f"spread: {dict(per_broker)} partitions per broker, {moved} bundle(s) moved to get there"
    )


@pytest.mark.parametrize("fault", ["kill", "stop"])
def test_broker_down_partitions_move_nothing_lost(cluster_up: PulsarCluster, cluster_report, fault):
    cluster = cluster_up
    namespace = _new_namespace(cluster)
    topic = f"persistent://{namespace}/orders"
    cluster.admin().create_partitioned_topic(topic, PARTITIONS)
    owners, _ = _spread(cluster, namespace, topic)
    victim = cluster.broker_by_url(owners[0])
    survivor = next(b for b in cluster.brokers if b is not victim)
    moving = sorted(i for i, url in owners.items() if url == victim.service_url)
    assert 0 < len(moving) < PARTITIONS

    run = Run()
    stop_sending, stop_receiving = threading.Event(), threading.Event()
    client = pulsar.Client(cluster.service_url, operation_timeout_seconds=30)
    try:
        # The audit subscription starts now and reads everything stored, at the end.
        client.subscribe(
            topic, "cl-audit", initial_position=pulsar.InitialPosition.Earliest
        ).close()
        consumer = client.subscribe(
            topic,
            "cl-live",
            consumer_type=pulsar.ConsumerType.Shared,
            initial_position=pulsar.InitialPosition.Earliest,
        )
        producer = client.create_producer(
            topic,
            producer_name=f"cl-{fault}",
            batching_enabled=True,
            block_if_queue_full=True,
            max_pending_messages=5000,
            send_timeout_millis=SEND_TIMEOUT_MS,
        )
        sender = threading.Thread(target=_sender, args=(producer, run, stop_sending))
        receiver = threading.Thread(target=_receiver, args=(consumer, run, stop_receiving))
        sender.start()
        receiver.start()
        try:
            time.sleep(SEND_BEFORE_FAULT_S)
            t_fault = time.monotonic()
            if fault == "kill":
                cluster.kill_broker(victim.index)
            else:
                cluster.stop_broker(victim.index)
            t_down = time.monotonic()
            assert wait_until(
                lambda: run.recovered_at(t_fault) is not None,
                timeout=RECOVERY_DEADLINE_S,
                interval=0.1,
            ), f"some partitions got no Ok send after the {fault}: {dict(run.ack_times).keys()}"
            time.sleep(SEND_AFTER_RECOVERY_S)
        finally:
            stop_sending.set()
            sender.join(60)
        assert not sender.is_alive(), "the sender is stuck in send_async"
        producer.flush()
        recovered = run.recovered_at(t_fault)
        assert recovered is not None

        # Lookups follow: the survivor owns every partition now.
        for i in range(PARTITIONS):
            assert cluster.lookup(_partition(topic, i), via=survivor.index) == survivor.service_url

        # Every callback exactly once; with a send timeout longer than the outage, all Ok.
        assert sum(run.callbacks.values()) == run.sent
        assert set(run.callbacks) == set(range(run.sent))
        assert [i for i, n in run.callbacks.items() if n != 1] == []
        assert run.failed == {}

        # The live consumer gets every acknowledged message (at least once).
        def all_received() -> bool:
            with run.lock:
                return run.acked <= set(run.received)

        assert wait_until(all_received, timeout=120, interval=0.2), (
            f"{len(run.acked - set(run.received))} acknowledged messages never received"
        )
        stop_receiving.set()
        receiver.join(30)
        consumer.close()
        producer.close()

        stored = _stored(client, topic, "cl-audit")
    finally:
        stop_sending.set()
        stop_receiving.set()
        client.close()

    lost = run.acked - set(stored)
    duplicates = sorted(i for i, n in stored.items() if n > 1)
    redelivered = sum(n - 1 for n in run.received.values() if n > 1)
    cluster_report(
        f"{fault} {victim.name} ({len(moving)}/{PARTITIONS} partitions): sent {run.sent}, "
        f"callbacks {sum(run.callbacks.values())} (failed {len(run.failed)}), "
        f"acknowledged-but-lost {len(lost)}, stored twice {len(duplicates)} (dedup on), "
        f"redelivered to the live consumer {redelivered}; broker down in "
        f"{t_down - t_fault:.1f} s, every partition writable again "
        f"{recovered - t_fault:.1f} s after the {fault}"
    )
    assert not lost, f"{len(lost)} messages acknowledged Ok are not on the topic"
    assert not duplicates, f"{len(duplicates)} messages stored twice despite deduplication"
    assert set(stored) <= set(range(run.sent))
