"""``fastpulsar consume``: receive messages, print them or write them as JSON lines, and
acknowledge each once it is written. Main thread only."""

from __future__ import annotations

import argparse
import contextlib
import sys
from typing import TextIO

import pulsar
from pulsar._cli import connect, render
from pulsar._cli.subscription import subscribed


def _open_output(path: str | None) -> TextIO:
    if path is None or path == "-":
        return sys.stdout
    try:
        return open(path, "w", encoding="utf-8")
    except OSError as exc:
        raise connect.UsageError(f"--output: cannot write {path}: {exc.strerror}") from None


def _show(args: argparse.Namespace, number: int, message: pulsar.Message) -> str:
    if args.output is not None:
        return render.as_json(message)
    if args.data_only:
        return render.data_text(message.data())
    return render.as_text(number, message)


def run(args: argparse.Namespace) -> int:
    with contextlib.ExitStack() as stack:
        out = _open_output(args.output)
        if out is not sys.stdout:
            stack.enter_context(out)
        client = stack.enter_context(connect.connection(args))
        consumer = stack.enter_context(subscribed(client, args))
        timeout_ms = round(args.timeout * 1000) or None
        received = 0
        try:
            while args.count == 0 or received < args.count:
                try:
                    message = consumer.receive(timeout_ms)
                except pulsar.Timeout:
                    connect.note(f"no message for {args.timeout:g} s, stopping")
                    break
                received += 1
                print(_show(args, received, message), file=out, flush=True)
                consumer.acknowledge(message)
        finally:
            connect.note(f"received {received} message{'' if received == 1 else 's'}")
        return 1 if args.count and received < args.count else 0
    raise AssertionError("unreachable")  # pragma: no cover - the with block returns
