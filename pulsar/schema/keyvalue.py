"""KeyValueSchema: messages whose content is a (key, value) pair, each part encoded by a
schema of its own, bound to libpulsar's KeyValue schema support (not in pulsar-client 3.13).

The producer sends `(key, value)`: the key schema encodes `key`, the value schema `value`,
and libpulsar lays the two out as the encoding says. INLINE (the default): both in the
payload, each after its length (4 bytes, big-endian; -1 for an empty part), as Java's
KeyValue schema does. SEPARATED: the key travels as the message key (partition_key(),
which routes and orders the message, and replaces a partition_key given to send()), the
value as the payload; libpulsar sends the key's bytes as they are (not in base64 as Java
does), so they must be UTF-8 text. The schema registered with
the broker is of type KEY_VALUE, its properties naming both parts' types and the encoding.
A consumer or reader with the same schema gets `(key, value)` from Message.value(), each
decoded by its schema's decode(); it subscribes without registering a schema (see
key_value_of() for why).
"""

from __future__ import annotations

import enum
import struct
from typing import Any

from pulsar import _core
from pulsar._checks import check_type, type_error
from pulsar._enums import SchemaType
from pulsar.exceptions import InvalidArgumentType
from pulsar.schema.schema import Schema


class KeyValueEncoding(enum.Enum):
    """Where a KeyValueSchema's messages carry the key (the values are libpulsar's)."""

    SEPARATED = 0  # the key as the message key, the value as the payload
    INLINE = 1  # both in the payload


_LENGTH = struct.Struct(">i")
_EMPTY = -1  # the length written for an empty part


def join_inline(key: bytes, value: bytes) -> bytes:
    """The INLINE layout of `key` and `value`: each after its length (-1 when empty)."""
    return b"".join(
        (_LENGTH.pack(len(key) or _EMPTY), key, _LENGTH.pack(len(value) or _EMPTY), value)
    )


def split_inline(data: bytes) -> tuple[bytes, bytes]:
    """The (key, value) of an INLINE layout; ValueError when `data` is not one."""
    parts = []
    offset = 0
    for _ in range(2):
        if offset + _LENGTH.size > len(data):
            raise ValueError(
                f"not a KeyValue INLINE payload: {len(data)} bytes end before a part's length"
            )
        (length,) = _LENGTH.unpack_from(data, offset)
        offset += _LENGTH.size
        if length == _EMPTY:
            length = 0
        if length < 0 or offset + length > len(data):
            raise ValueError(
                f"not a KeyValue INLINE payload: a part of {length} bytes at offset {offset} "
                f"of {len(data)}"
            )
        parts.append(bytes(data[offset : offset + length]))
        offset += length
    return parts[0], parts[1]


def key_value_of(msg: Any, separated: bool) -> tuple[bytes, bytes]:
    """The key's and the value's bytes of a received message of a KeyValue schema.

    Split here rather than by libpulsar: a consumer whose schema is a KeyValue one has
    libpulsar split each payload on its I/O thread without checking the lengths in it,
    which crashes the process on a payload that is not a KeyValue one (e.g. from a producer
    without a schema). Consumers, readers and table views of a KeyValueSchema give
    libpulsar no schema (pulsar/_client.py), and a bad payload raises ValueError here.
    """
    if separated:
        return msg.partition_key().encode("utf-8"), msg.data()
    return split_inline(msg.data())


