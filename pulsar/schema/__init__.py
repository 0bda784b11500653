"""pulsar.schema: BytesSchema and StringSchema for now.

pulsar-client's record schemas (Record and its fields, JsonSchema, AvroSchema,
ProtobufNativeSchema, KeyValueSchema) are not implemented by fastpulsar yet:
asking for one raises NotImplementedError saying so, rather than failing later.
"""

from __future__ import annotations

from typing import NoReturn

from pulsar.schema.schema import BytesSchema, Schema, StringSchema

__all__ = ["BytesSchema", "Schema", "StringSchema"]

_NOT_YET = frozenset(
    {
        "AvroSchema",
        "JsonSchema",
        "KeyValueSchema",
        "ProtobufNativeSchema",
        "Record",
        "Field",
        "Null",
        "Boolean",
        "Integer",
        "Long",
        "Float",
        "Double",
        "Bytes",
        "String",
        "Array",
        "Map",
        "CustomEnum",
    }
)


def __getattr__(name: str) -> NoReturn:
    if name in _NOT_YET:
        raise NotImplementedError(
            f"pulsar.schema.{name} is not implemented by fastpulsar yet: "
            "use BytesSchema or StringSchema (or a Schema subclass with encode/decode)"
        )
    raise AttributeError(f"module 'pulsar.schema' has no attribute {name!r}")
