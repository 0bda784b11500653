"""The schema registry of Apache Pulsar standalone, seen from fastpulsar: what a producer
registers (read back through the admin API), ``Message.schema_version()`` across a compatible
change, ``pulsar.IncompatibleSchema`` for the producers and consumers that the namespace's
compatibility strategy or schema validation (set through the admin API) refuses, and
ProtobufNativeSchema on a real registry.

Record schemas here are a small Schema subclass of this module (dict values, JSON bytes,
any registered type and definition), so these tests depend only on the Schema base class.
Each test works in a namespace of its own, whose policies it sets.
"""

from __future__ import annotations

import json
import uuid

import pytest
from support.messages import EARLIEST, receive_unique
from support.protobuf_messages import Address, Person, make_person

import pulsar
from pulsar.schema import BytesSchema, Schema, StringSchema
from pulsar.schema.schema_protobuf import ProtobufNativeSchema

pytestmark = pytest.mark.standalone

JSON = pulsar.SchemaType.JSON
AVRO = pulsar.SchemaType.AVRO


class DictSchema(Schema):
    """Values are dicts sent as JSON; registered as ``schema_type`` with ``definition`` (an
    Avro record, as 3.13's JsonSchema and AvroSchema register). The broker checks the
    definitions, never the payloads: the AVRO-typed ones here are only registered."""

    def __init__(self, schema_type, definition):
        super().__init__(dict, schema_type, definition, schema_type.name)

    def encode(self, obj):
        self._validate_object_type(obj)
        return json.dumps(obj).encode()

    def decode(self, data):
        return json.loads(data)


def record(*fields):
    return {"type": "record", "name": "R", "namespace": "fastpulsar.tests", "fields": list(fields)}


A_INT = {"name": "a", "type": "int"}
V1 = record(A_INT)
# Compatible both ways: a new field with a default.
V2 = record(A_INT, {"name": "b", "type": ["null", "string"], "default": None})
# A new field without a default: only FORWARD-compatible (old readers ignore it; a new
# reader cannot read old data).
V3 = record(A_INT, {"name": "c", "type": "int"})
# Field a changes type: compatible in no direction.
A_STRING = record({"name": "a", "type": "string"})


def namespace(admin, strategy=None, validation_enforced=None):
    """A new namespace in ``public`` with the given policies, read back to be sure."""
    name = f"public/schema-{uuid.uuid4().hex[:8]}"
    admin.create_namespace(name)
    if strategy is not None:
        admin.put(f"namespaces/{name}/schemaCompatibilityStrategy", strategy)
        assert admin.get(f"namespaces/{name}/schemaCompatibilityStrategy") == strategy
    if validation_enforced is not None:
        admin.post(f"namespaces/{name}/schemaValidationEnforced", validation_enforced)
        assert admin.get(f"namespaces/{name}/schemaValidationEnforced") is validation_enforced
    return name


def stored_schema(admin, topic, version=None):
    """The admin API's ``{version, type, data, ...}`` of a topic's latest (or given) schema."""
    tenant_ns_topic = topic.split("://", 1)[1]
    suffix = "" if version is None else f"/{version}"
    return admin.get(f"schemas/{tenant_ns_topic}/schema{suffix}")


def version_number(msg):
    """A message's schema version (8 bytes, big-endian) as an int; None if it has none."""
    raw = msg.schema_version().encode("utf-8", "surrogateescape")
    return int.from_bytes(raw, "big") if raw else None


# --------------------------------------------------------------------------------------------
# What is stored
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "stored_type"),
    [
        (DictSchema(JSON, V1), "JSON"),
        (DictSchema(AVRO, V1), "AVRO"),
        (ProtobufNativeSchema(Person), "PROTOBUF_NATIVE"),
    ],
    ids=["json", "avro", "protobuf-native"],
)
def test_producer_schema_is_stored(sa_client, admin, schema, stored_type):
    topic = f"persistent://{namespace(admin)}/stored"
    sa_client.create_producer(topic, schema=schema)
    stored = stored_schema(admin, topic)
    assert stored["type"] == stored_type
    assert stored["version"] == 0
    assert stored["data"] == schema.schema_info().schema()


