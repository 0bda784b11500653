"""A two-broker Apache Pulsar cluster (ZooKeeper, one bookie, two brokers: fixture
``cluster``): a partitioned topic whose partitions are owned by both brokers, a named
producer (deduplication on in the namespace) and a consumer on it; then one broker is killed
(SIGKILL) or stopped (SIGTERM) while messages are being sent.  Its partitions move to the
other broker, lookups follow, and afterwards: every send callback ran exactly once, every
message acknowledged Ok is on the topic and was received, and none is stored twice.

The scenario (fastpulsar_testing.cluster.scenario) also runs without deduplication (the
control: duplicates are only counted) and, for comparison, with pulsar-client 3.13 in its own
venv (marked ``interop``).  Each run reports its figures (sent, callbacks, lost, duplicates,
time to recover) in the "Apache Pulsar cluster" section of the terminal summary.
"""

from __future__ import annotations

import collections
import json
import subprocess
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastpulsar_testing.cluster import ClusterBroker, PulsarCluster, scenario
from fastpulsar_testing.official_venv import clean_env
from support.waiting import wait_until

import pulsar

# The first test of the module also starts the cluster (1-2 minutes on a loaded 2-core
# machine); a failover scenario takes up to ~2 minutes more, restarting a broker ~1.
pytestmark = [pytest.mark.cluster, pytest.mark.timeout(600)]

PARTITIONS = 8


def _new_namespace(cluster: PulsarCluster, dedup: bool = True) -> str:
    namespace = f"public/cl-{uuid.uuid4().hex[:8]}"
    admin = cluster.admin()
    admin.create_namespace(namespace)  # defaultNumberOfNamespaceBundles: 8 bundles
    admin.set_namespace_deduplication(dedup, namespace)
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

    The load manager is asked to spread a namespace's bundles evenly, but it does not
    always (seen: every partition on a broker just restarted, the least loaded): then the
    bundle of one partition is unloaded with ``destinationBroker`` the other broker (split
    first if all partitions share one bundle)."""
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


@pytest.mark.parametrize(
    ("fault", "dedup"),
    [("kill", True), ("stop", True), ("kill", False)],
    ids=["kill", "stop", "kill-no-dedup"],
)
def test_broker_down_partitions_move_nothing_lost(
    cluster_up: PulsarCluster, cluster_report, fault, dedup
):
    """Without deduplication (the control), a message may be stored twice (the producer
    re-sends what the killed broker persisted but did not confirm): only counted."""
    cluster = cluster_up
    namespace = _new_namespace(cluster, dedup)
    topic = f"persistent://{namespace}/orders"
    cluster.admin().create_partitioned_topic(topic, PARTITIONS)
    owners, _ = _spread(cluster, namespace, topic)
    victim = cluster.broker_by_url(owners[0])
    survivor = next(b for b in cluster.brokers if b is not victim)
    moving = sorted(i for i, url in owners.items() if url == victim.service_url)
    assert 0 < len(moving) < PARTITIONS

    def take_down() -> None:
        if fault == "kill":
            cluster.kill_broker(victim.index)
        else:
            cluster.stop_broker(victim.index)

    result = scenario.run_scenario(cluster.service_url, topic, f"cl-{fault}", PARTITIONS, take_down)
    _report(cluster_report, "fastpulsar", fault, dedup, victim.name, len(moving), result)
    _check(result, dedup)
    # Lookups follow: the survivor owns every partition now.
    for i in range(PARTITIONS):
        assert cluster.lookup(_partition(topic, i), via=survivor.index) == survivor.service_url


def _report(
    report: Callable[[str], None],
    client: str,
    fault: str,
    dedup: bool,
    victim: str,
    moving: int,
    result: dict[str, Any],
) -> None:
    recover = result["recover_s"]
    report(
        f"{client}, {fault} {victim} ({moving}/{PARTITIONS} partitions): sent {result['sent']}, "
        f"callbacks {result['callbacks']} (failed {result['failed']}), acknowledged-but-lost "
        f"{result['acked_lost']}, stored twice {result['stored_twice']} "
        f"(dedup {'on' if dedup else 'off'}), redelivered to the live consumer "
        f"{result['redelivered']}; broker down in {result['fault_s']:.1f} s, every partition "
        "writable again " + ("never" if recover is None else f"{recover:.1f} s after the {fault}")
    )


def _check(result: dict[str, Any], dedup: bool) -> None:
    assert not result["sender_stuck"], "the sender is stuck in send_async"
    assert result["recover_s"] is not None, "some partitions got no Ok send after the fault"
    # Every callback exactly once; with a send timeout longer than the outage, all Ok.
    assert result["callbacks"] == result["sent"]
    assert result["callbacks_not_once"] == []
    assert result["failed"] == 0
    assert result["received_all"], "acknowledged messages never reached the live consumer"
    assert result["acked_lost"] == 0, "messages acknowledged Ok are not on the topic"
    assert result["stored_unknown"] == 0
    if dedup:
        assert result["stored_twice"] == 0, "messages stored twice despite deduplication"


@pytest.mark.interop
def test_official_client_same_scenario_for_comparison(
    cluster_up: PulsarCluster, cluster_report, official_python, tmp_path
):
    """The kill scenario (deduplication on) with pulsar-client 3.13, the same script in its
    own venv, for the reliability table; the same checks as fastpulsar's."""
    cluster = cluster_up
    namespace = _new_namespace(cluster, True)
    topic = f"persistent://{namespace}/orders"
    cluster.admin().create_partitioned_topic(topic, PARTITIONS)
    owners, _ = _spread(cluster, namespace, topic)
    victim = cluster.broker_by_url(owners[0])
    moving = sum(1 for url in owners.values() if url == victim.service_url)
    command = [str(official_python), scenario.__file__, cluster.service_url, topic, "cl-official"]
    stderr_path = tmp_path / "official.stderr"
    result: dict[str, Any] | None = None
    with open(stderr_path, "wb") as stderr:
        proc = subprocess.Popen(
            [*command, str(PARTITIONS)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=clean_env(),
        )
        with proc:  # closes the pipes and waits for the process
            assert proc.stdin is not None
            assert proc.stdout is not None
            try:
                for line in proc.stdout:
                    if line.startswith("FAULT"):
                        cluster.kill_broker(victim.index)
                        proc.stdin.write("down\n")
                        proc.stdin.flush()
                    elif line.startswith("RESULT "):
                        result = json.loads(line[len("RESULT ") :])
                proc.wait(60)
            finally:
                if proc.poll() is None:
                    proc.kill()
    tail = stderr_path.read_bytes()[-3000:].decode(errors="replace")
    assert result is not None, (
        f"no result from pulsar-client 3.13 (exit {proc.returncode}):\n{tail}"
    )
    _report(cluster_report, "pulsar-client 3.13", "kill", True, victim.name, moving, result)
    _check(result, True)
