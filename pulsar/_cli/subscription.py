"""The consumer of ``consume`` and ``perf consume``, from the subscription options.

Main thread. Without ``-s``, the subscription gets a new name and is removed (unsubscribed)
when the command ends, so that trying the command leaves no backlog on the broker behind.
"""

from __future__ import annotations

import argparse
import contextlib
import uuid
from collections.abc import Iterator

import pulsar
from pulsar._cli import connect

_TYPES = {
    "exclusive": pulsar.ConsumerType.Exclusive,
    "shared": pulsar.ConsumerType.Shared,
    "failover": pulsar.ConsumerType.Failover,
    "key_shared": pulsar.ConsumerType.KeyShared,
}
_POSITIONS = {
    "earliest": pulsar.InitialPosition.Earliest,
    "latest": pulsar.InitialPosition.Latest,
}


@contextlib.contextmanager
def subscribed(
    client: pulsar.Client, args: argparse.Namespace, receiver_queue_size: int = 1000
) -> Iterator[pulsar.Consumer]:
    """A consumer of ``args.topic``, closed (and its generated subscription removed) at the
    end of the block. Raises what subscribe raises."""
    name = args.subscription
    generated = name is None
    if generated:
        name = f"fastpulsar-cli-{uuid.uuid4().hex[:8]}"
        connect.note(f"subscription {name} (removed when the command ends; -s NAME keeps one)")
    consumer = client.subscribe(
        args.topic,
        name,
        consumer_type=_TYPES[args.subscription_type],
        initial_position=_POSITIONS[args.initial_position],
        receiver_queue_size=receiver_queue_size,
    )
    try:
        yield consumer
    finally:
        if generated:
            with contextlib.suppress(pulsar.PulsarException):
                consumer.unsubscribe()
        with contextlib.suppress(pulsar.AlreadyClosed):
            consumer.close()
