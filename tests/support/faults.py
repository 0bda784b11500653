"""The test's side of the fault scenarios: run support/fault_producer.py in a child process
(fastpulsar's interpreter or pulsar-client 3.13's), do the fault when it says so, load what
it wrote, and read a topic back to see what the broker stored.

``run_producer`` (which thread: the caller's; raises AssertionError on a hang, with the
child's output) and ``read_back`` (the caller's thread; pulsar exceptions propagate).
"""

from __future__ import annotations

import array
import json
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulsar
from support.children import tail

SCRIPT = Path(__file__).with_name("fault_producer.py")
NO_CALLBACK = 255
SEND_RAISED = 254
EVENT_PREFIX = "FAULT-EVENT "


@dataclass
class ProducerOutcome:
    """What the producer script saw: per message, callbacks run, last result code, times."""

    calls: array.array[int]
    results: array.array[int]
    sent_at: array.array[float]
    done_at: array.array[float]
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    fault_started: float = 0.0  # time.monotonic() when the fault began, as the test saw it
    fault_ended: float = 0.0  # ... and when it was over (broker ready again, proxy restored)
    wall_s: float = 0.0

    @classmethod
    def load(cls, path: Path, count: int) -> ProducerOutcome:
        calls, results = array.array("B"), array.array("B")
        sent_at, done_at = array.array("d"), array.array("d")
        with path.open("rb") as f:
            for arr in (calls, results, sent_at, done_at):
                arr.fromfile(f, count)
        return cls(calls, results, sent_at, done_at)

    @property
    def count(self) -> int:
        return len(self.calls)

    def indexes_with(self, code: int) -> list[int]:
        return [i for i, r in enumerate(self.results) if r == code]

    def result_counts(self) -> dict[str, int]:
        """How many messages ended with each result, by name (``NoCallback``, ``SendRaised``
        for the two cases without one)."""
        counts: dict[str, int] = {}
        for code in set(self.results):
            if code == NO_CALLBACK:
                name = "NoCallback"
            elif code == SEND_RAISED:
                name = "SendRaised"
            else:
                name = pulsar.Result(code).name
            counts[name] = self.results.count(code)
        return counts

    @property
    def callbacks_run(self) -> int:
        return sum(self.calls)

    @property
    def callbacks_twice(self) -> int:
        return sum(1 for c in self.calls if c > 1)

    @property
    def no_callback(self) -> int:
        return sum(1 for i, c in enumerate(self.calls) if c == 0 and self.results[i] != SEND_RAISED)


def run_producer(
    python: str | Path,
    env: Mapping[str, str],
    cfg: dict[str, Any],
    work: Path,
    fault: Callable[[], None],
    *,
    timeout: float,
) -> ProducerOutcome:
    """Run the producer script with ``cfg`` (``out`` and ``log_file`` are set here, under
    ``work``), call ``fault()`` on this thread when the script says ``fault-now``, and wait
    for it to finish within ``timeout`` s.  On a hang: SIGABRT (faulthandler's thread dump)
    then SIGKILL, and AssertionError with the child's output."""
    work.mkdir(parents=True, exist_ok=True)
    cfg = dict(cfg, out=str(work / "outcome.bin"), log_file=str(work / "libpulsar.log"))
    stderr_path = work / "stderr.txt"
    t0 = time.monotonic()
    events: dict[str, dict[str, Any]] = {}
    lines: list[str] = []
    fault_times = [0.0, 0.0]
    with stderr_path.open("wb") as stderr:
        proc = subprocess.Popen(
            [str(python), str(SCRIPT), json.dumps(cfg)],
            cwd=str(work),
            env=dict(env, PYTHONFAULTHANDLER="1"),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        timer = threading.Timer(timeout, _abort, (proc,))
        timer.start()
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.append(line.rstrip("\n"))
                if not line.startswith(EVENT_PREFIX):
                    continue
                name, _, data = line[len(EVENT_PREFIX) :].partition(" ")
                events[name] = json.loads(data or "{}")
                if name == "fault-now":
                    fault_times[0] = time.monotonic()
                    fault()
                    fault_times[1] = time.monotonic()
            proc.wait()
        finally:
            timer.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
    output = "\n".join(lines[-40:])
    err = tail(stderr_path.read_bytes(), lines=80, chars=8000)
    failure = (
        f"the producer script failed, crashed or hung (return code {proc.returncode})\n"
        f"stdout:\n{output}\nstderr:\n{err}"
    )
    assert proc.returncode == 0, failure
    assert "done" in events, failure
    outcome = ProducerOutcome.load(work / "outcome.bin", int(cfg["count"]))
    outcome.events = events
    outcome.fault_started, outcome.fault_ended = fault_times
    outcome.wall_s = time.monotonic() - t0
    return outcome


def _abort(proc: subprocess.Popen[str]) -> None:
    """Watchdog: a thread dump (SIGABRT), then SIGKILL if it is still there."""
    try:
        proc.send_signal(signal.SIGABRT)
        proc.wait(15)
    except (OSError, subprocess.TimeoutExpired):
        proc.kill()


def read_back(
    client: pulsar.Client, topic: str, count: int, *, timeout_ms: int = 30000
) -> array.array[int]:
    """Read ``topic`` from the earliest message with a reader: how many times each index
    ``0..count-1`` (8-byte big-endian payload) is stored.  Stops when the reader has no more
    messages available."""
    seen = array.array("B", bytes(count))
    reader = client.create_reader(topic, pulsar.MessageId.earliest, receiver_queue_size=5000)
    try:
        while reader.has_message_available():
            msg = reader.read_next(timeout_millis=timeout_ms)
            index = int.from_bytes(msg.data(), "big")
            seen[index] = min(seen[index] + 1, 250)
    finally:
        reader.close()
    return seen


def figures(
    label: str,
    outcome: ProducerOutcome,
    stored: array.array[int] | None,
    recover_s: float | None,
) -> dict[str, Any]:
    """One row of the reliability table: what the producer saw, and what the broker stored."""
    ok = outcome.indexes_with(int(pulsar.Result.Ok))
    row: dict[str, Any] = {
        "scenario": label,
        "sent": outcome.count,
        "callbacks_run": outcome.callbacks_run,
        "callbacks_twice": outcome.callbacks_twice,
        "no_callback": outcome.no_callback,
        "results": outcome.result_counts(),
        "recover_s": None if recover_s is None else round(recover_s, 1),
        "wall_s": round(outcome.wall_s, 1),
    }
    if stored is not None:
        row["acked_but_lost"] = sum(1 for i in ok if stored[i] == 0)
        row["stored_twice"] = sum(1 for n in stored if n > 1)
        row["stored_not_acked"] = sum(
            1 for i, n in enumerate(stored) if n and outcome.results[i] != pulsar.Result.Ok
        )
    return row