class KeyValueSchema(Schema):
    """Content is a `(key, value)` tuple: `key` encoded by `key_schema`, `value` by
    `value_schema`; Message.value() gives the tuple back, decoded.

    Args:
        key_schema: The schema of the key (not a KeyValue or AutoConsume one).
        value_schema: The schema of the value (not a KeyValue or AutoConsume one).
        encoding: `KeyValueEncoding.INLINE` (both parts in the payload) or
            `KeyValueEncoding.SEPARATED` (the key as the message's key: it must be UTF-8
            text).
    """

    def __init__(
        self,
        key_schema: Schema,
        value_schema: Schema,
        encoding: KeyValueEncoding = KeyValueEncoding.INLINE,
    ) -> None:
        check_type(key_schema, Schema, "key_schema")
        check_type(value_schema, Schema, "value_schema")
        check_type(encoding, KeyValueEncoding, "encoding")
        for name, part in (("key_schema", key_schema), ("value_schema", value_schema)):
            part_type = part.schema_info().schema_type()
            if part_type in (SchemaType.KEY_VALUE, SchemaType.AUTO_CONSUME):
                raise ValueError(
                    f"Argument {name} is expected to be a schema that encodes, not {part} "
                    f"(of type {part_type.name})"
                )
        super().__init__(tuple, SchemaType.KEY_VALUE, None, "KeyValue")
        self._key_schema = key_schema
        self._value_schema = value_schema
        self._encoding = encoding
        self._separated = encoding is KeyValueEncoding.SEPARATED
        self._key_value_info = _core.SchemaInfo.key_value(
            key_schema.schema_info(), value_schema.schema_info(), encoding.value
        )

    @property
    def key_schema(self) -> Schema:
        """The schema of the key."""
        return self._key_schema

    @property
    def value_schema(self) -> Schema:
        """The schema of the value."""
        return self._value_schema

    @property
    def encoding(self) -> KeyValueEncoding:
        """Where the key goes: INLINE or SEPARATED."""
        return self._encoding

    def schema_info(self) -> _core.SchemaInfo:
        """libpulsar's KEY_VALUE schema of the two parts and the encoding."""
        return self._key_value_info

    def attach_client(self, client: Any) -> None:
        """Hands the `client` to both parts' schemas too."""
        super().attach_client(client)
        self._key_schema.attach_client(client)
        self._value_schema.attach_client(client)

    def _encode_key_value(self, content: Any) -> tuple[bytes, bytes]:
        """The key's and the value's bytes, for the producer's send path."""
        if not isinstance(content, tuple):
            raise type_error(
                "content", "a (key, value) tuple (the schema is KeyValueSchema)", content
            )
        if len(content) != 2:
            raise InvalidArgumentType(
                "Argument content is expected to be a (key, value) tuple (the schema is "
                f"KeyValueSchema), not a tuple of {len(content)} items"
            )
        key = _encode_part(self._key_schema, content[0], "key")
        value = _encode_part(self._value_schema, content[1], "value")
        if self._separated:
            try:
                key.decode("utf-8")
            except UnicodeDecodeError as e:
                # libpulsar sends it as the message key as it is, and the broker reads that
                # as a string: bytes that are not UTF-8 would not come back the same.
                raise ValueError(
                    f"Argument content's key, encoded by {self._key_schema}, is not UTF-8 text, "
                    "which a SEPARATED KeyValueSchema needs (it travels as the message key): "
                    f"{e}"
                ) from e
        return key, value

    def encode(self, obj: Any) -> bytes:
        """The INLINE layout of `obj`, a (key, value) tuple (the producer does not call
        this: it hands both parts to libpulsar, which lays them out as the encoding says)."""
        key, value = self._encode_key_value(obj)
        return join_inline(key, value)

    def decode(self, data: bytes) -> tuple[Any, Any]:
        """The (key, value) of `data`, an INLINE layout (see encode()); what a TableView of
        an INLINE KeyValueSchema gives. SEPARATED: the payload lacks the key, ValueError."""
        if self._separated:
            raise ValueError(
                "a SEPARATED KeyValueSchema decodes messages, not payloads (the key is the "
                "message key): for a TableView, give it the value schema (its keys are the "
                "KeyValue keys)"
            )
        key, value = split_inline(data)
        return self._key_schema.decode(key), self._value_schema.decode(value)

    def decode_message(self, msg: Any) -> tuple[Any, Any]:
        """The decoded (key, value) of the message `msg`; ValueError when its payload is
        not a KeyValue one."""
        key, value = key_value_of(msg, self._separated)
        return self._key_schema.decode(key), self._value_schema.decode(value)

    def __str__(self) -> str:
        return f"KeyValueSchema({self._key_schema}, {self._value_schema}, {self._encoding.name})"


def _encode_part(schema: Schema, obj: Any, part: str) -> bytes:
    try:
        data = schema.encode(obj)
    except Exception as e:
        raise InvalidArgumentType(
            f"Argument content's {part} is rejected by its schema {schema}: {e}"
        ) from e
    if not isinstance(data, bytes):
        raise type_error(f"content's {part}", f"encoded by its schema {schema} to bytes", data)
    return data
