"""Helpers for the pulsar.asyncio tests: running a coroutine with a deadline, waiting for a
condition on the loop, and receiving with pulsar-lite's duplicate deliveries dropped (see
support.messages for why the broker repeats entries)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import pulsar
import pulsar.asyncio
from support.messages import IdKey, id_key

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
    """``asyncio.run(coro)``, failing with asyncio.TimeoutError after ``timeout`` s."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def wait_for_condition(
    predicate: Callable[[], object], timeout: float = 20.0, interval: float = 0.01
) -> bool:
    """Check ``predicate`` on the loop every ``interval`` s until it is true (True) or
    ``timeout`` s passed (False)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(interval)
    return True


async def receive_unique(
    receive: Callable[[], Awaitable[pulsar.Message]],
    count: int,
    ack: Callable[[pulsar.Message], Awaitable[None]] | None = None,
) -> list[pulsar.Message]:
    """Call ``receive`` until ``count`` distinct message ids were seen; the first copies, in
    order. ``ack`` (e.g. consumer.acknowledge) is awaited for every delivery."""
    seen: set[IdKey] = set()
    out: list[pulsar.Message] = []
    deliveries = 0
    while len(out) < count:
        assert deliveries < 10 * count + 1000, "the broker keeps re-dispatching"
        msg = await receive()
        deliveries += 1
        if ack is not None:
            await ack(msg)
        key = id_key(msg.message_id())
        if key not in seen:
            seen.add(key)
            out.append(msg)
    return out


async def drain(
    receive: Callable[[int], Awaitable[pulsar.Message]], idle_ms: int = 1000
) -> list[pulsar.Message]:
    """Every message ``receive(timeout_millis)`` gives until none comes for ``idle_ms``
    (duplicates included: the callers check them)."""
    out: list[pulsar.Message] = []
    while True:
        try:
            out.append(await receive(idle_ms))
        except pulsar.Timeout:
            return out
