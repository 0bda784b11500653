"""pulsar.asyncio.Producer: pulsar-client 3.13's, over the sync producer's core."""

from __future__ import annotations

import asyncio
import datetime
from threading import get_ident
from typing import Any

from pulsar import _core
from pulsar import exceptions as _sync
from pulsar.asyncio._closing import AsyncClosing
from pulsar.asyncio._errors import async_error
from pulsar.asyncio._future import SendFuture
from pulsar.asyncio._loop import LoopBridge, bridge_of, complete


class Producer(AsyncClosing):
    """Publishes messages to a topic; made by `await Client.create_producer(...)`.

    `async with producer:` closes it.

    Args:
        producer: The sync producer's core (internal: use `Client.create_producer`).
        bridge: The event loop's bridge to the extension (internal).
    """

    def __init__(self, producer: _core.Producer, bridge: LoopBridge) -> None:
        self._producer = producer
        self._bridge = bridge

    def send(
        self,
        content: Any,
        properties: dict[str, str] | None = None,
        partition_key: str | None = None,
        ordering_key: str | None = None,
        sequence_id: int | None = None,
        replication_clusters: list[str] | None = None,
        disable_replication: bool | None = None,
        event_timestamp: int | None = None,
        deliver_at: int | None = None,
        deliver_after: datetime.timedelta | None = None,
    ) -> SendFuture:
        """Publish a message: `await producer.send(...)` gives its MessageId once the broker
        has persisted it. Same keyword arguments as pulsar.Producer.send.

        What it returns is an asyncio.Future that is a coroutine too (SendFuture): await it,
        gather it (no Task per send), or make a task of it. Cancelling it (or the task
        awaiting it) does not cancel the publish: the message may still be sent, and its
        outcome is then dropped.

        Args:
            content: The message: what the producer's schema encodes (bytes-like with
                `BytesSchema`, a str with `StringSchema`, a record, ...), or None for a
                null value.
            properties: Application properties of the message (str to str).
            partition_key: The message's key: it chooses the partition, and the key of
                `KeyShared` subscriptions and compaction.
            ordering_key: The key that orders the message in a `KeyShared` subscription
                (instead of `partition_key`).
            sequence_id: The message's sequence id (for deduplication); by default the
                next one.
            replication_clusters: The clusters to replicate this message to.
            disable_replication: Do not replicate this message.
            event_timestamp: The event's time, in milliseconds since the epoch.
            deliver_at: Deliver the message no sooner than this time, in milliseconds
                since the epoch (`Shared` subscriptions).
            deliver_after: Deliver the message no sooner than this delay, a
                `datetime.timedelta` (`Shared` subscriptions).

        Returns:
            A future resolving to the message's `pulsar.MessageId`.
        """
        bridge = self._bridge
        if bridge.by_thread_id:  # see LoopBridge: get_running_loop() without its getpid()
            here = bridge.loop._thread_id == get_ident()  # type: ignore[attr-defined]
        else:
            here = asyncio.get_running_loop() is bridge.loop
        if not here:
            bridge = self._bridge = bridge_of(asyncio.get_running_loop())
        try:
            # Every argument passed on, None for those not given (the extension skips them):
            # cheaper than testing each here.
            future = self._producer._send_future(
                bridge.sink,
                content,
                properties,
                partition_key,
                ordering_key,
                sequence_id,
                replication_clusters,
                False if disable_replication is None else bool(disable_replication),
                event_timestamp,
                deliver_at,
                deliver_after,
            )
        except _sync.PulsarException as error:
            failed = bridge.new_future()  # raised where 3.13's coroutine raises: at the await
            failed.set_exception(async_error(error))
            return failed
        sent: SendFuture = future
        return sent

    async def flush(self) -> None:
        """Send what is batched now; returns once the broker has acknowledged every message
        sent before the call (their send() awaits are settled first)."""
        await complete(self._producer._flush_async)

    async def close(self) -> None:
        """Close the producer after its pending messages; AlreadyClosed when closed."""
        await complete(self._producer._close_async)

    def topic(self) -> str:
        """The topic this producer publishes to."""
        return self._producer.topic()

    def producer_name(self) -> str:
        """The producer's name, given or made up by the broker."""
        return self._producer.producer_name()

    def last_sequence_id(self) -> int:
        """The sequence id of the last message the broker acknowledged (-1 when none)."""
        return self._producer.last_sequence_id()

    def is_connected(self) -> bool:
        """Whether the producer is connected to its broker now."""
        return self._producer.is_connected()

    def __repr__(self) -> str:
        return f"<pulsar.asyncio.Producer topic={self.topic()!r}>"
