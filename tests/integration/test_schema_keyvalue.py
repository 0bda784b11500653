"""KeyValueSchema end to end: (key, value) content sent through libpulsar's KeyValue
support and decoded back, with both encodings, on pulsar-lite and Apache Pulsar standalone;
on standalone, the stored schema (type KEY_VALUE, encoding in its properties) read through
the admin REST API; and bad content refused before anything is sent.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from support.messages import receive_only, receive_unique
from support.topics import unique_topic

import pulsar
from pulsar import SchemaType
from pulsar.schema.keyvalue import KeyValueEncoding, KeyValueSchema, join_inline
from pulsar.schema.schema import BytesSchema, Schema, StringSchema

SEPARATED = KeyValueEncoding.SEPARATED
INLINE = KeyValueEncoding.INLINE
RECEIVE_MS = 10000

POINT_DEFINITION = {
    "type": "record",
    "name": "Point",
    "fields": [{"name": "x", "type": "int"}, {"name": "y", "type": "int"}],
}


class PointSchema(Schema):
    """A JSON-typed schema of the test's own: dicts with int x and y, as compact JSON."""

    def __init__(self) -> None:
        super().__init__(dict, SchemaType.JSON, POINT_DEFINITION, "Point")

    def encode(self, obj: Any) -> bytes:
        self._validate_object_type(obj)
        if set(obj) != {"x", "y"} or not all(isinstance(v, int) for v in obj.values()):
            raise ValueError(f"a Point has int x and y, not {obj!r}")
        return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()

    def decode(self, data: bytes) -> Any:
        return json.loads(data)


# (key schema, value schema, key, value, the key's bytes, the value's bytes)
CASES = {
    "str-bytes": (StringSchema, BytesSchema, "k-1", b"\x00\xffv", b"k-1", b"\x00\xffv"),
    "bytes-point": (
        BytesSchema,
        PointSchema,
        b"k-2",
        {"x": 1, "y": -2},
        b"k-2",
        b'{"x":1,"y":-2}',
    ),
    "str-point": (
        StringSchema,
        PointSchema,
        "ключ",
        {"x": 3, "y": 4},
        "ключ".encode(),
        b'{"x":3,"y":4}',
    ),
}


@pytest.mark.parametrize("encoding", [INLINE, SEPARATED], ids=lambda e: e.name)
@pytest.mark.parametrize("case", sorted(CASES))
def test_round_trip(pulsar_broker, encoding, case):
    key_schema, value_schema, key, value, key_bytes, value_bytes = CASES[case]
    topic = unique_topic(f"kv-{case}-{encoding.name}")
    with pulsar.Client(pulsar_broker.service_url) as client:
        schema = KeyValueSchema(key_schema(), value_schema(), encoding)
        consumer = client.subscribe(
            topic, "kv", schema=KeyValueSchema(key_schema(), value_schema(), encoding)
        )
        plain = client.subscribe(topic, "plain")  # BytesSchema: the message as it travels
        producer = client.create_producer(topic, schema=schema)
        sent = [producer.send((key, value)), producer.send((key, value), properties={"n": "2"})]

        # By message id: pulsar-lite 0.2.0 may deliver an entry twice (see support.messages).
        received = receive_unique(consumer, len(sent), RECEIVE_MS)
        assert [m.message_id() for m in received] == sent
        for message in received:
            assert message.value() == (key, value)
        assert received[1].properties() == {"n": "2"}

        raw = receive_unique(plain, len(sent), RECEIVE_MS)
        if encoding is SEPARATED:
            # The key travels as the message key, the value alone as the payload.
            for message in [*received, *raw]:
                assert message.partition_key() == key_bytes.decode()
            assert [m.value() for m in raw] == [value_bytes] * 2
        else:
            # Both in the payload, each after its 4-byte big-endian length.
            assert raw[0].value() == join_inline(key_bytes, value_bytes)
            assert raw[0].data()[:4] == len(key_bytes).to_bytes(4, "big")
            assert [m.partition_key() for m in [*received, *raw]] == [""] * 4


