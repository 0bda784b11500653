"""Scenarios of errors that pulsar-client 3.13 raises at a given moment, run by fastpulsar and
by pulsar-client 3.13 (each in its own interpreter, this file as the script) so that the
tests can compare the outcomes.

Arguments: the scenario's name, the service URL. Prints one line ``PEER-RESULT <json>``: a
list of ``[step, outcome]`` pairs, where an outcome is ``"ok"``, ``"ok:<repr>"`` for a
returned value that matters, or the exception's class name (``"<module>.<name>"`` for a
class outside pulsar's, e.g. ``"builtins.ValueError"``), with ``"+slow"`` appended when an
operation took longer than half its operation timeout.  Imports nothing but pulsar and the
standard library.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import threading
import time
import uuid
from typing import Any, Callable

import pulsar

OPERATION_TIMEOUT_S = 20
Outcome = list[Any]


def name_of(exc: BaseException) -> str:
    cls = type(exc)
    if cls.__module__.startswith(("pulsar", "_pulsar")):
        return cls.__name__
    return f"{cls.__module__}.{cls.__name__}"


def step(results: list[Outcome], label: str, call: Callable[[], Any], value: bool = False) -> Any:
    started = time.monotonic()
    outcome: str
    returned = None
    try:
        returned = call()
        outcome = f"ok:{returned!r}" if value else "ok"
    except Exception as exc:  # noqa: BLE001 - the class is the outcome
        outcome = name_of(exc)
    if time.monotonic() - started > OPERATION_TIMEOUT_S / 2:
        outcome += "+slow"
    results.append([label, outcome])
    return returned


async def astep(results: list[Outcome], label: str, make: Callable[[], Any]) -> Any:
    started = time.monotonic()
    returned = None
    try:
        returned = await make()
        outcome = "ok"
    except Exception as exc:  # noqa: BLE001 - the class is the outcome
        # pulsar.asyncio raises its own PulsarException: its error() names the result.
        error = getattr(exc, "error", None)
        outcome = name_of(exc)
        if callable(error):
            outcome = f"asyncio:{error().name}"
    if time.monotonic() - started > OPERATION_TIMEOUT_S / 2:
        outcome += "+slow"
    results.append([label, outcome])
    return returned


def topic() -> str:
    return f"errors-peer-{uuid.uuid4().hex}"


def missing_plugin(url: str, results: list[Outcome]) -> None:
    auth = pulsar.Authentication("someoldjunk.so", "blah")
    client = step(
        results,
        "Client",
        lambda: pulsar.Client(
            url, authentication=auth, operation_timeout_seconds=OPERATION_TIMEOUT_S
        ),
    )
    step(results, "create_producer", lambda: client.create_producer(topic()))
    step(results, "subscribe", lambda: client.subscribe(topic(), "s"))
    step(results, "create_reader", lambda: client.create_reader(topic(), pulsar.MessageId.earliest))
    step(results, "close", client.close)


def failing_supplier(url: str, results: list[Outcome]) -> None:
    sys.unraisablehook = lambda unraisable: None  # fastpulsar reports each failure there

    def supplier() -> str:
        raise RuntimeError("the token supplier is broken")

    client = pulsar.Client(
        url,
        authentication=pulsar.AuthenticationToken(supplier),
        operation_timeout_seconds=OPERATION_TIMEOUT_S,
    )
    step(results, "create_producer", lambda: client.create_producer(topic()))
    step(results, "subscribe", lambda: client.subscribe(topic(), "s"))
    step(
        results,
        "subscribe pattern",
        lambda: client.subscribe(re.compile("persistent://public/default/errors-peer-.*"), "s"),
    )
    step(results, "create_reader", lambda: client.create_reader(topic(), pulsar.MessageId.earliest))
    step(results, "close", client.close)

    async def in_asyncio() -> None:
        from pulsar.asyncio import Client as AsyncClient

        aclient = AsyncClient(
            url,
            authentication=pulsar.AuthenticationToken(supplier),
            operation_timeout_seconds=OPERATION_TIMEOUT_S,
        )
        await astep(results, "asyncio create_producer", lambda: aclient.create_producer(topic()))
        await astep(results, "asyncio subscribe", lambda: aclient.subscribe(topic(), "s"))
        await astep(results, "asyncio close", aclient.close)

    asyncio.run(in_asyncio())


def after_shutdown(url: str, results: list[Outcome]) -> None:
    client = pulsar.Client(url, operation_timeout_seconds=OPERATION_TIMEOUT_S)
    name = topic()
    producer = client.create_producer(name)
    consumer = client.subscribe(name, "s")
    reader = client.create_reader(name, pulsar.MessageId.earliest)
    producer.send(b"one")
    message = consumer.receive(OPERATION_TIMEOUT_S * 1000)
    step(results, "shutdown", client.shutdown)
    step(results, "producer.send", lambda: producer.send(b"x"))
    step(results, "producer.flush", producer.flush)
    step(results, "producer.close", producer.close)
    step(results, "consumer.receive", lambda: consumer.receive(100))
    step(results, "consumer.acknowledge", lambda: consumer.acknowledge(message))
    step(results, "consumer.negative_acknowledge", lambda: consumer.negative_acknowledge(message))
    step(results, "consumer.redeliver", consumer.redeliver_unacknowledged_messages)
    step(results, "consumer.seek", lambda: consumer.seek(pulsar.MessageId.earliest))
    step(results, "consumer.unsubscribe", consumer.unsubscribe)
    step(results, "consumer.close", consumer.close)
    step(results, "reader.read_next", lambda: reader.read_next(100))
    step(results, "reader.close", reader.close)
    step(results, "create_producer", lambda: client.create_producer(name))
    step(results, "subscribe", lambda: client.subscribe(name, "s2"))
    step(results, "close", client.close)
    step(results, "close again", client.close)
    step(results, "shutdown again", client.shutdown)

    async def in_asyncio() -> None:
        from pulsar.asyncio import Client as AsyncClient

        aclient = AsyncClient(url, operation_timeout_seconds=OPERATION_TIMEOUT_S)
        aproducer = await aclient.create_producer(name)
        aconsumer = await aclient.subscribe(name, "s3")
        aclient.shutdown()
        await astep(results, "asyncio producer.send", lambda: aproducer.send(b"x"))
        await astep(results, "asyncio consumer.receive", aconsumer.receive)
        await astep(results, "asyncio consumer.close", aconsumer.close)
        await astep(results, "asyncio create_producer", lambda: aclient.create_producer(name))
        await astep(results, "asyncio close", aclient.close)
        await astep(results, "asyncio close again", aclient.close)

    asyncio.run(in_asyncio())


def bad_urls(url: str, results: list[Outcome]) -> None:
    for bad in ("localhost", "", "bogus://x", "pulsar://host:notaport"):

        def make(bad: str = bad) -> None:
            try:
                pulsar.Client(bad)
            except ValueError as exc:
                results.append([f"message {bad!r}", str(exc)])
                raise

        step(results, f"Client({bad!r})", make)
    step(results, "ServiceInfo('localhost')", lambda: pulsar.ServiceInfo("localhost"))
    client = pulsar.Client(url)
    step(
        results,
        "batching and chunking",
        lambda: client.create_producer(topic(), batching_enabled=True, chunking_enabled=True),
    )
    client.close()


def send_async_after_close(url: str, results: list[Outcome]) -> None:
    """send_async of a closed producer (closed itself, or by its client's close): what it
    raises, and what its callback gets (waited for: it must come, once)."""

    def send_async(label: str, producer: Any) -> None:
        called: list[str] = []
        done = threading.Event()

        def callback(result: Any, message_id: Any) -> None:
            called.append(str(result))
            done.set()

        step(results, label, lambda: producer.send_async(b"late", callback))
        done.wait(OPERATION_TIMEOUT_S)
        results.append([f"{label} callback", called])

    client = pulsar.Client(url, operation_timeout_seconds=OPERATION_TIMEOUT_S)
    producer = client.create_producer(topic())
    producer.close()
    send_async("send_async after producer.close", producer)
    other = client.create_producer(topic())
    client.close()
    send_async("send_async after client.close", other)


SCENARIOS: dict[str, Callable[[str, list[Outcome]], None]] = {
    "missing-plugin": missing_plugin,
    "failing-supplier": failing_supplier,
    "after-shutdown": after_shutdown,
    "bad-urls": bad_urls,
    "send-async-after-close": send_async_after_close,
}


def main() -> None:
    scenario, url = sys.argv[1:3]
    results: list[Outcome] = []
    SCENARIOS[scenario](url, results)
    print("PEER-RESULT " + json.dumps(results), flush=True)
    # Not through the interpreter's exit: pulsar-client 3.13 sometimes crashes there
    # (SIGSEGV) after a shutdown() of a pulsar.asyncio client.
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