# --------------------------------------------------------------------------------------------
# Versions
# --------------------------------------------------------------------------------------------


def test_schema_version_after_compatible_change(sa_client, admin):
    topic = f"persistent://{namespace(admin, strategy='FULL')}/versions"
    first = sa_client.create_producer(topic, schema=DictSchema(JSON, V1))  # registers version 0
    # A subscription with a schema the topic has registers nothing (one it has not, would).
    consumer = sa_client.subscribe(
        topic, "s", schema=DictSchema(JSON, V1), initial_position=EARLIEST
    )
    first.send({"a": 1})
    second = sa_client.create_producer(topic, schema=DictSchema(JSON, V2))  # version 1
    second.send({"a": 2, "b": "two"})
    first.send({"a": 3})  # the first producer keeps the version it registered
    raw = sa_client.create_producer(topic)  # bytes, no schema: allowed unless enforced
    raw.send(b'{"a": 4}')

    messages = receive_unique(consumer, 4)
    assert [m.value() for m in messages] == [{"a": 1}, {"a": 2, "b": "two"}, {"a": 3}, {"a": 4}]
    assert [version_number(m) for m in messages] == [0, 1, 0, None]

    assert stored_schema(admin, topic)["version"] == 1
    for version, definition in [(0, V1), (1, V2)]:
        stored = stored_schema(admin, topic, version)
        assert (stored["version"], json.loads(stored["data"])) == (version, definition)


# --------------------------------------------------------------------------------------------
# Compatibility, as the namespace's policies say
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("strategy", "accepted"),
    [("FORWARD", True), ("BACKWARD", False), ("FULL", False), ("ALWAYS_COMPATIBLE", True)],
)
def test_producer_new_version_under_namespace_strategy(sa_client, admin, strategy, accepted):
    topic = f"persistent://{namespace(admin, strategy=strategy)}/strategy"
    sa_client.create_producer(topic, schema=DictSchema(JSON, V1)).send({"a": 1})
    if accepted:
        producer = sa_client.create_producer(topic, schema=DictSchema(JSON, V3))
        producer.send({"a": 2, "c": 3})
        assert stored_schema(admin, topic)["version"] == 1
    else:
        with pytest.raises(pulsar.IncompatibleSchema):
            sa_client.create_producer(topic, schema=DictSchema(JSON, V3))
        assert stored_schema(admin, topic)["version"] == 0  # nothing registered


@pytest.mark.parametrize(
    ("strategy", "accepted"),
    [("FULL", False), ("BACKWARD", False), ("ALWAYS_COMPATIBLE", True)],
)
def test_consumer_with_incompatible_schema(sa_client, admin, strategy, accepted):
    topic = f"persistent://{namespace(admin, strategy=strategy)}/consumer"
    producer = sa_client.create_producer(topic, schema=DictSchema(JSON, V1))
    producer.send({"a": 1})
    incompatible = DictSchema(JSON, A_STRING)
    if accepted:
        consumer = sa_client.subscribe(topic, "s", schema=incompatible, initial_position=EARLIEST)
        # The JSON bytes still decode (as this schema reads them): the broker let it through.
        assert receive_unique(consumer, 1)[0].value() == {"a": 1}
    else:
        with pytest.raises(pulsar.IncompatibleSchema) as info:
            sa_client.subscribe(topic, "s", schema=incompatible)
        assert isinstance(info.value, pulsar.PulsarException)
        # The producer's schema is still the topic's; a compatible consumer still subscribes.
        assert stored_schema(admin, topic)["version"] == 0
        sa_client.subscribe(topic, "ok", schema=DictSchema(JSON, V1))


def test_string_producer_on_avro_topic(sa_client, admin):
    topic = f"persistent://{namespace(admin)}/avro"
    sa_client.create_producer(topic, schema=DictSchema(AVRO, V1))
    with pytest.raises(pulsar.IncompatibleSchema):
        sa_client.create_producer(topic, schema=StringSchema())
    with pytest.raises(pulsar.IncompatibleSchema):
        sa_client.subscribe(topic, "s", schema=StringSchema())
    assert stored_schema(admin, topic)["type"] == "AVRO"


