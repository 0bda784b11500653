"""Producer semantics that only a real broker can prove, on Apache Pulsar standalone.

pulsar-lite ignores delayed delivery, keeps no deduplication state and has no partitioned
topics or admin API: these tests run on Apache Pulsar (the ``standalone_broker`` fixture,
see conftest.py), set up through its admin REST API (support/pulsar_admin.py).  Timing bounds
are generous (a shared 2-core machine) but still tell a delayed message from an undelayed one.
"""

from __future__ import annotations

import datetime
import sys
import threading
import time
import uuid
from typing import Any

import pytest
from support.messages import EARLIEST, drain_unique, id_key, receive_unique
from support.topics import unique_topic
from support.waiting import wait_until

import pulsar

pytestmark = pytest.mark.standalone

SHARED = pulsar.ConsumerType.Shared

DELAY_S = 3.0
TOO_EARLY_S = 2.5  # a delayed message must not arrive before this (after its send)
LATE_S = 10.0  # ...and must arrive within DELAY_S + LATE_S


def iso_to_ms(text: str) -> int:
    """The broker's metadata times (Java ``Instant``, e.g. 2026-01-02T03:04:05.678Z) in ms."""
    parsed = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return round(parsed.timestamp() * 1000)


# --------------------------------------------------------------------------------------------
# Plain round trip: every field, no duplicates (unlike pulsar-lite, nothing to filter out)
# --------------------------------------------------------------------------------------------


def test_round_trip_every_field_exactly_once(sa_client, topic):
    consumer = sa_client.subscribe(topic, "s", initial_position=EARLIEST)
    producer = sa_client.create_producer(topic, producer_name="fields")
    before = int(time.time() * 1000)
    ids = [
        producer.send(b"plain"),
        producer.send(
            b"full",
            properties={"k": "v", "unicode-ключ": "✓"},
            partition_key="pk",
            ordering_key="ok",
            event_timestamp=1_700_000_000_123,
        ),
        producer.send(None, partition_key="tombstone"),
    ]
    after = int(time.time() * 1000)
    assert producer.last_sequence_id() == 2
    messages = [consumer.receive(timeout_millis=10000) for _ in ids]
    assert [m.message_id() for m in messages] == ids
    plain, full, null = messages
    assert plain.data() == b"plain"
    assert plain.properties() == {}
    assert plain.partition_key() == ""
    assert full.properties() == {"k": "v", "unicode-ключ": "✓"}
    assert (full.partition_key(), full.ordering_key()) == ("pk", "ok")
    assert full.event_timestamp() == 1_700_000_000_123
    assert null.has_null_value()
    assert null.data() == b""
    assert null.partition_key() == "tombstone"
    for m in messages:
        assert m.topic_name() == topic
        assert m.producer_name() == "fields"
        assert m.redelivery_count() == 0
        assert before - 5000 <= m.publish_timestamp() <= after + 5000
        assert m.message_id().partition() == -1  # not a partitioned topic
    with pytest.raises(pulsar.Timeout):
        consumer.receive(timeout_millis=1000)


# --------------------------------------------------------------------------------------------
# Delayed delivery (Shared subscription; the broker runs with
# isDelayedDeliveryDeliverAtTimeStrict=true, so never early)
# --------------------------------------------------------------------------------------------


def _send_delayed_then_now(producer, mode, **delay):
    if mode == "send":
        producer.send(b"delayed", **delay)
        producer.send(b"now")
    else:
        producer.send_async(b"delayed", lambda r, m: None, **delay)
        producer.send_async(b"now", lambda r, m: None)
        producer.flush()


def _assert_delayed(consumer, sent_at: float) -> None:
    # The undelayed message, sent after the delayed one, arrives first: the consumer is
    # live, so the delayed one is really held back by the broker.
    first = consumer.receive(timeout_millis=10000)
    assert first.data() == b"now"
    consumer.acknowledge(first)
    delayed = consumer.receive(timeout_millis=int((DELAY_S + LATE_S) * 1000))
    arrived = time.monotonic() - sent_at
    assert delayed.data() == b"delayed"
    assert TOO_EARLY_S <= arrived <= DELAY_S + LATE_S, f"arrived {arrived:.2f} s after the send"
    consumer.acknowledge(delayed)


