"""AutoConsumeSchema: a consumer or reader that decodes whatever schema the producer used
(not in pulsar-client 3.13).

Subscribing registers no schema with the broker (libpulsar sends none for AUTO_CONSUME, as
for BYTES), so the consumer accepts every producer. Message.value() asks the broker, once
per topic and schema version (Client.get_schema_info), for the schema the message was
written with, and decodes by its type: JSON -> json.loads() (a dict for a record), AVRO ->
a dict read with the writer's schema (needs fastavro: `pip install 'fastpulsar[avro]'`),
STRING -> str, KEY_VALUE -> (key, value), each part decoded by its own type; BYTES, no
schema, and any other type (PROTOBUF_NATIVE, INT32, ...) -> the payload's bytes.
"""

from __future__ import annotations

import io
import json
import re
import threading
from typing import Any, Callable

from pulsar import _core
from pulsar._enums import SchemaType
from pulsar.schema.keyvalue import KeyValueEncoding, key_value_of, split_inline
from pulsar.schema.schema import Schema

_PARTITION_SUFFIX = re.compile(r"-partition-\d+$")


def _payload(data: bytes) -> bytes:
    return data


def _utf8(data: bytes) -> str:
    return data.decode("utf-8")


def _json(data: bytes) -> Any:
    return json.loads(data)


def _avro(definition: str, topic: str) -> Callable[[bytes], Any]:
    try:
        import fastavro
    except ImportError as e:
        raise ImportError(
            f"AutoConsumeSchema needs fastavro to decode the Avro messages of {topic}: "
            "install fastpulsar with Avro support, pip install 'fastpulsar[avro]'"
        ) from e
    writer_schema = fastavro.parse_schema(json.loads(definition))

    def decode(data: bytes) -> Any:
        return fastavro.schemaless_reader(io.BytesIO(data), writer_schema)

    return decode


def _decoder(schema_type: SchemaType | None, definition: str, topic: str) -> Callable[[bytes], Any]:
    """How to decode the bytes of a schema of `schema_type` (None: a type we do not know)."""
    if schema_type is SchemaType.JSON:
        return _json
    if schema_type is SchemaType.AVRO:
        return _avro(definition, topic)
    if schema_type is SchemaType.STRING:
        return _utf8
    return _payload


def _schema_type(name: str | None) -> SchemaType | None:
    return SchemaType.__members__.get(name) if name is not None else None


def _key_value_decoder(info: _core.SchemaInfo, topic: str) -> Callable[[Any], Any]:
    """The decoder of a message of a KEY_VALUE schema: the two parts' definitions are in
    its definition (INLINE layout), their types and the encoding in its properties."""
    properties = info.properties()
    key_definition, value_definition = split_inline(
        info.schema().encode("utf-8", "surrogateescape")
    )
    decode_key = _decoder(
        _schema_type(properties.get("key.schema.type")), key_definition.decode(), topic
    )
    decode_value = _decoder(
        _schema_type(properties.get("value.schema.type")), value_definition.decode(), topic
    )
    separated = properties.get("kv.encoding.type") == KeyValueEncoding.SEPARATED.name

    def decode(msg: Any) -> tuple[Any, Any]:
        key, value = key_value_of(msg, separated)
        return decode_key(key), decode_value(value)

    return decode


def _message_decoder(info: _core.SchemaInfo, topic: str) -> Callable[[Any], Any]:
    schema_type = info.schema_type()
    if schema_type is SchemaType.KEY_VALUE:
        return _key_value_decoder(info, topic)
    decode = _decoder(schema_type, info.schema(), topic)
    return lambda msg: decode(msg.data())


class AutoConsumeSchema(Schema):
    """For subscribe() and create_reader(): Message.value() decodes each message by the
    schema it was written with, fetched from the broker (see the module's docstring)."""

    def __init__(self) -> None:
        super().__init__(bytes, SchemaType.AUTO_CONSUME, None, "AUTO_CONSUME")
        self._client: Any = None
        self._decoders: dict[tuple[str, int], Callable[[Any], Any]] = {}
        self._lock = threading.Lock()  # one fetch per topic and version

    def encode(self, obj: Any) -> bytes:
        """Always raises TypeError: this schema only decodes (`obj` is not sent)."""
        raise TypeError(
            "AutoConsumeSchema is for consumers and readers: a producer needs a schema that "
            "encodes (BytesSchema, JsonSchema, ...)"
        )

    def decode(self, data: bytes) -> bytes:
        """The payload `data` as it is: without the message, its schema is unknown."""
        return data

    def decode_message(self, msg: Any) -> Any:
        """The value of the message `msg`, decoded by the schema it was written with: a
        dict for JSON and Avro, a str for STRING, a tuple for KEY_VALUE, bytes otherwise."""
        version: int = msg._int_schema_version()
        if version < 0:  # written without a schema
            return msg.data()
        topic = _PARTITION_SUFFIX.sub("", msg.topic_name())  # one schema for all partitions
        decoder = self._decoders.get((topic, version))
        if decoder is None:
            decoder = self._fetch(topic, version)
        return decoder(msg)

    def _fetch(self, topic: str, version: int) -> Callable[[Any], Any]:
        if self._client is None:
            raise RuntimeError(
                "AutoConsumeSchema decodes the messages of a consumer or reader it was "
                "given to (it fetches their schemas through its client)"
            )
        with self._lock:
            decoder = self._decoders.get((topic, version))
            if decoder is None:
                info = self._client.get_schema_info(topic, version)
                decoder = _message_decoder(info, topic)
                self._decoders[(topic, version)] = decoder
        return decoder

    def __str__(self) -> str:
        return "AutoConsumeSchema"
