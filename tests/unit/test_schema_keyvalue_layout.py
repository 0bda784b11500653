"""KeyValueSchema and AutoConsumeSchema without a broker: the INLINE layout (the one Java's
KeyValue and libpulsar write), malformed payloads, and what needs a consumer."""

from __future__ import annotations

import pytest

import pulsar
from pulsar.schema.auto import AutoConsumeSchema
from pulsar.schema.keyvalue import (
    KeyValueEncoding,
    KeyValueSchema,
    join_inline,
    split_inline,
)
from pulsar.schema.schema import BytesSchema, StringSchema


def test_inline_layout() -> None:
    assert join_inline(b"ab", b"xyz") == b"\x00\x00\x00\x02ab\x00\x00\x00\x03xyz"
    assert join_inline(b"", b"") == b"\xff\xff\xff\xff" * 2
    for key, value in [(b"ab", b"xyz"), (b"", b"v"), (b"k", b""), (b"\x00" * 300, b"\xff")]:
        assert split_inline(join_inline(key, value)) == (key, value)
    assert split_inline(b"\x00\x00\x00\x00\x00\x00\x00\x00") == (b"", b"")  # 0 as well as -1


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00\x00\x00",
        b"\x00\x00\x00\x05abc",
        b"\x00\x00\x00\x01a\x00\x00",
        b"\xff\xff\xff\xfe",
    ],
)
def test_malformed_inline_payload_raises(data: bytes) -> None:
    with pytest.raises(ValueError, match="not a KeyValue INLINE payload"):
        split_inline(data)


def test_schema_encode_and_decode_are_the_inline_layout() -> None:
    schema = KeyValueSchema(StringSchema(), BytesSchema())
    assert schema.encode(("k", b"v")) == join_inline(b"k", b"v")
    assert schema.decode(join_inline(b"k", b"v")) == ("k", b"v")
    assert schema.encoding is KeyValueEncoding.INLINE
    assert str(schema) == "KeyValueSchema(StringSchema, BytesSchema, INLINE)"
    assert schema.schema_info().schema_type() == pulsar.SchemaType.KEY_VALUE
    separated = KeyValueSchema(StringSchema(), BytesSchema(), KeyValueEncoding.SEPARATED)
    with pytest.raises(ValueError, match="give it the value schema"):
        separated.decode(join_inline(b"k", b"v"))


def test_auto_consume_schema() -> None:
    schema = AutoConsumeSchema()
    assert schema.schema_info().schema_type() == pulsar.SchemaType.AUTO_CONSUME
    assert schema.decode(b"\x01") == b"\x01"
    with pytest.raises(TypeError, match="for consumers and readers"):
        schema.encode(b"x")
    with pytest.raises(ValueError, match="key_schema is expected to be a schema that encodes"):
        KeyValueSchema(schema, BytesSchema())