@pytest.mark.parametrize("mode", ["send", "send_async", "send_async-batching"])
def test_deliver_after_delays_delivery(sa_client, topic, mode):
    consumer = sa_client.subscribe(topic, "s", consumer_type=SHARED)
    producer = sa_client.create_producer(topic, batching_enabled=mode.endswith("batching"))
    sent_at = time.monotonic()
    _send_delayed_then_now(
        producer, mode.split("-")[0], deliver_after=datetime.timedelta(seconds=DELAY_S)
    )
    _assert_delayed(consumer, sent_at)


@pytest.mark.parametrize("mode", ["send", "send_async"])
def test_deliver_at_delays_delivery(sa_client, admin, topic, mode):
    consumer = sa_client.subscribe(topic, "s", consumer_type=SHARED)
    producer = sa_client.create_producer(topic)
    sent_at = time.monotonic()
    deliver_at = int(time.time() * 1000) + int(DELAY_S * 1000)
    _send_delayed_then_now(producer, mode, deliver_at=deliver_at)
    # The exact time is carried in the message metadata.
    headers, payload = admin.peek(topic, "s", 1)
    assert payload == b"delayed"
    assert iso_to_ms(headers["X-Pulsar-deliver-at-time"][0]) == deliver_at
    _assert_delayed(consumer, sent_at)


# --------------------------------------------------------------------------------------------
# Deduplication
# --------------------------------------------------------------------------------------------


def _dedup_scenario(client, topic, consumer):
    producer = client.create_producer(topic, producer_name=f"dedup-{uuid.uuid4().hex[:6]}")
    name = producer.producer_name()
    for seq in range(5):
        producer.send(b"%d" % seq, sequence_id=seq)
    producer.close()

    again = client.create_producer(topic, producer_name=name)
    assert again.last_sequence_id() == 4  # the last sequence id the broker persisted
    duplicate = again.send(b"duplicate", sequence_id=3)
    # The broker acknowledges a duplicate without storing it: libpulsar reports the id -1:-1.
    assert (duplicate.ledger_id(), duplicate.entry_id()) == (-1, -1)
    new = again.send(b"new", sequence_id=5)
    assert new.ledger_id() >= 0
    assert again.last_sequence_id() == 5
    # Also a duplicate within one producer's lifetime.
    assert again.send(b"again", sequence_id=5).entry_id() == -1

    payloads = [m.data() for m in receive_unique(consumer, 6, ack=True)]
    assert payloads == [b"0", b"1", b"2", b"3", b"4", b"new"]
    with pytest.raises(pulsar.Timeout):
        consumer.receive(timeout_millis=2000)


def test_namespace_deduplication(sa_client, admin):
    namespace = f"public/dedup-{uuid.uuid4().hex[:8]}"
    admin.create_namespace(namespace)
    admin.set_namespace_deduplication(True, namespace)
    assert admin.namespace_deduplication(namespace) is True
    topic = f"persistent://{namespace}/t"
    consumer = sa_client.subscribe(topic, "s", initial_position=EARLIEST)
    _dedup_scenario(sa_client, topic, consumer)


def test_topic_deduplication(sa_client, admin, topic):
    consumer = sa_client.subscribe(topic, "s", initial_position=EARLIEST)  # creates the topic
    assert admin.topic_stats(topic)["deduplicationStatus"] == "Disabled"
    admin.set_topic_deduplication(topic, True)
    # Topic policies are applied asynchronously.
    assert wait_until(
        lambda: admin.topic_stats(topic)["deduplicationStatus"] == "Enabled", timeout=30
    ), admin.topic_stats(topic)
    _dedup_scenario(sa_client, topic, consumer)


def test_without_deduplication_resent_ids_are_stored(sa_client, topic):
    # The control case: the same steps on a namespace without deduplication.
    consumer = sa_client.subscribe(topic, "s", initial_position=EARLIEST)
    producer = sa_client.create_producer(topic, producer_name="no-dedup")
    for seq in range(3):
        producer.send(b"%d" % seq, sequence_id=seq)
    producer.close()
    again = sa_client.create_producer(topic, producer_name="no-dedup")
    assert again.last_sequence_id() == -1  # the broker keeps no sequence ids
    assert again.send(b"resent", sequence_id=1).entry_id() >= 0
    assert [m.data() for m in receive_unique(consumer, 4)] == [b"0", b"1", b"2", b"resent"]


# --------------------------------------------------------------------------------------------
# Partitioned topics (4 partitions, created through the admin API)
# --------------------------------------------------------------------------------------------

KEYS = [f"key-{i}" for i in range(8)]


