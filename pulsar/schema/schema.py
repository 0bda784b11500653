"""Schemas: how a producer's content becomes bytes and a message's bytes a value.

BytesSchema (the default), StringSchema and JsonSchema (records as JSON) are here,
AvroSchema in schema_avro; a subclass of Schema with encode() and decode() works too.
The producer encodes BytesSchema and StringSchema content in C++, without calling encode().
"""

from __future__ import annotations

import json
from abc import abstractmethod
from typing import Any

from pulsar import _core
from pulsar._checks import check_type
from pulsar._enums import SchemaType
from pulsar.exceptions import InvalidArgumentType
from pulsar.schema._dataclass import record_class_of
from pulsar.schema._json import encode_record, record_decoder
from pulsar.schema.definition import record_builder


class Schema:
    """Base class of schemas, with pulsar-client's interface.

    A schema turns what a producer sends into the message's bytes (`encode`) and a
    message's bytes into what `Message.value()` returns (`decode`), and names the schema
    the broker registers for the topic (`schema_info`). A subclass may define its own
    encode and decode.

    Args:
        record_cls: The class of the values (checked by the subclasses' `encode`).
        schema_type: The `SchemaType` registered for the topic.
        schema_definition: The schema document (JSON-serializable), or None.
        schema_name: The schema's name in the registry.
    """

    def __init__(
        self,
        record_cls: type,
        schema_type: SchemaType,
        schema_definition: Any,
        schema_name: str,
    ) -> None:
        check_type(schema_type, SchemaType, "schema_type")
        self._record_cls = record_cls
        self._schema_info = _core.SchemaInfo(
            schema_type.value, schema_name, json.dumps(schema_definition, indent=True)
        )

    @abstractmethod
    def encode(self, obj: Any) -> bytes:
        """The bytes to send for `obj`.

        Args:
            obj: A value of the schema's type.
        """

    @abstractmethod
    def decode(self, data: bytes) -> Any:
        """The value of a message's bytes.

        Args:
            data: The message's payload.
        """

    def decode_message(self, msg: Any) -> Any:
        """The value of a received pulsar.Message (what `Message.value()` returns).

        Args:
            msg: The message.
        """
        return self.decode(msg.data())

    def schema_info(self) -> _core.SchemaInfo:
        """The schema as the broker's registry records it (type, name, definition)."""
        return self._schema_info

    def attach_client(self, client: Any) -> None:
        """Called by the client with itself when the schema is given to a producer,
        consumer, reader or table view (a schema that fetches registered schemas uses it).

        Args:
            client: The `pulsar.Client`.
        """
        self._client = client

    def _validate_object_type(self, obj: Any) -> None:
        if not isinstance(obj, self._record_cls):
            # pulsar-client's wording, kept: code may match on it.
            raise InvalidArgumentType(
                f"Invalid record obj of type {type(obj)} - expected type is {self._record_cls}"
            )


class BytesSchema(Schema):
    """Content is bytes-like (bytes, bytearray, memoryview, any C-contiguous buffer)."""

    def __init__(self) -> None:
        super().__init__(bytes, SchemaType.BYTES, None, "BYTES")

    def encode(self, data: Any) -> bytes:
        """`data` (bytes-like) as bytes.

        Args:
            data: bytes, bytearray, memoryview or any C-contiguous buffer.
        """
        if isinstance(data, (bytearray, memoryview)):
            return bytes(data)
        self._validate_object_type(data)
        return bytes(data)

    def decode(self, data: bytes) -> bytes:
        """The payload `data` itself."""
        return data

    def __str__(self) -> str:
        return "BytesSchema"


class StringSchema(Schema):
    """Content is a str, sent as UTF-8."""

    def __init__(self) -> None:
        super().__init__(str, SchemaType.STRING, None, "STRING")

    def encode(self, obj: Any) -> bytes:
        """The str `obj` as UTF-8."""
        self._validate_object_type(obj)
        return str(obj).encode("utf-8")

    def decode(self, data: bytes) -> str:
        """The UTF-8 payload `data` as a str."""
        return data.decode("utf-8")

    def __str__(self) -> str:
        return "StringSchema"


class JsonSchema(Schema):
    """Records (Record subclasses or dataclasses) as JSON text, byte for byte 3.13's.

    Args:
        record_cls: A `Record` subclass or a dataclass: the type of the values sent and
            received.

    Raises:
        InvalidArgumentType: `record_cls` is neither.
    """

    def __init__(self, record_cls: Any) -> None:
        parts = record_class_of(record_cls)
        if parts is None:
            raise InvalidArgumentType(
                "Argument record_cls is expected to be a Record subclass or a dataclass, "
                f"not {record_cls!r}"
            )
        self._dataclass, record = parts
        definition = record.schema()
        self._build = record_builder(record)
        super().__init__(record_cls, SchemaType.JSON, definition, "JSON")
        self._owner = record_cls.__name__
        decode = record_decoder(self._build)
        if self._dataclass is not None:
            decode = _then(decode, self._dataclass.dataclass_of)
        self._decode = decode
        # value() decodes with the schema's own decode unless a subclass replaced it.
        self._decode_data = decode if type(self).decode is JsonSchema.decode else None

    def encode(self, obj: Any) -> bytes:
        """The JSON text of the record `obj` (an instance of `record_cls`), as UTF-8."""
        if self._dataclass is not None:
            obj = self._dataclass.record_of(obj)
        elif type(obj) is not self._record_cls:
            self._validate_object_type(obj)
        return encode_record(obj.__dict__, self._owner)

    def decode(self, data: bytes) -> Any:
        """The record (of `record_cls`) whose JSON text is `data`."""
        return self._decode(data)

    def decode_message(self, msg: Any) -> Any:
        """The record carried by the message `msg`."""
        decode = self._decode_data
        if decode is None:
            return self.decode(msg.data())
        return decode(msg.data())


def _then(first: Any, second: Any) -> Any:
    """The composition second(first(x)) as one function."""

    def both(x: Any) -> Any:
        return second(first(x))

    return both