@pytest.mark.parametrize("enforced", [True, False], ids=["enforced", "not-enforced"])
def test_producer_without_schema_when_validation_is_enforced(sa_client, admin, enforced):
    topic = f"persistent://{namespace(admin, validation_enforced=enforced)}/enforced"
    sa_client.create_producer(topic, schema=DictSchema(AVRO, V1))
    if enforced:
        with pytest.raises(pulsar.IncompatibleSchema):
            sa_client.create_producer(topic, schema=BytesSchema())
    else:
        sa_client.create_producer(topic, schema=BytesSchema()).send(b"raw")


# --------------------------------------------------------------------------------------------
# ProtobufNativeSchema on the registry
# --------------------------------------------------------------------------------------------


def test_protobuf_native_round_trip(sa_client, admin):
    topic = f"persistent://{namespace(admin, strategy='FULL')}/protobuf"
    schema = ProtobufNativeSchema(Person)
    consumer = sa_client.subscribe(topic, "s", schema=schema, initial_position=EARLIEST)
    producer = sa_client.create_producer(topic, schema=schema)
    sent = [make_person(i) for i in range(5)]
    for person in sent:
        producer.send(person)
    messages = receive_unique(consumer, len(sent))
    assert [m.value() for m in messages] == sent
    assert {version_number(m) for m in messages} == {0}
    stored = stored_schema(admin, topic)
    assert (stored["type"], stored["data"]) == ("PROTOBUF_NATIVE", schema.schema_info().schema())

    # Another root message on the same topic is refused, and nothing of it is registered.
    with pytest.raises(pulsar.IncompatibleSchema):
        sa_client.create_producer(topic, schema=ProtobufNativeSchema(Address))
    assert stored_schema(admin, topic)["version"] == 0


# --- AvroSchema reads old versions with their writer schema ---------------------------------


def reading_class(with_unit):
    """Version 1 (sensor, seq) or 2 (plus a unit with a default, null: compatible under
    the default strategy) of one record, named Reading in both (the Avro name must not
    change)."""

    class Reading(pulsar.schema.Record):
        _avro_namespace = "fastpulsar.tests"
        sensor = pulsar.schema.String()
        seq = pulsar.schema.Long()
        if with_unit:
            unit = pulsar.schema.String(required_default=True)

    return Reading


ReadingV1 = reading_class(with_unit=False)
ReadingV2 = reading_class(with_unit=True)


@pytest.mark.parametrize("partitioned", [False, True], ids=["topic", "partitioned"])
def test_avro_consumer_reads_each_version_with_its_writer_schema(sa_client, admin, partitioned):
    # Avro bytes carry no field names: ReadingV1's bytes read with ReadingV2's schema alone
    # run out of input (the unit string), so value() is right only if the consumer fetched
    # version 0's schema from the registry and resolved it to its own.
    ns = namespace(admin)
    topic = f"persistent://{ns}/evolve-{uuid.uuid4().hex[:8]}"
    if partitioned:
        admin.create_partitioned_topic(topic, 2)
    reader_schema = pulsar.schema.AvroSchema(ReadingV2)
    old = sa_client.create_producer(topic, schema=pulsar.schema.AvroSchema(ReadingV1))  # v0
    consumer = sa_client.subscribe(
        topic, "evolve", schema=reader_schema, initial_position=pulsar.InitialPosition.Earliest
    )  # registers v1
    new = sa_client.create_producer(topic, schema=reader_schema)
    old.send(ReadingV1(sensor="s1", seq=1), partition_key="k")
    new.send(ReadingV2(sensor="s2", seq=2, unit="kelvin"), partition_key="k")
    got = {}
    for _ in range(2):
        msg = consumer.receive(timeout_millis=30_000)
        got[msg.value().sensor] = (msg.value(), msg._int_schema_version())
        consumer.acknowledge(msg)
    assert got["s1"] == (ReadingV2(sensor="s1", seq=1, unit=None), 0)
    assert got["s2"] == (ReadingV2(sensor="s2", seq=2, unit="kelvin"), 1)
    for p in (old, new, consumer):
        p.close()