def partition_of(topic_name: str) -> int:
    return int(topic_name.rsplit("-partition-", 1)[1])


def test_get_topic_partitions(sa_client, admin, partitioned_topic):
    assert admin.partitioned_metadata(partitioned_topic)["partitions"] == 4
    assert sa_client.get_topic_partitions(partitioned_topic) == [
        f"{partitioned_topic}-partition-{i}" for i in range(4)
    ]
    plain = unique_topic("not-partitioned")
    sa_client.create_producer(plain)
    assert sa_client.get_topic_partitions(plain) == [plain]


@pytest.mark.parametrize("batching", [False, True], ids=["no-batching", "batching"])
@pytest.mark.parametrize(
    "mode",
    [
        pulsar.PartitionsRoutingMode.RoundRobinDistribution,
        pulsar.PartitionsRoutingMode.UseSinglePartition,
    ],
    ids=["RoundRobinDistribution", "UseSinglePartition"],
)
def test_partition_key_routes_a_key_to_one_partition(sa_client, partitioned_topic, mode, batching):
    consumer = sa_client.subscribe(partitioned_topic, "s", initial_position=EARLIEST)
    producer = sa_client.create_producer(
        partitioned_topic, message_routing_mode=mode, batching_enabled=batching
    )
    sent = {}
    if batching:
        for i in range(40):
            payload = b"%d" % i

            def cb(res, msg_id, payload=payload):
                sent[payload] = msg_id if res == pulsar.Result.Ok else res

            producer.send_async(payload, cb, partition_key=KEYS[i % len(KEYS)])
        producer.flush()
    else:
        for i in range(40):
            sent[b"%d" % i] = producer.send(b"%d" % i, partition_key=KEYS[i % len(KEYS)])
    assert len(sent) == 40

    by_key: dict[str, set[int]] = {}
    for msg in receive_unique(consumer, 40):
        msg_id = msg.message_id()
        assert msg_id == sent[msg.data()]  # the id send() returned, partition included
        assert 0 <= msg_id.partition() < 4
        assert msg.topic_name() == f"{partitioned_topic}-partition-{msg_id.partition()}"
        assert partition_of(msg.topic_name()) == msg_id.partition()
        assert pulsar.MessageId.deserialize(msg_id.serialize()).partition() == msg_id.partition()
        by_key.setdefault(msg.partition_key(), set()).add(msg_id.partition())
    assert sorted(by_key) == sorted(KEYS)
    assert all(len(parts) == 1 for parts in by_key.values()), by_key
    # The keys are hashed, not all sent to one partition (the hash is deterministic).
    assert len(set().union(*by_key.values())) > 1, by_key


def test_round_robin_without_key_cycles_through_partitions(sa_client, partitioned_topic):
    producer = sa_client.create_producer(
        partitioned_topic,
        message_routing_mode=pulsar.PartitionsRoutingMode.RoundRobinDistribution,
        batching_enabled=False,
    )
    parts = [producer.send(b"%d" % i).partition() for i in range(12)]
    # Without batching: one message per partition in turn, from a random start.
    assert parts == [(parts[0] + i) % 4 for i in range(12)], parts


def test_use_single_partition_without_key(sa_client, partitioned_topic):
    consumer = sa_client.subscribe(partitioned_topic, "s", initial_position=EARLIEST)
    producer = sa_client.create_producer(
        partitioned_topic, message_routing_mode=pulsar.PartitionsRoutingMode.UseSinglePartition
    )
    parts = {producer.send(b"%d" % i).partition() for i in range(12)}
    assert len(parts) == 1, parts
    assert 0 <= next(iter(parts)) < 4, parts
    assert {m.message_id().partition() for m in receive_unique(consumer, 12)} == parts


def test_message_router_picks_the_partition(sa_client, partitioned_topic):
    calls = []

    def router(message, num_partitions):
        calls.append(
            (message.data(), message.partition_key(), message.properties(), num_partitions)
        )
        return int(message.properties()["to"])

    consumer = sa_client.subscribe(partitioned_topic, "s", initial_position=EARLIEST)
    producer = sa_client.create_producer(partitioned_topic, message_router=router)
    wanted = [3, 1, 1, 0, 2, 3, 0, 2]
    ids = [
        producer.send(b"%d" % i, properties={"to": str(p)}, partition_key="same-key")
        for i, p in enumerate(wanted)
    ]
    assert [i.partition() for i in ids] == wanted  # the router wins over the key's hash
    assert calls == [(b"%d" % i, "same-key", {"to": str(p)}, 4) for i, p in enumerate(wanted)]
    for msg in receive_unique(consumer, len(wanted)):
        index = int(msg.data())
        assert msg.message_id() == ids[index]
        assert partition_of(msg.topic_name()) == wanted[index]


