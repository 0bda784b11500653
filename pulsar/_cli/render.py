"""How ``consume`` shows a message: text for a person, a JSON object for a program.

Pure functions of a received message; any thread; they raise nothing of their own.
"""

from __future__ import annotations

import base64
import datetime
import json
from typing import Any

import pulsar


def message_id_text(message_id: pulsar.MessageId) -> str:
    """ledger:entry:partition:batch_index, as the Java tools print a message id."""
    return (
        f"{message_id.ledger_id()}:{message_id.entry_id()}:"
        f"{message_id.partition()}:{message_id.batch_index()}"
    )


def _timestamp_text(millis: int) -> str:
    if millis <= 0:
        return "-"
    moment = datetime.datetime.fromtimestamp(millis / 1000, tz=datetime.timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _decoded(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def data_text(data: bytes) -> str:
    """The data as is when it is UTF-8 text, else ``hex:`` and its bytes in hexadecimal."""
    text = _decoded(data)
    return text if text is not None else "hex:" + data.hex()


def as_text(number: int, message: pulsar.Message) -> str:
    """A few lines: a header with the count, id and publish time, the key and properties
    when there are any, then the data (repr() of the text when it spans lines)."""
    data = message.data()
    message_id = message_id_text(message.message_id())
    published = _timestamp_text(message.publish_timestamp())
    lines = [f"----- message {number}: id {message_id}, published {published}"]
    if message.partition_key():
        lines.append(f"key: {message.partition_key()}")
    properties = message.properties()
    if properties:
        shown = ", ".join(f"{key}={value}" for key, value in sorted(properties.items()))
        lines.append(f"properties: {shown}")
    text = _decoded(data)
    if text is None:
        lines.append(f"data ({len(data)} bytes, not UTF-8, in hex): {data.hex()}")
    elif "\n" in text or "\r" in text:
        lines.append(f"data ({len(data)} bytes, several lines): {text!r}")
    else:
        lines.append(f"data: {text}")
    return "\n".join(lines)


def as_json(message: pulsar.Message) -> str:
    """One line of JSON: id, topic, key, properties, timestamps (milliseconds since the
    epoch, 0 when unset), redelivery count and the data, as text (``"data_encoding":
    "utf-8"``) or in base64 (``"base64"``) when it is not UTF-8."""
    data = message.data()
    text = _decoded(data)
    record: dict[str, Any] = {
        "id": message_id_text(message.message_id()),
        "topic": message.topic_name(),
        "key": message.partition_key() or None,
        "properties": message.properties(),
        "publish_timestamp": message.publish_timestamp(),
        "event_timestamp": message.event_timestamp(),
        "redelivery_count": message.redelivery_count(),
        "size": len(data),
    }
    if text is not None:
        record["data"] = text
        record["data_encoding"] = "utf-8"
    else:
        record["data"] = base64.b64encode(data).decode("ascii")
        record["data_encoding"] = "base64"
    return json.dumps(record, ensure_ascii=False)
