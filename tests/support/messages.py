"""Receiving messages in tests, with the broker's duplicate deliveries dropped; and
publishing keyed messages one by one.

pulsar-lite 0.2.0 has a dispatch race that delivers the *same* entry (same message id,
redelivery count 0) several times when messages are published while a consumer is attached,
or when several flow permits arrive at once.  That is the broker's doing, not the client's,
so these helpers drop repeated deliveries of a message id.  Duplicates created by a client (a
message published twice) have distinct message ids and are still caught by comparing payloads.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pulsar

EARLIEST = pulsar.InitialPosition.Earliest
DEFAULT_RECEIVE_MS = 15000

IdKey = tuple[int, int, int, int]


def id_key(msg_id: pulsar.MessageId) -> IdKey:
    """A message id as a plain tuple (ledger, entry, partition, batch index)."""
    return (msg_id.ledger_id(), msg_id.entry_id(), msg_id.partition(), msg_id.batch_index())


def receive_unique(
    consumer: pulsar.Consumer,
    count: int,
    timeout_ms: int = DEFAULT_RECEIVE_MS,
    ack: bool = False,
    max_deliveries: int | None = None,
) -> list[pulsar.Message]:
    """Receive until ``count`` distinct message ids were seen; the first copies, in order.

    Raises ``pulsar.Timeout`` (from ``receive``) if one does not arrive within ``timeout_ms``,
    and AssertionError once ``max_deliveries`` (default: ``10 * count + 1000``) messages were
    received without reaching ``count`` distinct ones: pulsar-lite 0.2.0 re-dispatches
    entries it already sent, and a broker that does so without end must fail the test with
    this explanation rather than at the suite's timeout.
    """
    limit = 10 * count + 1000 if max_deliveries is None else max_deliveries
    seen: set[IdKey] = set()
    out: list[pulsar.Message] = []
    deliveries = 0
    while len(out) < count:
        if deliveries >= limit:
            raise AssertionError(
                f"{deliveries} deliveries but only {len(out)} of {count} distinct messages: "
                "the broker keeps re-dispatching what it already sent"
            )
        msg = consumer.receive(timeout_millis=timeout_ms)
        deliveries += 1
        if ack:
            consumer.acknowledge(msg)
        key = id_key(msg.message_id())
        if key in seen:
            continue
        seen.add(key)
        out.append(msg)
    return out


def drain_unique(
    consumer: pulsar.Consumer, idle_ms: int = 1000, ack: bool = False
) -> list[pulsar.Message]:
    """Receive until nothing arrives for ``idle_ms``; distinct message ids only, in order."""
    seen: set[IdKey] = set()
    out: list[pulsar.Message] = []
    while True:
        try:
            msg = consumer.receive(timeout_millis=idle_ms)
        except pulsar.Timeout:
            return out
        if ack:
            consumer.acknowledge(msg)
        key = id_key(msg.message_id())
        if key not in seen:
            seen.add(key)
            out.append(msg)


def assert_nothing_new(
    consumer: pulsar.Consumer, received: Iterable[pulsar.Message], idle_ms: int = 300
) -> None:
    """Receive until nothing arrives for ``idle_ms``; fail if anything arrived but repeated
    deliveries of the messages in ``received`` (the broker's, above)."""
    known = {id_key(m.message_id()) for m in received}
    new = [m for m in drain_unique(consumer, idle_ms) if id_key(m.message_id()) not in known]
    assert not new, f"{len(new)} more message(s) arrived: {[m.data() for m in new]}"


def receive_only(
    consumer: pulsar.Consumer, timeout_ms: int = DEFAULT_RECEIVE_MS, idle_ms: int = 300
) -> pulsar.Message:
    """The one message the topic should hold: the first to arrive within ``timeout_ms``,
    then ``assert_nothing_new`` for ``idle_ms``."""
    first = consumer.receive(timeout_millis=timeout_ms)
    assert_nothing_new(consumer, [first], idle_ms)
    return first


def sorted_by_id(messages: Iterable[pulsar.Message]) -> list[pulsar.Message]:
    return sorted(messages, key=lambda m: id_key(m.message_id()))


def publish_keyed(
    client: pulsar.Client, topic: str, items: Sequence[tuple[str, Any]], **producer_options: Any
) -> list[pulsar.MessageId]:
    """Send ``(partition key, value)`` pairs one by one with send(), without batching (unless
    ``producer_options`` say otherwise); a None value sends a null value (a tombstone).
    Their ids, in order."""
    producer = client.create_producer(topic, **{"batching_enabled": False, **producer_options})
    ids = [producer.send(value, partition_key=key) for key, value in items]
    producer.close()
    return ids
