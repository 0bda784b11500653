"""The schema registry seen from the client: Client.get_schema_info, the message's schema
version as an int, and AutoConsumeSchema, which decodes each message by the schema its
producer registered. On Apache Pulsar standalone (pulsar-lite 0.2.0 keeps no registry: it
never answers a schema lookup), but for the interrupt test, which relies on just that.
"""

from __future__ import annotations

import io
import json
import sys
import threading
import time
from typing import Any

import pytest
from support.interrupts import sigint_after
from support.topics import unique_topic

import pulsar
from pulsar import SchemaType
from pulsar.schema.auto import AutoConsumeSchema
from pulsar.schema.keyvalue import KeyValueEncoding, KeyValueSchema
from pulsar.schema.schema import BytesSchema, Schema, StringSchema

RECEIVE_MS = 10000

POINT_DEFINITION = {
    "type": "record",
    "name": "Point",
    "fields": [{"name": "x", "type": "int"}, {"name": "y", "type": "int"}],
}
# The same record with one more field, which has a default: a compatible second version.
POINT3_DEFINITION = {
    **POINT_DEFINITION,
    "fields": [*POINT_DEFINITION["fields"], {"name": "z", "type": "int", "default": 0}],
}
READING_DEFINITION = {
    "type": "record",
    "name": "Reading",
    "namespace": "tests.registry",
    "fields": [
        {"name": "sensor", "type": "string"},
        {"name": "value", "type": "double"},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
    ],
}


class JsonRecordSchema(Schema):
    """A JSON-typed schema of the test's own: dicts as compact JSON."""

    def __init__(self, definition: dict[str, Any] = POINT_DEFINITION) -> None:
        super().__init__(dict, SchemaType.JSON, definition, definition["name"])

    def encode(self, obj: Any) -> bytes:
        self._validate_object_type(obj)
        return json.dumps(obj, separators=(",", ":")).encode()

    def decode(self, data: bytes) -> Any:
        return json.loads(data)


class AvroRecordSchema(Schema):
    """An Avro-typed schema of the test's own, encoding dicts with fastavro."""

    def __init__(self) -> None:
        import fastavro

        super().__init__(dict, SchemaType.AVRO, READING_DEFINITION, "Reading")
        self._fastavro = fastavro
        self._parsed = fastavro.parse_schema(READING_DEFINITION)

    def encode(self, obj: Any) -> bytes:
        out = io.BytesIO()
        self._fastavro.schemaless_writer(out, self._parsed, obj)
        return out.getvalue()

    def decode(self, data: bytes) -> Any:
        return self._fastavro.schemaless_reader(io.BytesIO(data), self._parsed)


def needs_fastavro() -> None:
    pytest.importorskip("fastavro", reason="fastavro (fastpulsar[avro]) writes the Avro records")


# --------------------------------------------------------------------------------------------
# get_schema_info and the message's schema version
# --------------------------------------------------------------------------------------------


@pytest.mark.standalone
def test_get_schema_info_latest_and_by_version(sa_client, topic):
    consumer = sa_client.subscribe(topic, "s")
    first = sa_client.create_producer(topic, schema=JsonRecordSchema())
    first.send({"x": 1, "y": 2})
    second = sa_client.create_producer(topic, schema=JsonRecordSchema(POINT3_DEFINITION))
    second.send({"x": 1, "y": 2, "z": 3})

    versions = [consumer.receive(RECEIVE_MS)._int_schema_version() for _ in range(2)]
    assert versions == [0, 1]

    for version, definition in ((0, POINT_DEFINITION), (1, POINT3_DEFINITION)):
        info = sa_client.get_schema_info(topic, version)
        assert info.schema_type() == SchemaType.JSON
        assert json.loads(info.schema()) == definition
    latest = sa_client.get_schema_info(topic)
    assert json.loads(latest.schema()) == POINT3_DEFINITION
    # The str version of pulsar-client is the same 8 bytes, big-endian.
    message = sa_client.create_reader(topic, pulsar.MessageId.earliest).read_next(RECEIVE_MS)
    assert message.schema_version() == "\x00" * 8
    assert message._int_schema_version() == 0


@pytest.mark.standalone
def test_get_schema_info_of_nothing_registered(sa_client, topic):
    producer = sa_client.create_producer(topic)  # BytesSchema registers nothing
    producer.send(b"raw")
    message = sa_client.subscribe(
        topic, "s", initial_position=pulsar.InitialPosition.Earliest
    ).receive(RECEIVE_MS)
    assert message._int_schema_version() == -1
    assert message.schema_version() == ""
    # libpulsar reports a missing schema (or version) as TopicNotFound.
    with pytest.raises(pulsar.TopicNotFound):
        sa_client.get_schema_info(topic)
    sa_client.create_producer(topic, schema=StringSchema()).send("s")
    with pytest.raises(pulsar.TopicNotFound):
        sa_client.get_schema_info(topic, 5)
    assert sa_client.get_schema_info(topic, 0).schema_type() == SchemaType.STRING


def test_get_schema_info_checks_its_arguments(offline_client):
    with pytest.raises(pulsar.InvalidArgumentType, match="topic"):
        offline_client.get_schema_info(b"t")
    with pytest.raises(pulsar.InvalidArgumentType, match="version"):
        offline_client.get_schema_info("t", "0")
    with pytest.raises(ValueError, match="version is out of range"):
        offline_client.get_schema_info("t", -2)


