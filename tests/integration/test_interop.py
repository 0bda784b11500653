"""Interoperability with the official pulsar-client 3.13.0, run in its own virtual environment
through ``support/official_peer.py``: messages produced by one client are consumed by the
other with every field equal."""

import base64
import json
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from fastpulsar_testing.official_venv import clean_env
from support.messages import EARLIEST, receive_unique
from support.peer import run_peer

import pulsar
from pulsar.schema import StringSchema

# The first test also creates the official venv (pip install): allow for that.
pytestmark = [pytest.mark.interop, pytest.mark.timeout(600)]


SPEC: list[dict[str, Any]] = [
    {"payload": b"plain"},
    {"payload": b"props", "properties": {"k1": "v1", "unicode-ключ": "значение ✓", "e": ""}},
    {"payload": b"keys", "partition_key": "pk-1", "ordering_key": "ok-1"},
    {"payload": b"event-time", "event_timestamp": 1_700_000_000_123},
    {
        "payload": b"everything",
        "properties": {"a": "1"},
        "partition_key": "pk-2",
        "ordering_key": "ok-2",
        "event_timestamp": 1_600_000_000_000,
    },
    {"payload": None, "partition_key": "tombstone"},
    {"payload": b""},
    {"payload": bytes(range(256)) * 64},
]


def expected(entry):
    return {
        "payload": b"" if entry["payload"] is None else entry["payload"],
        "has_null_value": entry["payload"] is None,
        "properties": entry.get("properties", {}),
        "partition_key": entry.get("partition_key", ""),
        "ordering_key": entry.get("ordering_key", ""),
        "event_timestamp": entry.get("event_timestamp", 0),
    }


def from_peer(record):
    return {
        "payload": base64.b64decode(record["payload_b64"]),
        "has_null_value": record["has_null_value"],
        "properties": record["properties"],
        "partition_key": record["partition_key"],
        "ordering_key": record["ordering_key"],
        "event_timestamp": record["event_timestamp"],
    }


def from_fast(msg):
    return {
        "payload": msg.data(),
        "has_null_value": msg.has_null_value(),
        "properties": msg.properties(),
        "partition_key": msg.partition_key(),
        "ordering_key": msg.ordering_key(),
        "event_timestamp": msg.event_timestamp(),
    }


def official_consume(official_python, broker, topic, subscription, count, *options):
    """The official client consumes ``count`` distinct messages of ``topic``; its records."""
    args = ["consume", "--service-url", broker.service_url, "--topic", topic]
    args += ["--subscription", subscription, "--count", count, "--unique", *options]
    return run_peer(official_python, args)


def official_produce(official_python, broker, topic, spec):
    """The official client produces ``spec`` (producer options, messages) to ``topic``."""
    return run_peer(
        official_python, ["produce", "--service-url", broker.service_url, "--topic", topic], spec
    )


def official_messages(first_sequence_id):
    """SPEC as the official peer's produce command takes it."""
    return [
        {
            "payload_b64": None
            if e["payload"] is None
            else base64.b64encode(e["payload"]).decode(),
            "sequence_id": first_sequence_id + i,
            **{k: v for k, v in e.items() if k != "payload"},
        }
        for i, e in enumerate(SPEC)
    ]


def send_kwargs(entry, sequence_id):
    kwargs = {k: v for k, v in entry.items() if k != "payload"}
    kwargs["sequence_id"] = sequence_id
    return kwargs


@pytest.mark.parametrize("compression", ["NONE", "ZSTD"])
@pytest.mark.parametrize("batching", [False, True], ids=["no-batching", "batching"])
def test_fastpulsar_to_official(client, topic, official_python, broker, batching, compression):
    producer = client.create_producer(
        topic,
        producer_name="fast-producer",
        batching_enabled=batching,
        compression_type=getattr(pulsar.CompressionType, compression),
    )
    ids = [None] * len(SPEC)
    for i, entry in enumerate(SPEC):
        if batching:

            def cb(res, msg_id, i=i):
                ids[i] = msg_id

            producer.send_async(entry["payload"], cb, **send_kwargs(entry, 500 + i))
        else:
            ids[i] = producer.send(entry["payload"], **send_kwargs(entry, 500 + i))
    producer.flush()
    assert producer.last_sequence_id() == 500 + len(SPEC) - 1

    out = official_consume(official_python, broker, topic, "official", len(SPEC))
    records = out["messages"]
    assert len(records) == len(SPEC)
    for i, (record, entry) in enumerate(zip(records, SPEC)):
        assert from_peer(record) == expected(entry), f"message {i}"
        assert record["message_id"] == str(ids[i])
        assert pulsar.MessageId.deserialize(base64.b64decode(record["message_id_b64"])) == ids[i]
        assert record["topic_name"] == topic
        assert record["producer_name"] == "fast-producer"
        assert record["redelivery_count"] == 0

    # fastpulsar's own consumer sees exactly what the official one saw, publish time included.
    consumer = client.subscribe(topic, "fast", initial_position=EARLIEST)
    mine = receive_unique(consumer, len(SPEC))
    for i, (msg, record) in enumerate(zip(mine, records)):
        assert from_fast(msg) == from_peer(record), f"message {i}"
        assert msg.publish_timestamp() == record["publish_timestamp"]
        assert str(msg.message_id()) == record["message_id"]
        assert msg.topic_name() == record["topic_name"]
        assert msg.redelivery_count() == record["redelivery_count"]
        assert msg.producer_name() == record["producer_name"]


