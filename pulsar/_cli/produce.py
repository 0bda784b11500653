"""``fastpulsar produce``: publish messages from the arguments, a file or stdin.

Messages go out with send_async, so batching works; each id is printed once the broker has
stored its message, in the order the messages were read (stdin is streamed: an id shows as
soon as its line is stored).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import sys
import threading
from collections.abc import Iterable, Iterator
from typing import BinaryIO

import pulsar
from pulsar._cli import connect
from pulsar._cli.render import message_id_text


class _Receipts:
    """Collects send outcomes (dispatcher thread, any order) and prints the ids in send order.

    ``complete`` runs on the dispatcher thread and raises nothing; the counters are read by
    the main thread after ``flush()``, which returns once every callback has run."""

    def __init__(self, quiet: bool) -> None:
        self._quiet = quiet
        self._lock = threading.Lock()
        self._done: dict[int, tuple[pulsar.Result, pulsar.MessageId]] = {}
        self._next = 0
        self.stored = 0
        self.failed = 0
        self.stdout_closed = False

    def callback(self, index: int) -> functools.partial[None]:
        return functools.partial(self.complete, index)

    def complete(self, index: int, result: pulsar.Result, message_id: pulsar.MessageId) -> None:
        with self._lock:
            self._done[index] = (result, message_id)
            while self._next in self._done:
                self._report(self._next, *self._done.pop(self._next))
                self._next += 1

    def _report(self, index: int, result: pulsar.Result, message_id: pulsar.MessageId) -> None:
        if result != pulsar.Result.Ok:
            self.failed += 1
            connect.note(f"message {index + 1} was not stored: {result.name}")
            return
        self.stored += 1
        if self._quiet or self.stdout_closed:
            return
        try:
            print(message_id_text(message_id), flush=True)
        except BrokenPipeError:  # e.g. `| head`: keep sending, stop printing
            self.stdout_closed = True


def _lines(stream: BinaryIO) -> Iterator[bytes]:
    for line in stream:
        if line.endswith(b"\n"):
            line = line[:-1]
            if line.endswith(b"\r"):
                line = line[:-1]
        yield line


def _open_input(path: str) -> BinaryIO:
    if path == "-":
        return sys.stdin.buffer
    try:
        return open(path, "rb")
    except OSError as exc:
        raise connect.UsageError(f"--file: cannot read {path}: {exc.strerror}") from None


def _messages(args: argparse.Namespace, stream: BinaryIO | None) -> Iterable[bytes]:
    """Every message to send, in order: the -m ones then the file's, --count times over."""
    given = [text.encode("utf-8", "surrogateescape") for text in args.message]
    from_file: Iterable[bytes] = ()
    if stream is not None:
        if args.file_mode == "whole":
            from_file = [stream.read()]
        elif args.count > 1:  # read once, sent count times
            from_file = list(_lines(stream))
        else:  # streamed
            from_file = _lines(stream)

    def repeated() -> Iterator[bytes]:
        for _ in range(args.count):
            yield from given
            yield from from_file

    return repeated()


def run(args: argparse.Namespace) -> int:
    with contextlib.ExitStack() as stack:
        stream = None
        if args.file is not None:
            stream = _open_input(args.file)
            if stream is not sys.stdin.buffer:
                stack.enter_context(stream)
        client = stack.enter_context(connect.connection(args))
        producer = client.create_producer(
            args.topic,
            batching_enabled=args.batching,
            batching_max_messages=args.batching_max_messages,
            batching_max_publish_delay_ms=args.batching_max_delay_ms,
            block_if_queue_full=True,
        )
        stack.callback(producer.close)
        receipts = _Receipts(args.quiet)
        properties = dict(args.properties) or None
        sent = 0
        for data in _messages(args, stream):
            producer.send_async(
                data, receipts.callback(sent), properties=properties, partition_key=args.key
            )
            sent += 1
        producer.flush()  # every callback has run when it returns
        if args.quiet:
            print(receipts.stored, flush=True)
        if receipts.failed:
            connect.note(f"{receipts.failed} of {sent} messages were not stored")
            return 1
        return 0
    raise AssertionError("unreachable")  # pragma: no cover - the with block returns
