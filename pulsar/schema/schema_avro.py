"""AvroSchema: records as Avro binary (fastavro), byte for byte pulsar-client 3.13's.

fastavro is optional (``pip install 'fastpulsar[avro]'``); without it, constructing an
AvroSchema raises ImportError saying so. The schema is parsed once per AvroSchema (3.13
parses it on every message); a message written with another version of the topic's schema
is read with that writer schema, fetched once per (topic, version) through the client.
"""

from __future__ import annotations

import importlib
import io
import json
import logging
import re
from enum import Enum
from typing import Any

from pulsar._enums import SchemaType
from pulsar.exceptions import InvalidArgumentType
from pulsar.schema._dataclass import record_class_of
from pulsar.schema.definition import Record, record_builder
from pulsar.schema.schema import Schema

# fastavro is imported by the first AvroSchema, not by `import pulsar`: on a free-threaded
# CPython, importing it turns the GIL back on for the whole process (fastavro 1.13 does not
# declare itself free-threading-safe), which a program that never uses Avro must not pay.
fastavro: Any = None
_read: Any = None
_write: Any = None


def _import_fastavro() -> bool:
    """Imports fastavro once (any thread; racing imports store the same module); returns
    whether it is installed."""
    global fastavro, _read, _write
    if fastavro is None:
        try:
            module = importlib.import_module("fastavro")
        except ImportError:
            return False
        _read = module.schemaless_reader
        _write = module.schemaless_writer
        fastavro = module
    return True


_BytesIO = io.BytesIO

# A partition's messages carry its name; the schema is the partitioned topic's.
_PARTITION_SUFFIX = re.compile(r"-partition-\d+$")
_logger = logging.getLogger("pulsar")

# Values fastavro takes as they are; anything else is converted first (as 3.13 does).
_PLAIN = frozenset({str, int, float, bool, bytes, type(None)})


def _plain(x: Any) -> Any:
    """3.13's conversion of a record's value for fastavro: enum -> name, record -> dict."""
    if isinstance(x, Enum):
        return x.name
    if isinstance(x, Record):
        return _plain_dict(x.__dict__)
    if isinstance(x, list):
        return [v if type(v) in _PLAIN else _plain(v) for v in x]
    if isinstance(x, dict):
        return _plain_dict(x)
    return x


def _plain_dict(d: dict[Any, Any]) -> dict[Any, Any]:
    return {k: v if type(v) in _PLAIN else _plain(v) for k, v in d.items()}


