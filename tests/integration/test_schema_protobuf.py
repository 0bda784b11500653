"""ProtobufNativeSchema: the schema definition (3.13's, byte for byte), encoding and decoding,
bad input, a round trip on pulsar-lite, and interoperability with pulsar-client 3.13 on both
brokers. The message classes are built at run time (support/protobuf_messages.py)."""

from __future__ import annotations

import base64
import json
import sys
import uuid

import pytest
from google.protobuf.descriptor_pb2 import FileDescriptorProto, FileDescriptorSet
from google.protobuf.message import EncodeError
from support.messages import EARLIEST, receive_only, receive_unique
from support.protobuf_messages import (
    PERSON_FILE,
    PERSON_FILES,
    POOL,
    Address,
    Person,
    Strict,
    make_person,
    person_as_dict,
)
from support.schema_peer import run_schema_peer

import pulsar
from pulsar.schema.schema_protobuf import ProtobufNativeSchema

# The first interop test may also create (or upgrade) the official venv: allow for that.
interop = pytest.mark.interop
venv_timeout = pytest.mark.timeout(600)


def definition(schema):
    return json.loads(schema.schema_info().schema())


# --------------------------------------------------------------------------------------------
# The schema definition
# --------------------------------------------------------------------------------------------


def test_schema_info_type_name_and_str():
    schema = ProtobufNativeSchema(Person)
    info = schema.schema_info()
    assert info.schema_type() == pulsar.SchemaType.PROTOBUF_NATIVE
    assert info.name() == "PROTOBUF_NATIVE"
    assert str(schema) == "ProtobufNativeSchema(Person)"


def test_definition_carries_dependencies_first():
    found = definition(ProtobufNativeSchema(Person))
    assert list(found) == ["fileDescriptorSet", "rootMessageTypeName", "rootFileDescriptorName"]
    assert found["rootMessageTypeName"] == "fastpulsar.tests.Person"
    assert found["rootFileDescriptorName"] == PERSON_FILE
    files = FileDescriptorSet.FromString(base64.b64decode(found["fileDescriptorSet"])).file
    # base.proto is imported by both others: it comes once, before them.
    assert [f.name for f in files] == PERSON_FILES
    for file in files:
        expected = FileDescriptorProto()
        POOL.FindFileByName(file.name).CopyToProto(expected)
        assert file == expected


def test_definition_of_a_message_without_imports():
    found = definition(ProtobufNativeSchema(Strict))
    files = FileDescriptorSet.FromString(base64.b64decode(found["fileDescriptorSet"])).file
    assert [f.name for f in files] == ["fastpulsar/tests/strict.proto"]
    assert found["rootMessageTypeName"] == "fastpulsar.tests.strict.Strict"


@interop
@venv_timeout
@pytest.mark.parametrize("message", ["Person", "Address", "Strict"])
def test_definition_is_3_13s_byte_for_byte(official_python, message):
    official = run_schema_peer(official_python, ["schema-info", "--message", message])
    ours = ProtobufNativeSchema({"Person": Person, "Address": Address, "Strict": Strict}[message])
    info = ours.schema_info()
    assert (int(info.schema_type()), info.name(), info.schema()) == (
        official["type"],
        official["name"],
        official["schema"],
    )


# --------------------------------------------------------------------------------------------
# Encoding, decoding, bad input
# --------------------------------------------------------------------------------------------


def test_encode_decode_round_trip():
    schema = ProtobufNativeSchema(Person)
    person = make_person(7)
    data = schema.encode(person)
    assert isinstance(data, bytes)
    assert Person.FromString(data) == person
    decoded = schema.decode(data)
    assert type(decoded) is Person
    assert decoded == person
    assert person_as_dict(decoded)["address"]["street"] == "7 Main St"


@pytest.mark.parametrize(
    "not_a_message",
    [dict, int, None, "Person", pulsar.schema.StringSchema],
    ids=["dict", "int", "None", "str", "a-schema-class"],
)
def test_not_a_message_class_is_a_type_error_naming_it(not_a_message):
    with pytest.raises(TypeError, match="protobuf message class") as info:
        ProtobufNativeSchema(not_a_message)
    assert repr(not_a_message) in str(info.value)
    assert isinstance(info.value, pulsar.InvalidArgumentType)


def test_a_message_instance_is_not_a_message_class():
    person = make_person(1)
    with pytest.raises(TypeError, match="protobuf message class"):
        ProtobufNativeSchema(person)