@pytest.mark.parametrize("batching", [False, True], ids=["no-batching", "batching"])
def test_official_to_fastpulsar(client, topic, official_python, broker, batching):
    spec = {
        "producer": {
            "producer_name": "official-producer",
            "batching_enabled": batching,
            "compression_type": "LZ4",
        },
        "messages": official_messages(first_sequence_id=700),
    }
    before_ms = int(time.time() * 1000)
    out = official_produce(official_python, broker, topic, spec)
    after_ms = int(time.time() * 1000)
    assert out["producer_name"] == "official-producer"
    assert out["topic"] == topic
    assert out["last_sequence_id"] == 700 + len(SPEC) - 1

    consumer = client.subscribe(topic, "fast", initial_position=EARLIEST)
    messages = receive_unique(consumer, len(SPEC))
    for i, (msg, entry, result) in enumerate(zip(messages, SPEC, out["results"])):
        assert from_fast(msg) == expected(entry), f"message {i}"
        assert msg.value() == msg.data()
        assert str(msg.message_id()) == result["message_id"]
        peer_id = pulsar.MessageId.deserialize(base64.b64decode(result["message_id_b64"]))
        assert msg.message_id() == peer_id
        assert hash(msg.message_id()) == hash(peer_id)
        assert msg.message_id().ledger_id() == result["ledger_id"]
        assert msg.message_id().entry_id() == result["entry_id"]
        assert msg.message_id().batch_index() == result["batch_index"]
        assert msg.topic_name() == topic
        assert msg.producer_name() == "official-producer"
        assert msg.redelivery_count() == 0
        assert before_ms - 300_000 <= msg.publish_timestamp() <= after_ms + 300_000
        consumer.acknowledge(msg)


@pytest.mark.parametrize("batching", [False, True], ids=["no-batching", "batching"])
def test_listeners_both_ways(client, topic, official_python, broker, batching):
    """Our message_listener reads what the official client produced exactly as its own
    listener does, and the official client's listener reads what we produced."""
    producer = client.create_producer(
        topic, producer_name="fast-listened", batching_enabled=batching
    )
    ids = [producer.send(e["payload"], **send_kwargs(e, 900 + i)) for i, e in enumerate(SPEC)]
    producer.close()
    out = official_consume(
        official_python, broker, topic, "official-listener", len(SPEC), "--listener"
    )
    records = out["messages"]
    assert [from_peer(r) for r in records] == [expected(e) for e in SPEC]
    assert [r["message_id"] for r in records] == [str(i) for i in ids]

    # The other way: the official client produces, our listener reads.
    other = topic + "-back"
    spec = {
        "producer": {"producer_name": "official-listened", "batching_enabled": batching},
        "messages": official_messages(first_sequence_id=950),
    }
    produced = official_produce(official_python, broker, other, spec)
    got: dict[str, Any] = {}
    done = threading.Event()

    def listener(consumer, msg):
        key = str(msg.message_id())
        if key not in got:
            got[key] = msg
        consumer.acknowledge(msg)
        if len(got) == len(SPEC):
            done.set()

    consumer = client.subscribe(
        other, "fast-listener", initial_position=EARLIEST, message_listener=listener
    )
    assert done.wait(30), f"the listener got {len(got)} of {len(SPEC)} messages"
    consumer.close()
    mine = list(got.values())
    assert [from_fast(m) for m in mine] == [expected(e) for e in SPEC]
    assert [str(m.message_id()) for m in mine] == [r["message_id"] for r in produced["results"]]
    assert all(m.producer_name() == "official-listened" for m in mine)


def test_string_schema_both_ways(client, topic, official_python, broker):
    texts = ["héllo ✓", "日本語", ""]
    producer = client.create_producer(topic, schema=StringSchema())
    for t in texts:
        producer.send(t)
    out = official_consume(
        official_python, broker, topic, "official", len(texts), "--schema", "string"
    )
    assert [r["value"] for r in out["messages"]] == texts

    spec = {"producer": {"schema": "string"}, "messages": [{"value": t} for t in texts]}
    official_produce(official_python, broker, topic, spec)
    consumer = client.subscribe(topic, "fast", schema=StringSchema(), initial_position=EARLIEST)
    values = [m.value() for m in receive_unique(consumer, 2 * len(texts))]
    assert values == texts + texts


OFFICIAL_RESULTS_SCRIPT = """
import json, pulsar
print(json.dumps({
    "results": {name: int(member) for name, member in pulsar.Result.__members__.items()},
    "exceptions": sorted(
        name for name, obj in vars(pulsar.exceptions).items()
        if isinstance(obj, type) and issubclass(obj, pulsar.exceptions.PulsarException)
    ),
}))
"""


def test_results_and_exceptions_match_the_official_client(official_python: Path) -> None:
    """Every Result member and exception class of pulsar-client 3.13.0, with the same value,
    read from the official client itself (fastpulsar adds libpulsar 4.2's Disconnected)."""
    proc = subprocess.run(
        [str(official_python), "-c", OFFICIAL_RESULTS_SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=clean_env(),
        cwd=str(official_python.parent),
    )
    assert proc.returncode == 0, proc.stderr
    official = json.loads(proc.stdout)
    ours = {member.name: int(member) for member in pulsar.Result}
    assert len(official["results"]) > 40
    assert {name: ours.get(name) for name in official["results"]} == official["results"]
    assert set(ours) - set(official["results"]) == {"Disconnected"}
    for name in official["exceptions"]:
        assert issubclass(getattr(pulsar.exceptions, name), pulsar.exceptions.PulsarException)