def test_empty_key_and_value_round_trip(client, topic):
    schema = KeyValueSchema(StringSchema(), BytesSchema())
    consumer = client.subscribe(topic, "kv", schema=schema)
    plain = client.subscribe(topic, "plain")
    client.create_producer(topic, schema=schema).send(("", b""))
    assert consumer.receive(RECEIVE_MS).value() == ("", b"")
    # An empty part is written with the length -1, as Java's KeyValue does.
    assert plain.receive(RECEIVE_MS).data() == b"\xff\xff\xff\xff" * 2


def test_separated_key_replaces_partition_key(client, topic):
    schema = KeyValueSchema(StringSchema(), StringSchema(), SEPARATED)
    consumer = client.subscribe(topic, "kv", schema=schema)
    client.create_producer(topic, schema=schema).send(("the-key", "v"), partition_key="other")
    message = consumer.receive(RECEIVE_MS)
    assert message.partition_key() == "the-key"
    assert message.value() == ("the-key", "v")


@pytest.mark.parametrize("batching", [False, True], ids=["unbatched", "batched"])
def test_payloads_that_are_not_key_value_raise_and_never_crash(client, topic, batching):
    # Given a KEY_VALUE schema, libpulsar's consumer would split these at receipt without
    # checking the lengths in them, and crash (SIGSEGV) on most: fastpulsar's consumers
    # split them themselves.
    schema = KeyValueSchema(StringSchema(), BytesSchema())
    consumer = client.subscribe(topic, "kv", schema=schema)
    bad = [
        b"",
        b"x",
        b"\x00\x00\x00\x10ab",  # a key longer than the payload
        b"\x7f\xff\xff\xffab",
        b"\x00\x00\x00\x02ab\x7f\x00\x00\x00",  # a value longer than the payload
    ]
    plain = client.create_producer(topic, batching_enabled=batching)
    for payload in bad:
        plain.send(payload)
    client.create_producer(topic, schema=schema).send(("k", b"v"))
    for payload in bad:
        message = consumer.receive(RECEIVE_MS)
        assert message.data() == payload
        with pytest.raises(ValueError, match="not a KeyValue INLINE payload"):
            message.value()
    assert consumer.receive(RECEIVE_MS).value() == ("k", b"v")


def test_reader_decodes(client, topic):
    schema = KeyValueSchema(StringSchema(), PointSchema(), SEPARATED)
    client.create_producer(topic, schema=schema).send(("r", {"x": 5, "y": 6}))
    reader = client.create_reader(topic, pulsar.MessageId.earliest, schema=schema)
    assert reader.read_next(RECEIVE_MS).value() == ("r", {"x": 5, "y": 6})


def test_table_view_of_an_inline_schema(client, topic):
    schema = KeyValueSchema(StringSchema(), PointSchema())
    client.create_producer(topic, schema=schema).send(("k", {"x": 7, "y": 8}), partition_key="pk")
    view = client.create_table_view(topic, schema=schema)
    try:
        seen: list[tuple[str, Any]] = []
        view.for_each(lambda key, value: seen.append((key, value)))
        assert seen == [("pk", ("k", {"x": 7, "y": 8}))]
    finally:
        view.close()


# --------------------------------------------------------------------------------------------
# What the broker stored: Apache Pulsar's registry, through the admin REST API
# --------------------------------------------------------------------------------------------


@pytest.mark.standalone
@pytest.mark.parametrize("encoding", [INLINE, SEPARATED], ids=lambda e: e.name)
def test_stored_schema_is_key_value_with_its_encoding(sa_client, admin, topic, encoding):
    schema = KeyValueSchema(StringSchema(), PointSchema(), encoding)
    sa_client.create_producer(topic, schema=schema).send(("k", {"x": 0, "y": 0}))

    stored = admin.get("schemas/public/default/" + topic.rsplit("/", 1)[1] + "/schema")
    assert stored["type"] == "KEY_VALUE"
    properties = stored["properties"]
    assert properties["kv.encoding.type"] == encoding.name
    assert properties["key.schema.type"] == "STRING"
    assert properties["value.schema.type"] == "JSON"
    assert properties["value.schema.name"] == "Point"
    assert json.loads(stored["data"])["value"] == POINT_DEFINITION

    # The same, through the binary protocol.
    info = sa_client.get_schema_info(topic)
    assert info.schema_type() == SchemaType.KEY_VALUE
    assert info.properties()["kv.encoding.type"] == encoding.name
    assert info.properties()["value.schema.type"] == "JSON"


