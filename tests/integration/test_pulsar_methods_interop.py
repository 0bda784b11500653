"""The methods of pulsar-client 3.13's _pulsar classes, as published code calls them on the
objects of a normal pulsar.Client: one program, written for 3.13, runs unchanged under both
clients with the same outcome. In 3.13 `create_producer(...)._producer` is the
`_pulsar.Producer` (likewise `_consumer`, `_reader`); in fastpulsar the object is itself, so
the program takes `getattr(obj, "_producer", obj)`."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
from fastpulsar_testing.official_venv import clean_env
from support.children import child_env, run_program

pytestmark = [pytest.mark.interop, pytest.mark.timeout(600)]

RESULT = "METHODS-RESULT "

PROGRAM = textwrap.dedent(
    """
    import json, os, sys, threading
    import pulsar

    from _pulsar import MessageBuilder

    url, topic = sys.argv[1:3]
    client = pulsar.Client(url)
    producer = client.create_producer(topic, batching_enabled=False)
    consumer = client.subscribe(
        topic, "s", initial_position=pulsar.InitialPosition.Earliest
    )
    raw_producer = getattr(producer, "_producer", producer)
    raw_consumer = getattr(consumer, "_consumer", consumer)

    def waiter():
        done = threading.Event()
        box = []
        def callback(*args):
            box.append(args)
            done.set()
        def wait():
            assert done.wait(30), "no callback"
            return box[0]
        return callback, wait

    out = {}
    built = (
        MessageBuilder()
        .content(b"built")
        .property("k", "v")
        .partition_key("pk")
        .event_timestamp(1700000000000)
        .build()
    )
    out["length"] = built.length()
    raw_producer.send(built)
    callback, wait = waiter()
    raw_producer.send_async(MessageBuilder().content("second").build(), callback)
    result, msg_id = wait()
    out["send_async"] = [result.name, type(msg_id).__name__ != "NoneType"]
    callback, wait = waiter()
    raw_producer.flush_async(callback)
    out["flush_async"] = [r.name for r in wait()]

    callback, wait = waiter()
    raw_consumer.receive_async(callback)
    result, message = wait()
    out["receive_async"] = [result.name, message.data().decode(), message.properties(),
                            message.partition_key(), message.event_timestamp()]
    second = raw_consumer.receive(10000)
    out["second"] = second.data().decode()
    for name, target in [("acknowledge_async", message), ("acknowledge_cumulative_async", second)]:
        callback, wait = waiter()
        getattr(raw_consumer, name)(target, callback)
        out[name] = [r.name for r in wait()]
    callback, wait = waiter()
    raw_consumer.get_last_message_id_async(callback)
    result, last = wait()
    out["get_last_message_id_async"] = [result.name, last.entry_id() >= 1]
    callback, wait = waiter()
    raw_consumer.close_async(callback)
    out["consumer_close_async"] = [r.name for r in wait()]
    callback, wait = waiter()
    raw_producer.close_async(callback)
    out["close_async"] = [r.name for r in wait()]
    callback, wait = waiter()
    raw_producer.flush_async(callback)
    out["flush_after_close"] = [r.name for r in wait()]
    client.close()
    print("METHODS-RESULT " + json.dumps(out), flush=True)
    """
)

EXPECTED = {
    "length": 5,
    "send_async": ["Ok", True],
    "flush_async": ["Ok"],
    "receive_async": ["Ok", "built", {"k": "v"}, "pk", 1700000000000],
    "second": "second",
    "acknowledge_async": ["Ok"],
    "acknowledge_cumulative_async": ["Ok"],
    "get_last_message_id_async": ["Ok", True],
    "consumer_close_async": ["Ok"],
    "close_async": ["Ok"],
    "flush_after_close": ["AlreadyClosed"],
}


@pytest.fixture
def program(tmp_path: Path) -> Path:
    script = tmp_path / "pulsar_methods_program.py"
    script.write_text(PROGRAM)
    return script


@pytest.mark.parametrize("side", ["fastpulsar", "official"])
def test_same_program_using_3_13s_pulsar_methods_runs_on_both(
    side, official_python, program, broker, topic
):
    if side == "fastpulsar":
        out = run_program(
            sys.executable, program, child_env(), broker.service_url, topic, result_prefix=RESULT
        )
    else:
        out = run_program(
            official_python,
            program,
            clean_env(),
            broker.service_url,
            topic,
            result_prefix=RESULT,
            hard_exit=True,
        )
    assert out == EXPECTED
