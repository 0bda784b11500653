"""Helpers shared by the test modules.

A note on duplicates: pulsar-lite 0.2.0 has a dispatch race that delivers the *same* entry
(same message id, redelivery count 0) several times when messages are published while a
consumer is attached, or when several flow permits arrive at once.  That is the broker's
doing, not the client's, so the helpers that collect messages drop repeated deliveries of a
message id.  Duplicates created by a client (a message published twice) have distinct message
ids and are still caught by comparing payloads.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

DEFAULT_RECEIVE_MS = 15000


def unique_topic(prefix: str = "t") -> str:
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", prefix).strip("-")[:80] or "t"
    return f"persistent://public/default/{safe}-{uuid.uuid4().hex[:8]}"


def id_key(msg_id) -> tuple:
    return (msg_id.ledger_id(), msg_id.entry_id(), msg_id.partition(), msg_id.batch_index())


def receive_unique(consumer, count: int, timeout_ms: int = DEFAULT_RECEIVE_MS, ack: bool = False):
    """Receive messages until ``count`` distinct message ids were seen; first copies, in order.

    Raises ``pulsar.Timeout`` (from ``receive``) if fewer arrive within ``timeout_ms`` each.
    """
    seen = set()
    out = []
    while len(out) < count:
        msg = consumer.receive(timeout_millis=timeout_ms)
        if ack:
            consumer.acknowledge(msg)
        key = id_key(msg.message_id())
        if key in seen:
            continue
        seen.add(key)
        out.append(msg)
    return out


def drain_unique(consumer, idle_ms: int = 1000, ack: bool = False):
    """Receive until nothing arrives for ``idle_ms``; distinct message ids only, in order."""
    import pulsar

    seen = set()
    out = []
    while True:
        try:
            msg = consumer.receive(timeout_millis=idle_ms)
        except pulsar.Timeout:
            return out
        if ack:
            consumer.acknowledge(msg)
        key = id_key(msg.message_id())
        if key not in seen:
            seen.add(key)
            out.append(msg)


def sorted_by_id(messages):
    return sorted(messages, key=lambda m: id_key(m.message_id()))


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def assert_type_and_value_error(exc: BaseException, argname: str) -> None:
    """fastpulsar's wrong-type errors are both TypeError and ValueError and name the argument."""
    assert isinstance(exc, TypeError), f"{type(exc).__mro__} is not a TypeError: {exc!r}"
    assert isinstance(exc, ValueError), f"{type(exc).__mro__} is not a ValueError: {exc!r}"
    assert argname in str(exc), f"message {str(exc)!r} does not name the argument {argname!r}"


# --------------------------------------------------------------------------------------------
# Running Python code in a child process (for crash-prone probes, signals and deadlocks).
# --------------------------------------------------------------------------------------------

_PRELUDE = '''\
import os, sys
import pulsar
_expected = os.environ.get("FASTPULSAR_EXPECTED_PULSAR_FILE")
if _expected and os.path.realpath(pulsar.__file__) != os.path.realpath(_expected):
    sys.stderr.write("child imported %s instead of %s\\n" % (pulsar.__file__, _expected))
    sys.exit(97)
SERVICE_URL = os.environ.get("FASTPULSAR_TEST_SERVICE_URL", "")
'''


def child_env(service_url: str | None = None) -> dict:
    import pulsar

    env = dict(os.environ)
    env["FASTPULSAR_EXPECTED_PULSAR_FILE"] = pulsar.__file__
    if service_url:
        env["FASTPULSAR_TEST_SERVICE_URL"] = service_url
    env.setdefault("PYTHONFAULTHANDLER", "1")
    return env


def write_child_script(directory: Path, code: str, name: str = "child.py") -> Path:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / name
    script.write_text(_PRELUDE + textwrap.dedent(code))
    return script


def run_child(
    directory: Path,
    code: str,
    *,
    service_url: str | None = None,
    timeout: float = 60.0,
    name: str = "child.py",
) -> subprocess.CompletedProcess:
    """Run ``code`` (after a prelude importing ``pulsar``) in a fresh interpreter.

    The script is written to, and run from, ``directory`` so the working directory can never
    shadow the installed ``pulsar`` with the source tree.  A crash shows up as a negative
    return code; a hang as ``subprocess.TimeoutExpired`` turned into an AssertionError.
    """
    script = write_child_script(directory, code, name)
    proc = subprocess.Popen(
        [sys.executable, str(script)],
        cwd=str(directory),
        env=child_env(service_url),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        # Hang or deadlock: SIGABRT makes faulthandler (PYTHONFAULTHANDLER=1) dump every
        # thread's Python stack before the process dies, to show where it was stuck.
        proc.send_signal(signal.SIGABRT)
        try:
            out, err = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        raise AssertionError(
            f"child process did not finish within {timeout} s (hang or deadlock)\n"
            f"stdout:\n{_tail(out)}\nstderr (thread dump):\n{_tail(err, lines=120, chars=12000)}"
        ) from None
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _tail(text, lines: int = 40, chars: int = 4000) -> str:
    if text is None:
        return ""
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    text = "\n".join(text.splitlines()[-lines:])
    return text if len(text) <= chars else "..." + text[-chars:]


def describe(proc: subprocess.CompletedProcess) -> str:
    return (
        f"return code {proc.returncode}\nstdout:\n{_tail(proc.stdout)}\n"
        f"stderr (tail):\n{_tail(proc.stderr)}"
    )


def assert_child_ok(proc: subprocess.CompletedProcess, marker: str = "CHILD-DONE") -> None:
    assert proc.returncode == 0, "child failed or crashed: " + describe(proc)
    assert marker in proc.stdout, f"child did not reach {marker!r}: " + describe(proc)
    assert "Fatal Python error" not in (proc.stderr or ""), describe(proc)


# --------------------------------------------------------------------------------------------
# Talking to the official client's peer script.
# --------------------------------------------------------------------------------------------

PEER_SCRIPT = Path(__file__).with_name("official_peer.py")
PEER_PREFIX = "PEER-RESULT "


def run_peer(official_python, args, stdin_obj=None, timeout: float = 90.0) -> dict:
    from support.official_venv import clean_env

    # Run as a script, sys.path[0] is tests/support (no `pulsar` there); the cwd is not on it.
    cwd = PEER_SCRIPT.parent
    try:
        proc = subprocess.run(
            [str(official_python), str(PEER_SCRIPT), *map(str, args)],
            input=None if stdin_obj is None else json.dumps(stdin_obj),
            capture_output=True,
            text=True,
            timeout=timeout,
            env=clean_env(),
            cwd=str(cwd),
        )
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(
            f"official peer {args[:1]} timed out after {timeout} s\nstdout:\n{exc.stdout}\n"
            f"stderr:\n{_tail(exc.stderr)}"
        ) from None
    results = [ln[len(PEER_PREFIX):] for ln in proc.stdout.splitlines() if ln.startswith(PEER_PREFIX)]
    assert proc.returncode == 0 and results, "official peer failed: " + describe(proc)
    return json.loads(results[-1])