class AvroSchema(Schema):
    """Records (a Record subclass, a dataclass, or dicts of a definition) as Avro binary.

    Needs fastavro (`pip install 'fastpulsar[avro]'`).

    Args:
        record_cls: A `Record` subclass or a dataclass: the type of the values sent and
            received; None with `schema_definition`.
        schema_definition: Instead of `record_cls`, an Avro schema document (a dict):
            values are then dicts.

    Raises:
        ImportError: fastavro is not installed.
        InvalidArgumentType: `record_cls` is neither a Record subclass nor a dataclass.
    """

    def __init__(self, record_cls: Any, schema_definition: dict[str, Any] | None = None) -> None:
        if not _import_fastavro():
            raise ImportError(
                "AvroSchema needs fastavro, which is not installed: pip install 'fastpulsar[avro]'"
            )
        if record_cls is None and schema_definition is None:
            raise AssertionError(
                "The param record_cls and schema_definition shouldn't be both None."
            )
        self._dataclass = None
        self._build: Any = None  # the record of a decoded dict (None: the dict itself)
        if record_cls is None:
            definition = schema_definition
        else:
            parts = record_class_of(record_cls)
            if parts is None:
                raise InvalidArgumentType(
                    "Argument record_cls is expected to be a Record subclass, a dataclass or "
                    f"None, not {record_cls!r}"
                )
            self._dataclass, record = parts
            definition = record.schema()
            self._build = record_builder(record)
        self._schema: Any = definition
        self._parsed = fastavro.parse_schema(definition)
        self._owner = getattr(record_cls, "__name__", "the record")
        # (topic, version) -> the parsed writer schema, or None when it is the reader's own.
        self._writers: dict[tuple[str, int], Any] = {}
        self._client: Any = None
        self._get_schema_info: Any = None  # the attached client's, if it has one
        super().__init__(record_cls, SchemaType.AVRO, definition, "AVRO")

    def encode(self, obj: Any) -> bytes:
        """The Avro binary of `obj` (a record of `record_cls`, or a dict)."""
        cls: Any = self._record_cls
        if cls is None:
            if not isinstance(obj, dict):
                raise ValueError("If using the custom schema, the record data should be dict type.")
            data = obj
        else:
            if self._dataclass is not None:
                obj = self._dataclass.record_of(obj)
            elif type(obj) is not cls:
                self._validate_object_type(obj)
            data = obj.__dict__
        for v in data.values():
            if type(v) not in _PLAIN:
                data = _plain_dict(data)
                break
        buffer = _BytesIO()
        try:
            _write(buffer, self._parsed, data)
        except Exception as exc:
            raise self._encode_error(data, exc) from exc
        return buffer.getvalue()

    def _encode_error(self, data: dict[str, Any], exc: Exception) -> Exception:
        """The error of a failed write, naming the first field whose value does not fit."""
        where = self._owner
        fields = self._schema.get("fields") if isinstance(self._schema, dict) else None
        from fastavro.validation import validate

        for field in fields or ():
            name = field.get("name")
            record = {name: data.get(name)}
            single = dict(self._schema, fields=[field])
            try:
                ok = validate(record, fastavro.parse_schema(single), raise_errors=False)
            except Exception:  # noqa: BLE001 - any failure marks the field
                ok = False
            if not ok:
                where = f"field '{name}' of {self._owner}"
                break
        kind = TypeError if isinstance(exc, TypeError) else ValueError
        return kind(f"Cannot encode {where} as Avro: {exc}")

    def decode(self, data: bytes) -> Any:
        """The value whose Avro binary is `data`, read with this schema."""
        return self._value(_read(_BytesIO(data), self._parsed, None))

    def _value(self, d: Any) -> Any:
        build = self._build
        if build is None:
            return d
        if self._dataclass is not None:
            return self._dataclass.dataclass_of(build(d))
        return build(d)

    def attach_client(self, client: Any) -> None:
        """Keeps the `client`'s `get_schema_info`, to read messages written with another
        version of the schema."""
        super().attach_client(client)
        # Through `client`, not a bound method of what it refers to: the Client hands over a
        # weak proxy of itself, which a bound method would turn into a strong reference.
        self._get_schema_info = (
            (lambda topic, version: client.get_schema_info(topic, version))
            if hasattr(client, "get_schema_info")
            else None
        )

    def decode_message(self, msg: Any) -> Any:
        """The value of the message `msg`, read with the schema version it was written
        with."""
        get_schema_info = self._get_schema_info
        if get_schema_info is None:  # no writer schema to fetch: the reader's own
            build = self._build
            if build is not None and self._dataclass is None:
                return build(_read(_BytesIO(msg.data()), self._parsed, None))
            return self._value(_read(_BytesIO(msg.data()), self._parsed, None))
        version_of = getattr(msg, "_int_schema_version", None)
        if version_of is None:
            return self.decode(msg.data())
        version = version_of() if callable(version_of) else version_of
        if version < 0:  # written without a schema version (no registry): the reader's own
            return self.decode(msg.data())
        topic = _PARTITION_SUFFIX.sub("", msg.topic_name())  # one schema for all partitions
        key = (topic, version)
        if key in self._writers:
            writer = self._writers[key]
        else:
            try:
                writer = self._fetch_writer(get_schema_info, topic, version)
            except Exception as exc:  # noqa: BLE001 - as 3.13: fall back to the reader schema
                _logger.warning(
                    "Failed to fetch the writer schema of %s version %s: %s; reading its "
                    "messages with the reader schema",
                    topic,
                    version,
                    exc,
                )
                writer = None  # remembered: one lookup (and one warning) per version
            self._writers[key] = writer
        if writer is None:
            return self.decode(msg.data())
        try:
            read = fastavro.schemaless_reader(io.BytesIO(msg.data()), writer, self._parsed)
        except Exception as exc:  # noqa: BLE001 - as 3.13: fall back to the reader schema
            _logger.warning(
                "Failed to decode %s with schema %s version %s: %s; using the reader schema",
                msg.message_id(),
                topic,
                version,
                exc,
            )
            return self.decode(msg.data())
        return self._value(read)

    def _fetch_writer(self, get_schema_info: Any, topic: str, version: int) -> Any:
        _logger.info("Downloading schema of %s version %d...", topic, version)
        info = get_schema_info(topic, version)
        if info.schema_type() != SchemaType.AVRO:
            raise RuntimeError(
                f'The schema type of topic "{topic}" and version {version} is {info.schema_type()}'
            )
        writer = json.loads(info.schema())
        reader = self._schema
        if isinstance(writer, dict) and isinstance(reader, dict) and "name" in reader:
            # As 3.13: a writer record of another name still resolves.
            writer["name"] = reader["name"]
        if writer == reader:
            return None
        return fastavro.parse_schema(writer)
