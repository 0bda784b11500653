"""``fastpulsar perf produce`` and ``perf consume``: rates and latency percentiles.

produce: send_async at ``--rate`` (or as fast as the pending limit allows); the latency is
from just before each send_async to its callback (dispatcher thread), in microseconds.
consume: receive and acknowledge; the latency is from the message's publish timestamp (set
by the producer's client, milliseconds) to its receipt here (wall clock).

Both stop after ``--messages`` or ``--time``, or at Ctrl-C (exit status 130, after the
summary). The live figures go to stdout, or to stderr with ``--json``, whose summary is
then the only thing on stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import math
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

import pulsar
from pulsar._cli import connect, live
from pulsar._cli.stats import Meter
from pulsar._cli.subscription import subscribed


def _deadline(args: argparse.Namespace, started: float) -> float:
    return started + args.time if args.time else math.inf


def _limit(args: argparse.Namespace) -> float:
    return args.messages if args.messages else math.inf


@contextlib.contextmanager
def _reporting(args: argparse.Namespace, meter: Meter, label: str) -> Iterator[None]:
    stream = sys.stderr if args.json else sys.stdout
    reporter = live.Reporter(meter, label, stream, args.interval).start()
    try:
        yield
    finally:
        reporter.stop()


def _finish(
    args: argparse.Namespace,
    label: str,
    meter: Meter,
    ended: float,
    extra: dict[str, Any],
    detail: str,
) -> None:
    """Print the summary: ``extra``'s fields join the JSON object, ``detail`` ends the text."""
    total = meter.total(ended)
    if args.json:
        print(live.summary_json(label, args.topic, total, extra), flush=True)
    else:
        if extra["interrupted"]:
            detail += "; ended by Ctrl-C"
        print(live.summary_text(label, args.topic, total, detail), flush=True)


def _send_callback(meter: Meter, size: int) -> Callable[[int, pulsar.Result, Any], None]:
    now = time.perf_counter_ns
    ok = pulsar.Result.Ok

    def sent(started_ns: int, result: pulsar.Result, message_id: Any) -> None:
        if result == ok:
            meter.record(size, (now() - started_ns) // 1000)
        else:
            meter.error()

    return sent


@contextlib.contextmanager
def _first_ctrl_c_stops() -> Iterator[list[bool]]:
    """For the block, the first Ctrl-C sets the flag (``flag[0]``) instead of raising, so the
    loop ends between two sends, counting exactly what it sent; a second one raises
    KeyboardInterrupt. Main thread (signal handlers run there)."""
    flag = [False]

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        if flag[0]:
            raise KeyboardInterrupt
        flag[0] = True

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)


def _produce_loop(
    args: argparse.Namespace, producer: pulsar.Producer, meter: Meter
) -> tuple[int, bool]:
    """Send until the limit, the deadline or Ctrl-C; how many were sent, and whether Ctrl-C
    (or SIGTERM) ended it."""
    payload = os.urandom(args.size)
    callback = _send_callback(meter, args.size)
    send_async = producer.send_async
    partial = functools.partial
    perf_counter_ns = time.perf_counter_ns
    limit = _limit(args)
    start_ns = perf_counter_ns()
    deadline_ns = start_ns + args.time * 1e9 if args.time else math.inf
    gap_ns = 1e9 / args.rate if args.rate else 0.0
    sent = 0
    try:
        with _first_ctrl_c_stops() as stopping:
            while sent < limit and not stopping[0]:
                now_ns = perf_counter_ns()
                if now_ns >= deadline_ns:
                    break
                if gap_ns:
                    ahead = start_ns + sent * gap_ns - now_ns
                    if ahead > 1e6:  # more than 1 ms early: wait, 0.1 s at most at a time
                        time.sleep(min(ahead, 1e8) / 1e9)
                        continue
                send_async(payload, partial(callback, perf_counter_ns()))
                sent += 1
    except KeyboardInterrupt:  # a second Ctrl-C, or SIGTERM: may miss the last send's count
        return sent, True
    return sent, stopping[0]


def run_produce(args: argparse.Namespace) -> int:
    with connect.connection(args) as client:
        producer = client.create_producer(
            args.topic,
            batching_enabled=args.batching,
            batching_max_messages=args.batching_max_messages,
            batching_max_publish_delay_ms=args.batching_max_delay_ms,
            max_pending_messages=args.max_pending,
            block_if_queue_full=True,
        )
        try:
            meter = Meter()
            with _reporting(args, meter, "produce"):
                sent, interrupted = _produce_loop(args, producer, meter)
                try:
                    producer.flush()  # every callback has run when it returns
                except KeyboardInterrupt:
                    interrupted = True
                ended = time.monotonic()
        finally:
            with contextlib.suppress(KeyboardInterrupt):
                producer.close()
    extra = {
        "sent": sent,
        "size": args.size,
        "target_rate": args.rate or None,  # msg/s
        "batching": args.batching,
        "interrupted": interrupted,
    }
    detail = (
        f"sent {sent:,} of {args.size:,} bytes; target rate "
        f"{f'{args.rate:,g} msg/s' if args.rate else 'none'}; "
        f"batching {'on' if args.batching else 'off'}"
    )
    _finish(args, "perf produce", meter, ended, extra, detail)
    return 130 if interrupted else 0


def _consume_loop(args: argparse.Namespace, consumer: pulsar.Consumer, meter: Meter) -> None:
    """Receive and acknowledge until the limit, the deadline or Ctrl-C (raised)."""
    deadline = _deadline(args, meter.started)
    limit = _limit(args)
    wall_ns = time.time_ns
    received = 0
    while received < limit:
        wait = deadline - time.monotonic()
        if wait <= 0:
            break
        try:
            # At most 1 s at a time when there is a deadline, to notice it.
            message = consumer.receive(
                None if wait == math.inf else max(1, round(min(wait, 1.0) * 1000))
            )
        except pulsar.Timeout:
            continue
        latency = wall_ns() // 1000 - message.publish_timestamp() * 1000
        meter.record(len(message.data()), latency)
        consumer.acknowledge(message)
        received += 1


def run_consume(args: argparse.Namespace) -> int:
    interrupted = False
    with contextlib.ExitStack() as stack:
        client = stack.enter_context(connect.connection(args))
        consumer = stack.enter_context(subscribed(client, args, args.receiver_queue_size))
        meter = Meter()
        with _reporting(args, meter, "consume"):
            try:
                _consume_loop(args, consumer, meter)
            except KeyboardInterrupt:
                interrupted = True
            ended = time.monotonic()
    extra = {"subscription_type": args.subscription_type, "interrupted": interrupted}
    detail = f"{args.subscription_type} subscription"
    _finish(args, "perf consume", meter, ended, extra, detail)
    return 130 if interrupted else 0