@pytest.mark.standalone
def test_a_producer_of_another_value_schema_is_refused(sa_client, topic):
    sa_client.create_producer(
        topic, schema=KeyValueSchema(StringSchema(), StringSchema(), INLINE)
    ).send(("k", "v"))
    with pytest.raises(pulsar.IncompatibleSchema):
        sa_client.create_producer(
            topic, schema=KeyValueSchema(StringSchema(), PointSchema(), INLINE)
        )


# --------------------------------------------------------------------------------------------
# Bad content: a clear error naming what is wrong, and nothing sent
# --------------------------------------------------------------------------------------------

BAD_CONTENT = {
    "not a tuple": (b"kv", pulsar.InvalidArgumentType, r"\(key, value\) tuple .* not 'bytes'"),
    "a list": (["k", {"x": 1, "y": 1}], pulsar.InvalidArgumentType, r"not 'list'"),
    "None": (None, pulsar.InvalidArgumentType, r"not 'NoneType'"),
    "3 items": (("k", {"x": 1, "y": 1}, 3), pulsar.InvalidArgumentType, "a tuple of 3 items"),
    "1 item": (("k",), pulsar.InvalidArgumentType, "a tuple of 1 items"),
    "key of the wrong type": (
        (b"k", {"x": 1, "y": 1}),
        pulsar.InvalidArgumentType,
        "content's key is rejected by its schema StringSchema",
    ),
    "value the schema rejects": (
        ("k", {"x": 1}),
        pulsar.InvalidArgumentType,
        r"content's value is rejected by its schema .*a Point has int x and y",
    ),
}


@pytest.mark.parametrize("send", ["send", "send_async"])
def test_bad_content_is_refused_and_nothing_sent(client, topic, send):
    schema = KeyValueSchema(StringSchema(), PointSchema())
    consumer = client.subscribe(topic, "kv", schema=schema)
    producer = client.create_producer(topic, schema=schema)
    call = producer.send if send == "send" else lambda c: producer.send_async(c, None)
    for content, error, message in BAD_CONTENT.values():
        with pytest.raises(error, match=message):
            call(content)
    producer.send(("good", {"x": 1, "y": 2}))
    # Nothing before it, nothing after it.
    assert receive_only(consumer, RECEIVE_MS).value() == ("good", {"x": 1, "y": 2})


def test_separated_key_must_be_utf8(client, topic):
    schema = KeyValueSchema(BytesSchema(), BytesSchema(), SEPARATED)
    consumer = client.subscribe(topic, "kv", schema=schema)
    producer = client.create_producer(topic, schema=schema)
    with pytest.raises(ValueError, match="key, encoded by BytesSchema, is not UTF-8 text"):
        producer.send((b"\xff", b"v"))
    producer.send((b"ok", b"v"))
    assert consumer.receive(RECEIVE_MS).value() == (b"ok", b"v")


def test_schema_arguments_are_checked():
    with pytest.raises(pulsar.InvalidArgumentType, match="key_schema"):
        KeyValueSchema(str, BytesSchema())  # type: ignore[arg-type]
    with pytest.raises(pulsar.InvalidArgumentType, match="encoding"):
        KeyValueSchema(StringSchema(), BytesSchema(), "INLINE")  # type: ignore[arg-type]
    inner = KeyValueSchema(StringSchema(), BytesSchema())
    with pytest.raises(ValueError, match="value_schema is expected to be a schema that encodes"):
        KeyValueSchema(StringSchema(), inner)
