"""The entry point: parse the arguments, run the command, turn its outcome into an exit
status. Main thread.

Exit status: 0 done; 1 the command failed (a Pulsar error, unsent messages, fewer messages
than --count before --timeout); 2 bad arguments (argparse's usage error, or options that
cannot work: no broker, unreadable file, malformed service URL); 130 Ctrl-C; 143 SIGTERM.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable, Sequence
from types import FrameType

import pulsar
from pulsar._cli import connect, consume, perf, produce
from pulsar._cli.args import PROG, build_parser, parse_args
from pulsar._embedded import EmbeddedBrokerError

_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "produce": produce.run,
    "consume": consume.run,
    "perf produce": perf.run_produce,
    "perf consume": perf.run_consume,
}


def _versions() -> str:
    return (
        f"{PROG} {pulsar.__version__} (libpulsar {pulsar.libpulsar_version}, "
        f"Python {sys.version.split()[0]})"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: sys.argv[1:]); returns the exit status."""
    parser = build_parser()
    args = parse_args(argv, parser)
    if args.version:
        print(_versions())
        return 0
    name = args.command if args.command != "perf" else f"perf {args.perf_command}"
    terminated = False

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        # SIGTERM unwinds like Ctrl-C: the client closes and the embedded broker stops.
        nonlocal terminated
        terminated = True
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        status = _COMMANDS[name](args)
        return 128 + signal.SIGTERM if terminated and status == 130 else status
    except KeyboardInterrupt:  # first: pulsar.Interrupted is also a PulsarException
        return 128 + signal.SIGTERM if terminated else 130
    except connect.UsageError as exc:
        parser.exit(2, f"{PROG} {name}: error: {exc}\n")
    except connect.InvalidServiceUrl as exc:
        parser.exit(2, f"{PROG} {name}: error: --service-url: {exc}\n")
    except EmbeddedBrokerError as exc:
        print(f"{PROG} {name}: the embedded broker failed: {exc}", file=sys.stderr)
        return 1
    except pulsar.PulsarException as exc:
        print(f"{PROG} {name}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader of stdout went away (`| head`): no traceback, and none at exit either.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)
