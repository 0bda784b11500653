"""Ctrl-C during a blocking call raises pulsar.Interrupted, as pulsar-client 3.13 does, and
that exception is a KeyboardInterrupt too, so plain Python code stops as well.

The signal is sent to this (the main) thread while it waits; a message published a few
seconds later ends the wait if the signal did not, and the test then fails.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from support.interrupts import sigint_after

import pulsar

pytestmark = pytest.mark.skipif(
    threading.current_thread() is not threading.main_thread(),
    reason="SIGINT is delivered to the main thread only",
)


def expect_interrupted(call: Callable[[], Any], rescue: Callable[[], object]) -> None:
    with sigint_after(0.3, rescue) as when:
        with pytest.raises(pulsar.Interrupted) as info:
            call()
        raised = time.monotonic()
    assert isinstance(info.value, KeyboardInterrupt)
    assert isinstance(info.value, pulsar.PulsarException)
    assert str(info.value).startswith("Pulsar error: ")
    # Promptness: the waits check signals every 100 ms; 2 s leaves room for a loaded machine
    # and is far below the rescue message's 8 s.
    assert raised - when["sent"] < 2.0


@pytest.fixture
def rescue(client: pulsar.Client, topic: str) -> Callable[[], object]:
    def send() -> None:
        producer = client.create_producer(topic, batching_enabled=False)
        producer.send(b"rescue")
        producer.close()

    return send


@pytest.mark.parametrize("kind", ["receive", "receive-timeout", "batch_receive", "iterate"])
def test_consumer_wait_raises_interrupted(client, topic, rescue, kind):
    consumer = client.subscribe(
        topic,
        "s",
        batch_receive_policy=pulsar.ConsumerBatchReceivePolicy(10, -1, 600000),
    )
    calls: dict[str, Callable[[], Any]] = {
        "receive": consumer.receive,
        "receive-timeout": lambda: consumer.receive(timeout_millis=600000),
        "batch_receive": consumer.batch_receive,
        "iterate": lambda: next(iter(consumer)),
    }
    expect_interrupted(calls[kind], rescue)
    # The consumer still works after the interruption.
    rescue()
    assert consumer.receive(timeout_millis=10000).data() == b"rescue"


def test_reader_wait_raises_interrupted(client, topic, rescue):
    reader = client.create_reader(topic, pulsar.MessageId.latest)
    expect_interrupted(reader.read_next, rescue)


def test_a_handler_s_own_exception_passes_through(client, topic, rescue):
    """Only Python's default Ctrl-C becomes Interrupted: what a user's handler raises stays."""

    class Stop(Exception):
        pass

    def handler(signum: int, frame: object) -> None:
        raise Stop("from the handler")

    consumer = client.subscribe(topic, "s")
    with sigint_after(0.3, rescue, handler), pytest.raises(Stop, match="from the handler"):
        consumer.receive()
