"""Driving official_schema_peer.py (3.13's ProtobufNativeSchema, run by the interpreter of
fastpulsar_testing's official venv) for the schema interoperability tests."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fastpulsar_testing.official_venv import clean_env

from .children import describe, tail

SCHEMA_PEER_SCRIPT = Path(__file__).with_name("official_schema_peer.py")
PEER_PREFIX = "PEER-RESULT "


def run_schema_peer(official_python: Path, args: Sequence[object], timeout: float = 90.0) -> Any:
    """Run ``official_schema_peer.py <args>``; its decoded result.

    AssertionError (with its output) if it fails, prints no result, or times out.
    """
    try:
        proc = subprocess.run(
            [str(official_python), str(SCHEMA_PEER_SCRIPT), *map(str, args)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=clean_env(),
            cwd=str(SCHEMA_PEER_SCRIPT.parent),
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(
            f"official schema peer {list(args)[:1]} timed out after {timeout} s\n"
            f"stdout:\n{tail(exc.stdout)}\nstderr:\n{tail(exc.stderr)}"
        ) from None
    results = [
        line[len(PEER_PREFIX) :]
        for line in proc.stdout.splitlines()
        if line.startswith(PEER_PREFIX)
    ]
    assert proc.returncode == 0, "official schema peer failed: " + describe(proc)
    assert results, "official schema peer printed no result: " + describe(proc)
    return json.loads(results[-1])