def test_get_schema_info_on_a_closed_client_raises(broker, topic):
    client = pulsar.Client(broker.service_url)
    client.close()
    with pytest.raises(pulsar.AlreadyClosed):
        client.get_schema_info(topic)


@pytest.mark.skipif(
    threading.current_thread() is not threading.main_thread(),
    reason="SIGINT is delivered to the main thread only",
)
def test_get_schema_info_is_interrupted_by_ctrl_c(broker):
    # pulsar-lite 0.2.0 never answers a schema lookup: the call would wait for the 30 s
    # operation timeout, unless Ctrl-C ends it first.
    if broker.kind != "pulsar-lite":
        pytest.skip("needs a broker that leaves the lookup unanswered (pulsar-lite)")
    with pulsar.Client(broker.service_url) as client, sigint_after(0.5) as when:
        with pytest.raises(pulsar.Interrupted):
            client.get_schema_info(unique_topic("interrupted"))
        raised = time.monotonic()
    assert raised - when["sent"] < 2.0


# --------------------------------------------------------------------------------------------
# AutoConsumeSchema
# --------------------------------------------------------------------------------------------


def _auto_round_trip(client: pulsar.Client, schema: Schema, contents: list[Any]) -> list[Any]:
    topic = unique_topic("auto")
    consumer = client.subscribe(topic, "auto", schema=AutoConsumeSchema())
    producer = client.create_producer(topic, schema=schema)
    for content in contents:
        producer.send(content)
    return [consumer.receive(RECEIVE_MS).value() for _ in contents]


@pytest.mark.standalone
def test_auto_consume_json(sa_client):
    points = [{"x": 1, "y": 2}, {"x": -3, "y": 40}]
    assert _auto_round_trip(sa_client, JsonRecordSchema(), points) == points


@pytest.mark.standalone
def test_auto_consume_avro(sa_client):
    needs_fastavro()
    readings = [
        {"sensor": "s1", "value": 2.5, "tags": ["a", "b"]},
        {"sensor": "ß", "value": -1e300, "tags": []},
    ]
    assert _auto_round_trip(sa_client, AvroRecordSchema(), readings) == readings


@pytest.mark.standalone
def test_auto_consume_string_and_bytes(sa_client):
    assert _auto_round_trip(sa_client, StringSchema(), ["héllo", ""]) == ["héllo", ""]
    assert _auto_round_trip(sa_client, BytesSchema(), [b"\x00\xff"]) == [b"\x00\xff"]


@pytest.mark.standalone
@pytest.mark.parametrize("encoding", list(KeyValueEncoding), ids=lambda e: e.name)
def test_auto_consume_key_value(sa_client, encoding):
    needs_fastavro()
    schema = KeyValueSchema(JsonRecordSchema(), AvroRecordSchema(), encoding)
    pairs = [({"x": 1, "y": 2}, {"sensor": "kv", "value": 0.5, "tags": ["t"]})]
    assert _auto_round_trip(sa_client, schema, pairs) == pairs


@pytest.mark.standalone
def test_auto_consume_fetches_each_version_once(sa_client, topic, monkeypatch):
    consumer = sa_client.subscribe(topic, "auto", schema=AutoConsumeSchema())
    first = sa_client.create_producer(topic, schema=JsonRecordSchema())
    second = sa_client.create_producer(topic, schema=JsonRecordSchema(POINT3_DEFINITION))
    for _ in range(2):
        first.send({"x": 1, "y": 2})
        second.send({"x": 1, "y": 2, "z": 3})
    fetched: list[tuple[str, int]] = []
    real = pulsar.Client.get_schema_info

    def counting(self: pulsar.Client, topic: str, version: int = -1) -> Any:
        fetched.append((topic, version))
        return real(self, topic, version)

    monkeypatch.setattr(pulsar.Client, "get_schema_info", counting)
    values = [consumer.receive(RECEIVE_MS).value() for _ in range(4)]
    assert values == [{"x": 1, "y": 2}, {"x": 1, "y": 2, "z": 3}] * 2
    assert fetched == [(topic, 0), (topic, 1)]


@pytest.mark.standalone
def test_auto_consume_avro_without_fastavro_names_the_extra(sa_client, topic, monkeypatch):
    needs_fastavro()
    consumer = sa_client.subscribe(topic, "auto", schema=AutoConsumeSchema())
    sa_client.create_producer(topic, schema=AvroRecordSchema()).send(
        {"sensor": "s", "value": 1.0, "tags": []}
    )
    message = consumer.receive(RECEIVE_MS)
    monkeypatch.setitem(sys.modules, "fastavro", None)  # import fastavro now fails
    with pytest.raises(ImportError, match=r"fastpulsar\[avro\]"):
        message.value()
    assert message.data()  # the message itself is intact


def test_auto_consume_schema_cannot_produce(client, topic):
    producer = client.create_producer(topic, schema=AutoConsumeSchema())
    with pytest.raises(TypeError, match="AutoConsumeSchema is for consumers and readers"):
        producer.send(b"x")