@pytest.mark.parametrize("bad", ["raises", "out-of-range", "not-int"])
def test_message_router_error_is_reported_and_message_goes_to_partition_0(
    sa_client, partitioned_topic, monkeypatch, bad
):
    seen = []
    monkeypatch.setattr(sys, "unraisablehook", lambda unraisable: seen.append(unraisable))

    def router(message, num_partitions):
        if bad == "raises":
            raise RuntimeError("router failed")
        return num_partitions if bad == "out-of-range" else "1"

    producer = sa_client.create_producer(partitioned_topic, message_router=router)
    assert producer.send(b"x").partition() == 0
    assert wait_until(lambda: len(seen) >= 1, timeout=10)
    expected = {"raises": RuntimeError, "out-of-range": ValueError, "not-int": TypeError}[bad]
    assert isinstance(seen[0].exc_value, expected), seen[0].exc_value


# --------------------------------------------------------------------------------------------
# ordering_key on Key_Shared; replication metadata
# --------------------------------------------------------------------------------------------


def test_ordering_key_with_key_shared(sa_client, topic):
    first = sa_client.subscribe(topic, "ks", consumer_type=pulsar.ConsumerType.KeyShared)
    second = sa_client.subscribe(topic, "ks", consumer_type=pulsar.ConsumerType.KeyShared)
    producer = sa_client.create_producer(topic)
    ordering_keys = [f"ok-{i}" for i in range(10)]
    for i in range(100):
        # One partition key for all: Key_Shared must dispatch by the ordering key.
        producer.send(b"%d" % i, ordering_key=ordering_keys[i % 10], partition_key="same")
    got: dict[str, list[tuple[str, int]]] = {"first": [], "second": []}
    deadline = time.monotonic() + 60
    while len(got["first"]) + len(got["second"]) < 100 and time.monotonic() < deadline:
        for name, consumer in (("first", first), ("second", second)):
            try:
                msg = consumer.receive(timeout_millis=200)
            except pulsar.Timeout:
                continue
            consumer.acknowledge(msg)
            got[name].append((msg.ordering_key(), int(msg.data())))
    assert len(got["first"]) + len(got["second"]) == 100
    for consumer in (first, second):  # and nothing more
        assert drain_unique(consumer, idle_ms=500) == []
    keys = {name: {k for k, _ in pairs} for name, pairs in got.items()}
    assert keys["first"], keys  # both consumers got keys
    assert keys["second"], keys
    assert not keys["first"] & keys["second"], keys  # a key goes to one consumer only
    for pairs in got.values():
        for key in {k for k, _ in pairs}:
            values = [v for k, v in pairs if k == key]
            assert values == sorted(values)  # in order within a key


@pytest.mark.parametrize("mode", ["send", "send_async"])
def test_replication_clusters_and_disable_replication_are_carried(sa_client, admin, topic, mode):
    consumer = sa_client.subscribe(topic, "s", initial_position=EARLIEST)
    producer = sa_client.create_producer(topic)
    sends: list[tuple[bytes, dict[str, Any]]] = [
        (b"one", {"replication_clusters": ["standalone"]}),
        (b"two", {"replication_clusters": ["standalone", "elsewhere"]}),
        (b"local", {"disable_replication": True}),
        (b"default", {}),
    ]
    for payload, kwargs in sends:
        if mode == "send":
            producer.send(payload, **kwargs)
        else:
            producer.send_async(payload, lambda r, m: None, **kwargs)
    producer.flush()
    expected = [["standalone"], ["standalone", "elsewhere"], ["__local__"], None]
    for position, ((payload, _), replicate_to) in enumerate(zip(sends, expected), start=1):
        headers, body = admin.peek(topic, "s", position)
        assert body == payload
        assert headers.get("X-Pulsar-replicated-to") == replicate_to, headers
    assert [m.data() for m in receive_unique(consumer, 4)] == [p for p, _ in sends]


# --------------------------------------------------------------------------------------------
# Producer access modes
# --------------------------------------------------------------------------------------------


