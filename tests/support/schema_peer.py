"""Driving official_schema_peer.py (3.13's ProtobufNativeSchema, JsonSchema and AvroSchema,
run by the interpreter of fastpulsar_testing's official venv) for the schema interoperability
tests, and ``canonical``: fastpulsar's values in the form the peer prints them."""

from __future__ import annotations

import base64
import dataclasses
import enum
import json
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from fastpulsar_testing.official_venv import clean_env

from .peer import run_peer

SCHEMA_PEER_SCRIPT = Path(__file__).with_name("official_schema_peer.py")


def run_schema_peer(
    official_python: Path,
    args: Sequence[object],
    timeout: float = 90.0,
    stdin_obj: Any = None,
) -> Any:
    """Run ``official_schema_peer.py <args>`` (JSON ``stdin_obj`` on its standard input); its
    decoded result. AssertionError (with its output) if it fails, prints no result, or times
    out."""
    return run_peer(official_python, args, stdin_obj, timeout, script=SCHEMA_PEER_SCRIPT)


def run_record_peer(official_python: Path, spec: Mapping[str, Any], timeout: float = 90.0) -> Any:
    """Run the peer's ``records`` command with `spec` (see official_schema_peer.py); its
    result, each consumed message's ``payload_b64`` and ``schema_version_b64`` decoded into
    ``payload`` and ``schema_version`` (bytes). Same errors as run_schema_peer."""
    out = run_schema_peer(official_python, ["records"], timeout, stdin_obj=spec)
    for messages in out["consumed"]:
        for message in messages:
            message["payload"] = base64.b64decode(message["payload_b64"])
            message["schema_version"] = base64.b64decode(message["schema_version_b64"])
    return out


def canonical(value: Any) -> Any:
    """`value` (a Record, a dataclass instance, or what their fields hold) in the peer's
    canonical form (records.DUMP_SOURCE's ``canon``): a record or dataclass is ``{"record":
    class name, "fields": {name: ...}}``, an Enum member ``"enum:Cls.NAME"``, bytes
    ``"bytes:<hex>"``, a float ``"float:<repr>"``; lists and dicts item by item."""
    from pulsar.schema import Record

    if isinstance(value, Record):
        fields = {name: canonical(getattr(value, name)) for name in value._fields}
        return {"record": type(value).__name__, "fields": fields}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"record": type(value).__name__, "fields": fields}
    if isinstance(value, enum.Enum):
        return f"enum:{type(value).__name__}.{value.name}"
    if isinstance(value, bytes):
        return "bytes:" + value.hex()
    if isinstance(value, float):
        return "float:" + repr(value)
    if isinstance(value, list):
        return [canonical(x) for x in value]
    if isinstance(value, dict):
        return {k: canonical(x) for k, x in value.items()}
    return value


def run_source_json(python: Path | str, source: str, cwd: Path, stdin_obj: Any = None) -> Any:
    """Run `source` (which prints one JSON document) with interpreter `python` in `cwd` (not
    the checkout, so that the installed `pulsar` is imported), `stdin_obj` as JSON on its
    stdin; the decoded document. CalledProcessError/TimeoutExpired if it fails."""
    proc = subprocess.run(
        [str(python), "-c", source],
        input=None if stdin_obj is None else json.dumps(stdin_obj),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=str(cwd),
        env=clean_env(),
    )
    return json.loads(proc.stdout)
