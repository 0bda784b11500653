"""Scenarios run in a child interpreter under watchdogs, reporting their observations as
``FACTS-<tag> {json}`` lines: for tests where a hang, a deadlock or a crash must be a test
failure with every thread's stack, not a dead or hung pytest.

The child's code gets, besides ``pulsar`` and ``SERVICE_URL`` (support.children's prelude):

* ``arm_watchdog(seconds)``: faulthandler dumps every thread's stack and ends the process
  (exit code 1) if it still runs after ``seconds``;
* ``arm_forked_watchdog(seconds)``: the same in a child of ``os.fork()``, whose
  faulthandler watchdog thread did not survive the fork (re-arming it would wait for that
  thread forever): the stacks are dumped on SIGALRM, which then kills the process;
* ``bounded(fn, name, bound)``: runs ``fn()`` in a daemon thread, waits at most ``bound``
  seconds, and returns ``{"outcome": "returned"|"raised"|"hung", "value"|"error", "seconds"}``
  (a hang dumps every thread's stack to stderr);
* ``describe(exc)``: ``{"type", "mro", "message"}`` of an exception;
* ``report(tag, **facts)``: prints one ``FACTS-<tag>`` line (flushed).
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from support.children import run_child, tail

HELPERS = r"""
import faulthandler, json, signal, sys, threading, time, traceback


def arm_watchdog(seconds):
    faulthandler.dump_traceback_later(seconds, exit=True)


def arm_forked_watchdog(seconds):
    faulthandler.register(signal.SIGALRM, all_threads=True, chain=True)
    signal.alarm(max(1, int(seconds)))


def describe(exc):
    return {"type": type(exc).__name__, "mro": [c.__name__ for c in type(exc).__mro__],
            "message": str(exc)}


def bounded(fn, name, bound):
    box = {}

    def run():
        start = time.monotonic()
        try:
            box.update(outcome="returned", value=fn())
        except BaseException as exc:
            box.update(outcome="raised", error=describe(exc))
        box["seconds"] = round(time.monotonic() - start, 3)

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    thread.join(bound)
    if thread.is_alive():
        sys.stderr.write("\n--- %s has not returned after %.1f s; all threads:\n" % (name, bound))
        faulthandler.dump_traceback(all_threads=True)
        return {"outcome": "hung", "seconds": bound}
    return box


def report(tag, **facts):
    sys.stdout.write("FACTS-%s %s\n" % (tag, json.dumps(facts, default=repr)))
    sys.stdout.flush()
"""


@dataclass
class GuardedRun:
    """A finished child: its exit code and output, and the facts it reported."""

    proc: subprocess.CompletedProcess[str]

    def facts(self, tag: str) -> Any:
        """The facts of the last ``FACTS-<tag>`` line (AssertionError if there is none)."""
        prefix = f"FACTS-{tag} "
        lines = [line for line in self.proc.stdout.splitlines() if line.startswith(prefix)]
        assert lines, f"the child reported no {prefix.strip()}\n{self.tail()}"
        return json.loads(lines[-1][len(prefix) :])

    def all_facts(self, tag: str) -> list[Any]:
        prefix = f"FACTS-{tag} "
        return [
            json.loads(line[len(prefix) :])
            for line in self.proc.stdout.splitlines()
            if line.startswith(prefix)
        ]

    def tail(self) -> str:
        return (
            f"exit code {self.proc.returncode}\nstdout:\n{tail(self.proc.stdout)}\n"
            f"stderr:\n{tail(self.proc.stderr, lines=150, chars=15000)}"
        )

    def assert_clean_exit(self) -> None:
        assert self.proc.returncode == 0, "the child failed, crashed or hung:\n" + self.tail()
        assert "Fatal Python error" not in self.proc.stderr, self.tail()


def run_guarded(
    directory: Path,
    code: str,
    *,
    service_url: str,
    timeout: float,
    env: dict[str, str] | None = None,
    name: str = "guarded.py",
) -> GuardedRun:
    """Runs HELPERS + ``code`` (dedented) in a child interpreter; a child still running
    after ``timeout`` s is killed with its stacks dumped (AssertionError)."""
    import textwrap

    body = HELPERS + textwrap.dedent(code)
    extra = {"PYTHONUNBUFFERED": "1", **(env or {})}
    proc = run_child(
        directory, body, service_url=service_url, timeout=timeout, name=name, env=extra
    )
    return GuardedRun(proc)