def test_exclusive_producer_rejects_other_producers(sa_client, topic):
    first = sa_client.create_producer(topic, access_mode=pulsar.ProducerAccessMode.Exclusive)
    with pytest.raises(pulsar.ProducerFenced):
        sa_client.create_producer(topic, access_mode=pulsar.ProducerAccessMode.Exclusive)
    with pytest.raises(pulsar.ProducerBusy):
        sa_client.create_producer(topic, access_mode=pulsar.ProducerAccessMode.Shared)
    assert first.send(b"still the owner").entry_id() >= 0


def test_exclusive_with_fencing_fences_the_first(sa_client, topic):
    consumer = sa_client.subscribe(topic, "s", initial_position=EARLIEST)
    first = sa_client.create_producer(topic, access_mode=pulsar.ProducerAccessMode.Exclusive)
    first.send(b"before")
    second = sa_client.create_producer(
        topic, access_mode=pulsar.ProducerAccessMode.ExclusiveWithFencing
    )
    second.send(b"new owner")
    with pytest.raises(pulsar.ProducerFenced):
        first.send(b"fenced")
    with pytest.raises(pulsar.ProducerFenced):
        sa_client.create_producer(topic, access_mode=pulsar.ProducerAccessMode.Exclusive)
    assert [m.data() for m in receive_unique(consumer, 2)] == [b"before", b"new owner"]
    with pytest.raises(pulsar.Timeout):
        consumer.receive(timeout_millis=1000)


def test_wait_for_exclusive_waits_for_the_owner_to_leave(standalone_broker, topic):
    client = pulsar.Client(standalone_broker.service_url, operation_timeout_seconds=60)
    try:
        owner = client.create_producer(topic, access_mode=pulsar.ProducerAccessMode.Exclusive)
        outcome: dict[str, Any] = {}

        def wait_for_it():
            try:
                outcome["producer"] = client.create_producer(
                    topic, access_mode=pulsar.ProducerAccessMode.WaitForExclusive
                )
            except Exception as exc:  # noqa: BLE001 - reported below
                outcome["error"] = exc
            outcome["at"] = time.monotonic()

        waiter = threading.Thread(target=wait_for_it)
        waiter.start()
        waiter.join(3)
        assert waiter.is_alive(), outcome  # still waiting
        assert not outcome, outcome
        owner.send(b"owner")
        closed_at = time.monotonic()
        owner.close()
        waiter.join(20)
        assert not waiter.is_alive(), "WaitForExclusive did not get the topic after the close"
        assert "producer" in outcome, outcome
        assert outcome["at"] - closed_at < 20
        assert outcome["producer"].send(b"next owner").entry_id() >= 0
    finally:
        client.close()


def test_wait_for_exclusive_gives_up_after_the_operation_timeout(standalone_broker, topic):
    client = pulsar.Client(standalone_broker.service_url, operation_timeout_seconds=3)
    try:
        owner = client.create_producer(topic, access_mode=pulsar.ProducerAccessMode.Exclusive)
        started = time.monotonic()
        with pytest.raises(pulsar.Timeout):
            client.create_producer(topic, access_mode=pulsar.ProducerAccessMode.WaitForExclusive)
        assert 2.5 <= time.monotonic() - started <= 20
        assert owner.send(b"still the owner").entry_id() >= 0
    finally:
        client.close()


# --------------------------------------------------------------------------------------------
# Chunking (the broker's maxMessageSize is 1024000)
# --------------------------------------------------------------------------------------------

BIG = bytes(range(256)) * (5 * 4096)  # 5 MiB


@pytest.mark.parametrize("mode", ["send", "send_async"])
def test_chunking_delivers_a_5_mb_message_whole(sa_client, topic, mode):
    consumer = sa_client.subscribe(topic, "s", initial_position=EARLIEST)
    producer = sa_client.create_producer(topic, chunking_enabled=True, batching_enabled=False)
    if mode == "send":
        sent_id = producer.send(BIG, properties={"chunked": "yes"}, partition_key="k")
    else:
        results = []
        producer.send_async(
            BIG,
            lambda r, m: results.append((r, m)),
            properties={"chunked": "yes"},
            partition_key="k",
        )
        producer.flush()
        assert [r for r, _ in results] == [pulsar.Result.Ok]
        sent_id = results[0][1]
    msg = consumer.receive(timeout_millis=60000)
    assert msg.data() == BIG
    assert msg.properties() == {"chunked": "yes"}
    assert msg.partition_key() == "k"
    assert msg.message_id() == sent_id
    consumer.acknowledge(msg)
    # Several entries were written for the one message.
    assert sent_id.entry_id() >= 4


