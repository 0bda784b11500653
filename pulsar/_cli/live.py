"""The figures ``perf`` prints while it runs and when it ends.

A Reporter thread prints the last interval's figures every ``interval`` seconds: on one
line rewritten in place when its stream is a terminal, as plain lines otherwise. The
summary is text for a person, or one JSON object (``--json``).
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any, TextIO

from pulsar._cli.stats import Meter, Snapshot

_CLEAR_LINE = "\r\x1b[K"


def _latency_text(snap: Snapshot) -> str:
    figures = snap.latency.summary_ms()
    return " ".join(f"{name} {figures[name]:.3f}" for name in ("p50", "p95", "p99", "p99.9", "max"))


def interval_line(label: str, elapsed: float, snap: Snapshot, total: int) -> str:
    line = (
        f"{elapsed:7.1f} s  {label} {snap.rate():>10,.0f} msg/s {snap.megabytes_per_second():8.2f}"
        f" MB/s  total {total:>11,}  latency ms: {_latency_text(snap)}"
    )
    if snap.errors:
        line += f"  errors {snap.errors:,}"
    return line


class Reporter:
    """Prints ``meter``'s interval figures on ``stream`` from a thread of its own until
    ``stop()`` (which any thread may call, once)."""

    def __init__(self, meter: Meter, label: str, stream: TextIO, interval: float) -> None:
        self._meter = meter
        self._label = label
        self._stream = stream
        self._interval = interval
        self._stopping = threading.Event()
        self._tty = stream.isatty()
        self._shown = False
        self._total = 0
        self._thread = threading.Thread(target=self._run, name="fastpulsar-perf-report")
        self._thread.daemon = True

    def start(self) -> Reporter:
        if self._interval > 0:
            self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stopping.wait(self._interval):
            snap = self._meter.interval()
            self._total += snap.messages
            line = interval_line(
                self._label, time.monotonic() - self._meter.started, snap, self._total
            )
            try:
                if self._tty:
                    self._stream.write(_CLEAR_LINE + line)
                else:
                    self._stream.write(line + "\n")
                self._stream.flush()
            except (OSError, ValueError):  # closed or broken stream: stop showing
                return
            self._shown = True

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()
        if self._tty and self._shown:
            self._stream.write("\n")
            self._stream.flush()


def summary_text(label: str, topic: str, snap: Snapshot, detail: str) -> str:
    figures = snap.latency.summary_ms()
    latency = "  ".join(f"{name} {value:.3f}" for name, value in figures.items())
    head = f"{label} on {topic}: {snap.messages:,} messages, {snap.bytes:,} bytes"
    rate = f"{snap.rate():,.0f} msg/s, {snap.megabytes_per_second():.2f} MB/s"
    lines = [
        f"{head} in {snap.seconds:.2f} s",
        f"  rate: {rate}; errors: {snap.errors:,}",
        f"  latency (ms): {latency}",
    ]
    lines.append(f"  {detail}")
    return "\n".join(lines)


def summary_json(label: str, topic: str, snap: Snapshot, extra: dict[str, Any]) -> str:
    record: dict[str, Any] = {
        "command": label,
        "topic": topic,
        "messages": snap.messages,
        "bytes": snap.bytes,
        "errors": snap.errors,
        "seconds": round(snap.seconds, 6),
        "rate_msg_per_s": round(snap.rate(), 3),
        "throughput_mb_per_s": round(snap.megabytes_per_second(), 6),
        "latency_ms": snap.latency.summary_ms(),
    }
    record.update(extra)
    return json.dumps(record)
