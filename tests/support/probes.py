"""Robustness probes: code that feeds bad input to ``pulsar``, run in a child process
(support.children), so that a segfault or an abort fails one test instead of killing pytest.

A probe calls ``attempt(label, fn, expect)`` for each input: ``fn()`` must return (``expect``
is ``OK``) or raise exactly the exception class ``expect`` (``pulsar.InvalidArgumentType``,
``ValueError``, ``pulsar.AlreadyClosed``, ...), so that a regression in fastpulsar's clear
errors fails the probe.  ``broker_decides=True`` marks an outcome that the broker decides
(a topic name it accepts, a size it allows): it is checked on pulsar-lite, the broker the
expectations were taken from, and only printed on another broker (an existing one, see
tests/README.md).  Every outcome is printed, and the child fails at the end if one differed.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from .children import DONE_MARKER, assert_child_ok, run_child

BROKER_KIND_ENV = "FASTPULSAR_CHILD_BROKER_KIND"

PRELUDE = f"""
import gc, threading, time, uuid, datetime
BROKER_KIND = os.environ.get("{BROKER_KIND_ENV}", "pulsar-lite")
OK = "ok"
_mismatches = []
def topic(prefix="probe"):
    return "persistent://public/default/%s-%s" % (prefix, uuid.uuid4().hex[:8])
def _name(outcome):
    return outcome if outcome == OK else outcome.__module__ + "." + outcome.__qualname__
def attempt(label, fn, expect, broker_decides=False):
    try:
        result = fn()
    except Exception as exc:
        got = type(exc)
        print("%s -> %s: %s" % (label, got.__name__, exc), flush=True)
    else:
        got = OK
        print("%s -> ok %r" % (label, result), flush=True)
    if broker_decides and BROKER_KIND != "pulsar-lite":
        return
    if got is not expect:
        line = "%s: expected %s, got %s" % (label, _name(expect), _name(got))
        print("MISMATCH " + line, flush=True)
        _mismatches.append(line)
"""

EPILOGUE = f"""
if _mismatches:
    sys.exit("probe outcomes differ from the expected ones:\\n" + "\\n".join(_mismatches))
print("{DONE_MARKER}", flush=True)
"""


def run_probe(
    directory: Path,
    body: str,
    *,
    service_url: str | None = None,
    broker_kind: str = "pulsar-lite",
    timeout: float = 100.0,
) -> None:
    """Run the probe ``body`` (dedented) in a child; fail on a crash, a hang or a mismatch."""
    code = PRELUDE + textwrap.dedent(body) + EPILOGUE
    proc = run_child(
        directory,
        code,
        service_url=service_url,
        timeout=timeout,
        env={BROKER_KIND_ENV: broker_kind},
    )
    assert_child_ok(proc)
