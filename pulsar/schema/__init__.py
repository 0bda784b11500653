"""pulsar.schema: pulsar-client 3.13's schemas and record definitions.

Record and its field types, BytesSchema, StringSchema, JsonSchema and AvroSchema (fastavro
is the optional extra ``fastpulsar[avro]``). JsonSchema and AvroSchema also take a
dataclass. ProtobufNativeSchema (protobuf is the extra ``fastpulsar[protobuf]``).
KeyValueSchema is not implemented by fastpulsar yet:
asking for one raises NotImplementedError saying so, rather than failing later.
"""

from __future__ import annotations

from typing import NoReturn

from pulsar.schema.definition import (
    Array,
    Boolean,
    Bytes,
    CustomEnum,
    Double,
    Field,
    Float,
    Integer,
    Long,
    Map,
    Null,
    Record,
    String,
)
from pulsar.schema.schema import BytesSchema, JsonSchema, Schema, StringSchema
from pulsar.schema.schema_avro import AvroSchema
from pulsar.schema.schema_protobuf import ProtobufNativeSchema

__all__ = [
    "Array",
    "AvroSchema",
    "Boolean",
    "Bytes",
    "BytesSchema",
    "CustomEnum",
    "Double",
    "Field",
    "Float",
    "Integer",
    "JsonSchema",
    "Long",
    "Map",
    "Null",
    "ProtobufNativeSchema",
    "Record",
    "Schema",
    "String",
    "StringSchema",
]

_NOT_YET = frozenset({"KeyValueSchema"})


def __getattr__(name: str) -> NoReturn:
    if name in _NOT_YET:
        raise NotImplementedError(
            f"pulsar.schema.{name} is not implemented by fastpulsar yet: "
            "use BytesSchema, StringSchema, JsonSchema or AvroSchema "
            "(or a Schema subclass with encode/decode)"
        )
    raise AttributeError(f"module 'pulsar.schema' has no attribute {name!r}")
