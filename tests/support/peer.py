"""Driving the official client's peer script (``official_peer.py``, run by the interpreter of
fastpulsar_testing's official venv) for the interoperability tests."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fastpulsar_testing.official_venv import clean_env

from .children import describe, tail

PEER_SCRIPT = Path(__file__).with_name("official_peer.py")
PEER_PREFIX = "PEER-RESULT "


def run_peer(
    official_python: Path,
    args: Sequence[object],
    stdin_obj: Any = None,
    timeout: float = 90.0,
    script: Path = PEER_SCRIPT,
) -> Any:
    """Run ``official_peer.py <args>`` (or another peer ``script`` of this folder that prints
    its result the same way; JSON ``stdin_obj`` on its stdin); its decoded result.

    AssertionError (with its output) if it fails, prints no result, or times out.
    """
    # Run as a script, sys.path[0] is tests/support (no `pulsar` there); the cwd is not on it.
    try:
        proc = subprocess.run(
            [str(official_python), str(script), *map(str, args)],
            input=None if stdin_obj is None else json.dumps(stdin_obj),
            capture_output=True,
            text=True,
            timeout=timeout,
            env=clean_env(),
            cwd=str(script.parent),
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(
            f"official peer {script.name} {list(args)[:1]} timed out after {timeout} s\n"
            f"stdout:\n{tail(exc.stdout)}\nstderr:\n{tail(exc.stderr)}"
        ) from None
    results = [
        line[len(PEER_PREFIX) :]
        for line in proc.stdout.splitlines()
        if line.startswith(PEER_PREFIX)
    ]
    assert proc.returncode == 0, f"official peer {script.name} failed: " + describe(proc)
    assert results, f"official peer {script.name} printed no result: " + describe(proc)
    return json.loads(results[-1])
