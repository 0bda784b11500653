"""Latency histograms and the counters ``perf`` reports.

LatencyHistogram keeps counts in log-linear buckets (like HdrHistogram, 2 significant
digits: 64 buckets per power of two above 127 us, exact below), so recording is O(1), memory
is fixed whatever the run's length, and a percentile is within 1.6% of the true value.
Not thread-safe by itself: Meter serialises access with a lock; it may be recorded into
from any thread (the dispatcher thread's callbacks) and read from another.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

_EXACT = 128  # values below are counted exactly
_SUB_BUCKETS = 64  # per power of two above that
_BUCKETS = _EXACT + _SUB_BUCKETS * 58  # up to 2**64 microseconds

PERCENTILES = (("p50", 50.0), ("p95", 95.0), ("p99", 99.0), ("p99.9", 99.9))


def _index(value: int) -> int:
    if value < _EXACT:
        return value
    shift = value.bit_length() - 7  # value >> shift is in [64, 128)
    return _EXACT + (shift - 1) * _SUB_BUCKETS + (value >> shift) - _SUB_BUCKETS


def _upper_bound(index: int) -> int:
    """The largest value counted in bucket ``index``."""
    if index < _EXACT:
        return index
    shift, offset = divmod(index - _EXACT, _SUB_BUCKETS)
    shift += 1
    return ((offset + _SUB_BUCKETS + 1) << shift) - 1


class LatencyHistogram:
    """Latencies in whole microseconds (negative ones count as 0)."""

    def __init__(self) -> None:
        self._counts = [0] * _BUCKETS
        self.count = 0
        self.total = 0
        self.max = 0

    def record(self, micros: int) -> None:
        micros = max(micros, 0)
        self._counts[_index(micros)] += 1
        self.count += 1
        self.total += micros
        self.max = max(self.max, micros)

    def merge(self, other: LatencyHistogram) -> None:
        """Add ``other``'s values to these."""
        if other.count == 0:
            return
        counts = self._counts
        for index, bucket in enumerate(other._counts):
            if bucket:
                counts[index] += bucket
        self.count += other.count
        self.total += other.total
        self.max = max(self.max, other.max)

    def percentile(self, percent: float) -> int:
        """The smallest recorded value (to the bucket's precision) that ``percent`` of the
        values do not exceed; 0 when empty. Never above the largest value recorded."""
        if self.count == 0:
            return 0
        rank = max(1, -(-self.count * percent // 100))  # ceil, at least the first value
        seen = 0
        for index, bucket in enumerate(self._counts):
            seen += bucket
            if seen >= rank:
                return min(_upper_bound(index), self.max)
        return self.max  # pragma: no cover - the counts add up to count

    def mean(self) -> float:
        return self.total / self.count if self.count else 0.0

    def summary_ms(self) -> dict[str, float]:
        """p50, p95, p99, p99.9, max and mean in milliseconds (3 decimals)."""
        figures = {name: self.percentile(percent) / 1000 for name, percent in PERCENTILES}
        figures["max"] = self.max / 1000
        figures["mean"] = self.mean() / 1000
        return {name: round(value, 3) for name, value in figures.items()}


@dataclass
class Snapshot:
    """What a Meter counted over one interval (or the whole run)."""

    seconds: float
    messages: int
    bytes: int
    errors: int
    latency: LatencyHistogram

    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds > 0 else 0.0

    def megabytes_per_second(self) -> float:
        return self.bytes / self.seconds / 1e6 if self.seconds > 0 else 0.0


class Meter:
    """Counts messages, bytes, errors and latencies, over the run and since the last
    ``interval()``. ``record``/``error``: any thread; ``interval``/``total``: one reader.

    Recording touches the current interval only; ``interval()`` folds it into the run's."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.started = time.monotonic()
        self._interval_started = self.started
        self._run = Snapshot(0.0, 0, 0, 0, LatencyHistogram())
        self._window = Snapshot(0.0, 0, 0, 0, LatencyHistogram())

    def record(self, size: int, latency_micros: int) -> None:
        with self._lock:
            window = self._window
            window.messages += 1
            window.bytes += size
            window.latency.record(latency_micros)

    def error(self) -> None:
        with self._lock:
            self._window.errors += 1

    def _take_window(self) -> Snapshot:
        with self._lock:
            window = self._window
            self._window = Snapshot(0.0, 0, 0, 0, LatencyHistogram())
        run = self._run
        run.messages += window.messages
        run.bytes += window.bytes
        run.errors += window.errors
        run.latency.merge(window.latency)
        return window

    def interval(self) -> Snapshot:
        """What was counted since the last call (or the start), and start a new interval."""
        now = time.monotonic()
        window = self._take_window()
        window.seconds = now - self._interval_started
        self._interval_started = now
        return window

    def total(self, ended: float | None = None) -> Snapshot:
        """The whole run's counts, its duration up to ``ended`` (monotonic; default now)."""
        self._take_window()
        self._run.seconds = (ended if ended is not None else time.monotonic()) - self.started
        return self._run