def test_encoding_another_class_names_both():
    schema = ProtobufNativeSchema(Person)
    for wrong in (Address(street="x"), b"raw", {"name": "x"}):
        with pytest.raises(TypeError) as info:
            schema.encode(wrong)
        assert str(type(wrong)) in str(info.value)
        assert "Person" in str(info.value)


def test_missing_protobuf_names_the_extra(monkeypatch):
    # As if protobuf were not installed: the import made when a schema is built fails.
    monkeypatch.setitem(sys.modules, "google.protobuf.message", None)
    with pytest.raises(ImportError, match=r"pip install 'fastpulsar\[protobuf\]'"):
        ProtobufNativeSchema(Person)


def test_bad_values_are_never_sent(client, topic):
    schema = ProtobufNativeSchema(Strict)
    producer = client.create_producer(topic, schema=schema)
    consumer = client.subscribe(topic, "s", schema=schema, initial_position=EARLIEST)
    with pytest.raises(TypeError, match="Strict"):
        producer.send(Address(street="not a Strict"))
    with pytest.raises(EncodeError, match="missing required fields: id"):
        producer.send(Strict(note="no id"))
    errors = []
    with pytest.raises(EncodeError):
        producer.send_async(Strict(), lambda res, msg_id: errors.append(res))
    producer.send(Strict(id="ok"))
    producer.flush()
    assert receive_only(consumer, idle_ms=500).value() == Strict(id="ok")
    assert errors == []  # the refused send_async owed no callback


# --------------------------------------------------------------------------------------------
# Round trip on pulsar-lite
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("batching", [False, True], ids=["no-batching", "batching"])
def test_round_trip(client, topic, batching):
    schema = ProtobufNativeSchema(Person)
    consumer = client.subscribe(topic, "s", schema=schema, initial_position=EARLIEST)
    producer = client.create_producer(topic, schema=schema, batching_enabled=batching)
    sent = [make_person(i) for i in range(10)]
    for person in sent:
        producer.send_async(person, None)
    producer.flush()
    received = [msg.value() for msg in receive_unique(consumer, len(sent), ack=True)]
    assert received == sent
    assert all(type(value) is Person for value in received)


def test_reader_decodes(client, topic):
    schema = ProtobufNativeSchema(Person)
    producer = client.create_producer(topic, schema=schema)
    producer.send(make_person(3))
    reader = client.create_reader(topic, pulsar.MessageId.earliest, schema=schema)
    assert reader.read_next(15000).value() == make_person(3)


# --------------------------------------------------------------------------------------------
# Interoperability with pulsar-client 3.13, on both brokers
# --------------------------------------------------------------------------------------------

COUNT = 5


@interop
@venv_timeout
@pytest.mark.parametrize("direction", ["official-to-fastpulsar", "fastpulsar-to-official"])
def test_interop(official_python, pulsar_broker, direction):
    topic = f"persistent://public/default/protobuf-interop-{uuid.uuid4().hex[:8]}"
    sent = [make_person(i) for i in range(COUNT)]
    schema = ProtobufNativeSchema(Person)
    # Apache Pulsar's registry gives the topic's first schema version 0 (8 big-endian bytes);
    # pulsar-lite 0.2.0 gives its messages no schema version.
    version = bytes(8) if pulsar_broker.kind == "standalone" else b""
    with pulsar.Client(pulsar_broker.service_url) as client:
        if direction == "official-to-fastpulsar":
            consumer = client.subscribe(topic, "fast", schema=schema, initial_position=EARLIEST)
            out = run_schema_peer(
                official_python,
                ["produce", "--service-url", pulsar_broker.service_url, "--topic", topic,
                 "--count", COUNT],
            )  # fmt: skip
            messages = receive_unique(consumer, COUNT)
            assert [str(m.message_id()) for m in messages] == [
                r["message_id"] for r in out["results"]
            ]
            assert [m.value() for m in messages] == sent
            assert {m.schema_version() for m in messages} == {version.decode()}
        else:
            producer = client.create_producer(topic, schema=schema)
            ids = [str(producer.send(person)) for person in sent]
            out = run_schema_peer(
                official_python,
                ["consume", "--service-url", pulsar_broker.service_url, "--topic", topic,
                 "--subscription", "official", "--count", COUNT],
            )  # fmt: skip
            records = out["messages"]
            assert [r["message_id"] for r in records] == ids
            assert [r["value"] for r in records] == [person_as_dict(p) for p in sent]
            assert [Person.FromString(base64.b64decode(r["payload_b64"])) for r in records] == sent
            assert {base64.b64decode(r["schema_version_b64"]) for r in records} == {version}