@pytest.mark.parametrize("mode", ["send", "send_async"])
def test_without_chunking_a_5_mb_message_is_too_big(sa_client, topic, mode):
    consumer = sa_client.subscribe(topic, "s", initial_position=EARLIEST)
    producer = sa_client.create_producer(topic, batching_enabled=False)
    if mode == "send":
        with pytest.raises(pulsar.MessageTooBig):
            producer.send(BIG)
    else:
        results = []
        producer.send_async(BIG, lambda r, m: results.append(r))
        producer.flush()
        assert results == [pulsar.Result.MessageTooBig]
    producer.send(b"small")
    assert [m.data() for m in drain_unique(consumer)] == [b"small"]


# --------------------------------------------------------------------------------------------
# Batching: KeyBased groups messages by key; last_sequence_id after the flush
# --------------------------------------------------------------------------------------------


def _send_batch(producer, count, key_kwargs):
    results = []
    for i in range(count):
        producer.send_async(b"%d" % i, lambda r, m: results.append(r), **key_kwargs(i))
    producer.flush()
    assert results == [pulsar.Result.Ok] * count


def _entries(messages):
    """(ledger, entry) -> [(key, payload, batch_index)] in receive order."""
    entries: dict[tuple[int, int], list[tuple[str, int, int]]] = {}
    for m in messages:
        i = m.message_id()
        key = m.ordering_key() or m.partition_key()
        entries.setdefault((i.ledger_id(), i.entry_id()), []).append(
            (key, int(m.data()), i.batch_index())
        )
    return entries


@pytest.mark.parametrize("key_kind", ["partition_key", "ordering_key"])
def test_key_based_batching_groups_by_key(sa_client, topic, key_kind):
    consumer = sa_client.subscribe(topic, "s", initial_position=EARLIEST)
    producer = sa_client.create_producer(
        topic,
        batching_enabled=True,
        batching_type=pulsar.BatchingType.KeyBased,
        batching_max_publish_delay_ms=1000,
    )
    # Keys interleaved: k0, k1, k2, k0, ...  (the ordering key, when set, is the batch key)
    _send_batch(producer, 12, lambda i: {key_kind: f"k{i % 3}"})
    entries = _entries(receive_unique(consumer, 12))
    assert len(entries) == 3, entries  # one batch (one entry) per key
    for batch in entries.values():
        assert len({key for key, _, _ in batch}) == 1
        assert [index for _, _, index in batch] == [0, 1, 2, 3]
        payloads = [p for _, p, _ in batch]
        assert payloads == sorted(payloads)
        assert len({p % 3 for p in payloads}) == 1
    # libpulsar sends the key batches in order of their first sequence id (k0: 0,3,6,9;
    # k1: 1,4,7,10; k2: 2,5,8,11) and sets last_sequence_id from the last receipt as "first
    # id + messages - 1" = 2 + 4 - 1: 5, not 11.  pulsar-client 3.13.0 reports the same
    # (test_standalone_interop.py compares the two).
    assert producer.last_sequence_id() == 5


def test_key_based_batching_last_sequence_id_with_contiguous_keys(sa_client, topic):
    producer = sa_client.create_producer(
        topic,
        batching_enabled=True,
        batching_type=pulsar.BatchingType.KeyBased,
        batching_max_publish_delay_ms=1000,
    )
    assert producer.last_sequence_id() == -1
    _send_batch(producer, 12, lambda i: {"partition_key": f"k{i // 4}"})
    assert producer.last_sequence_id() == 11
    _send_batch(producer, 3, lambda i: {"partition_key": "later"})
    assert producer.last_sequence_id() == 14


def test_default_batching_puts_all_keys_in_one_batch(sa_client, topic):
    consumer = sa_client.subscribe(topic, "s", initial_position=EARLIEST)
    producer = sa_client.create_producer(
        topic, batching_enabled=True, batching_max_publish_delay_ms=1000
    )
    _send_batch(producer, 12, lambda i: {"partition_key": f"k{i % 3}"})
    assert producer.last_sequence_id() == 11
    messages = receive_unique(consumer, 12)
    assert len(_entries(messages)) == 1
    assert [int(m.data()) for m in messages] == list(range(12))
    assert [m.message_id().batch_index() for m in messages] == list(range(12))
    assert len({id_key(m.message_id()) for m in messages}) == 12
