"""pulsar.schema: pulsar-client 3.13's schemas and record definitions.

Record and its field types, BytesSchema, StringSchema, JsonSchema and AvroSchema (fastavro
is the optional extra ``fastpulsar[avro]``). JsonSchema and AvroSchema also take a
dataclass. ProtobufNativeSchema (protobuf is the extra ``fastpulsar[protobuf]``). Beyond
pulsar-client: KeyValueSchema (libpulsar's KeyValue schema, INLINE or SEPARATED) and
AutoConsumeSchema (decodes each message by its writer's registered schema).
"""

from __future__ import annotations

from pulsar.schema.auto import AutoConsumeSchema
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
from pulsar.schema.keyvalue import KeyValueEncoding, KeyValueSchema
from pulsar.schema.schema import BytesSchema, JsonSchema, Schema, StringSchema
from pulsar.schema.schema_avro import AvroSchema
from pulsar.schema.schema_protobuf import ProtobufNativeSchema

__all__ = [
    "Array",
    "AutoConsumeSchema",
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
    "KeyValueEncoding",
    "KeyValueSchema",
    "Long",
    "Map",
    "Null",
    "ProtobufNativeSchema",
    "Record",
    "Schema",
    "String",
    "StringSchema",
]
