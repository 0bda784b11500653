"""The command line's arguments: one argparse parser, its subcommands and their checks.

Everything here runs on the main thread, before any client exists; a bad argument makes
argparse print the usage and a message on stderr and exit with status 2.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

PROG = "fastpulsar"
SUBSCRIPTION_TYPES = ("exclusive", "shared", "failover", "key_shared")
LOG_LEVELS = ("debug", "info", "warn", "error", "off")

_DESCRIPTION = """\
Produce and consume messages, and measure a cluster's throughput and latency.

Without --service-url, an embedded pulsar-lite broker (pip install --no-deps pulsar-lite)
is started on a free loopback port for the command and stopped when it ends: handy for
`perf`, while its messages do not outlive the command.
"""

_EPILOG = """\
examples:
  fastpulsar produce my-topic -m hello -m world -p source=cli --key k1
  seq 100 | fastpulsar produce my-topic --file - --quiet
  fastpulsar consume my-topic -s my-sub --initial-position earliest --timeout 5
  fastpulsar consume my-topic -s my-sub --count 10 --output messages.jsonl
  fastpulsar perf produce my-topic --rate 10000 --time 30 --size 100
  fastpulsar perf consume my-topic --time 30 --json
"""


def positive_int(text: str) -> int:
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return value


def non_negative_int(text: str) -> int:
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 0, not {text!r}")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None


def non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, not {text!r}") from None
    if not value >= 0 or value == float("inf"):  # also rejects nan
        raise argparse.ArgumentTypeError(f"expected a finite number of at least 0, not {text!r}")
    return value


def key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected key=value, not {text!r}")
    return key, value


def _common_options() -> argparse.ArgumentParser:
    """The connection and logging options every subcommand takes (after its name)."""
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("connection")
    group.add_argument(
        "--service-url",
        metavar="URL",
        help="the cluster, e.g. pulsar://localhost:6650 or pulsar+ssl://host:6651 (default: "
        "an embedded pulsar-lite broker, when pulsar-lite is installed)",
    )
    token = group.add_mutually_exclusive_group()
    token.add_argument("--auth-token", metavar="TOKEN", help="authenticate with this token")
    token.add_argument(
        "--auth-token-file",
        metavar="PATH",
        help="authenticate with the token in this file (read on each connection)",
    )
    group.add_argument(
        "--tls-trust-certs-file", metavar="PATH", help="trusted CA certificates (PEM) for TLS"
    )
    group.add_argument(
        "--tls-allow-insecure",
        action="store_true",
        help="accept any TLS certificate from the broker",
    )
    group.add_argument(
        "--log-level",
        choices=LOG_LEVELS,
        default="warn",
        help="the client library's log lines on stderr at this level and above (default: warn)",
    )
    return common


def _batching_options(parser: argparse.ArgumentParser, *, default_on: bool) -> None:
    group = parser.add_argument_group("batching")
    switch = group.add_mutually_exclusive_group()
    switch.add_argument(
        "--batching",
        dest="batching",
        action="store_true",
        default=default_on,
        help="group messages into batches" + (" (default)" if default_on else ""),
    )
    switch.add_argument(
        "--no-batching",
        dest="batching",
        action="store_false",
        help="send each message on its own" + ("" if default_on else " (default)"),
    )
    group.add_argument(
        "--batching-max-messages",
        type=positive_int,
        default=1000,
        metavar="N",
        help="at most N messages in a batch (default: 1000)",
    )
    group.add_argument(
        "--batching-max-delay-ms",
        type=non_negative_int,
        default=10,
        metavar="MS",
        help="send a batch at the latest MS milliseconds after its first message (default: 10)",
    )


def _subscription_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("subscription")
    group.add_argument(
        "-s",
        "--subscription",
        metavar="NAME",
        help="the subscription's name (default: a new name, fastpulsar-cli-<random>, whose "
        "subscription is removed when the command ends)",
    )
    group.add_argument(
        "-t",
        "--subscription-type",
        choices=SUBSCRIPTION_TYPES,
        default="exclusive",
        help="default: exclusive",
    )
    group.add_argument(
        "--initial-position",
        choices=("earliest", "latest"),
        default="latest",
        help="where a new subscription starts: the topic's first message or the next one "
        "published (default: latest)",
    )


def _add_produce(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "produce",
        parents=[_common_options()],
        help="publish messages",
        description="Publish messages from the command line, a file or stdin, and print "
        "their message ids in the order they were read.",
    )
    parser.add_argument("topic", help="e.g. my-topic or persistent://public/default/my-topic")
    source = parser.add_argument_group("messages")
    source.add_argument(
        "-m",
        "--message",
        action="append",
        default=[],
        metavar="TEXT",
        help="a message (repeatable; sent before those of --file)",
    )
    source.add_argument(
        "-f",
        "--file",
        metavar="PATH",
        help="messages from this file, '-' for stdin: one per line (without its line end), "
        "or the whole file as one message with --file-mode whole",
    )
    source.add_argument(
        "--file-mode",
        choices=("lines", "whole"),
        default="lines",
        help="default: lines",
    )
    source.add_argument(
        "-n",
        "--count",
        type=positive_int,
        default=1,
        metavar="N",
        help="send the messages N times over (default: 1)",
    )
    source.add_argument(
        "-p",
        "--property",
        dest="properties",
        action="append",
        type=key_value,
        default=[],
        metavar="KEY=VALUE",
        help="a property of every message (repeatable)",
    )
    source.add_argument("-k", "--key", help="the partition key of every message")
    source.add_argument(
        "-q", "--quiet", action="store_true", help="print how many were sent, not their ids"
    )
    _batching_options(parser, default_on=True)


def _add_consume(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "consume",
        parents=[_common_options()],
        help="receive, print and acknowledge messages",
        description="Receive messages, print them (or write them to a file as JSON lines) and "
        "acknowledge each. Ctrl-C ends it (exit status 130).",
    )
    parser.add_argument("topic")
    _subscription_options(parser)
    group = parser.add_argument_group("how many")
    group.add_argument(
        "-n",
        "--count",
        type=non_negative_int,
        default=0,
        metavar="N",
        help="stop after N messages (default: 0, no limit)",
    )
    group.add_argument(
        "--timeout",
        type=non_negative_float,
        default=0.0,
        metavar="SECONDS",
        help="stop when no message has come for SECONDS (default: 0, wait forever); the exit "
        "status is 1 if --count messages had not come by then",
    )
    out = parser.add_argument_group("output")
    out.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="write each message as one JSON object per line to this file ('-': stdout) "
        "instead of printing it as text",
    )
    out.add_argument(
        "--data-only",
        action="store_true",
        help="print only each message's data (text as is, else hex), one per line",
    )


def _perf_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("topic", nargs="?", default="fastpulsar-perf", help="default: %(default)s")
    group = parser.add_argument_group("how long")
    group.add_argument(
        "--messages",
        type=non_negative_int,
        default=None,
        metavar="N",
        help="stop after N messages (0: no limit)",
    )
    group.add_argument(
        "--time",
        type=non_negative_float,
        default=None,
        metavar="SECONDS",
        help="stop after SECONDS (0: no limit); with neither option: 100,000 messages for "
        "perf produce, no limit for perf consume (Ctrl-C ends it)",
    )
    out = parser.add_argument_group("output")
    out.add_argument(
        "--json",
        action="store_true",
        help="print the final summary as one JSON object on stdout (live figures go to stderr)",
    )
    out.add_argument(
        "--interval",
        type=non_negative_float,
        default=1.0,
        metavar="SECONDS",
        help="live figures every SECONDS (default: 1; 0: none)",
    )


def _add_perf(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    perf = subparsers.add_parser(
        "perf",
        help="measure throughput and latency",
        description="Measure a topic's throughput and latency percentiles, printed live and "
        "summed up at the end.",
    )
    modes = perf.add_subparsers(dest="perf_command", metavar="{produce,consume}", required=True)
    produce = modes.add_parser(
        "produce",
        parents=[_common_options()],
        help="publish as fast as allowed; latency from send to the broker's receipt",
        description="Publish messages with send_async, at --rate or as fast as possible; the "
        "latency is from each send to its completion callback.",
    )
    _perf_common(produce)
    group = produce.add_argument_group("load")
    group.add_argument(
        "-r",
        "--rate",
        type=non_negative_float,
        default=0.0,
        metavar="MSG_PER_S",
        help="target rate (default: 0, as fast as possible)",
    )
    group.add_argument(
        "--size",
        type=non_negative_int,
        default=1024,
        metavar="BYTES",
        help="each message's size (default: 1024)",
    )
    group.add_argument(
        "--max-pending",
        type=positive_int,
        default=1000,
        metavar="N",
        help="at most N messages awaiting the broker's receipt; sending waits beyond "
        "(default: 1000)",
    )
    _batching_options(produce, default_on=True)
    consume = modes.add_parser(
        "consume",
        parents=[_common_options()],
        help="receive and acknowledge; latency from publish time to receipt",
        description="Receive and acknowledge messages; the latency is from each message's "
        "publish time (the producer's clock) to its receipt (this machine's clock), in "
        "milliseconds.",
    )
    _perf_common(consume)
    _subscription_options(consume)
    consume.add_argument(
        "--receiver-queue-size",
        type=positive_int,
        default=1000,
        metavar="N",
        help="default: 1000",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="store_true", help="print the versions and exit")
    subparsers = parser.add_subparsers(dest="command", metavar="{produce,consume,perf}")
    _add_produce(subparsers)
    _add_consume(subparsers)
    _add_perf(subparsers)
    return parser


def parse_args(
    argv: Sequence[str] | None = None, parser: argparse.ArgumentParser | None = None
) -> argparse.Namespace:
    """Parse and check the arguments; exits with status 2 (usage on stderr) when they are
    wrong, with 0 after --help."""
    parser = parser or build_parser()
    args = parser.parse_args(argv)
    if args.version:
        return args
    if args.command is None:
        parser.error("a command is needed: produce, consume or perf")
    if args.command == "produce" and not args.message and args.file is None:
        parser.error("produce: no messages: give -m/--message TEXT or --file PATH ('-': stdin)")
    if args.command == "perf" and args.messages is None and args.time is None:
        args.messages = 100_000 if args.perf_command == "produce" else 0
    if args.command == "perf":
        args.messages = args.messages or 0
        args.time = args.time or 0.0
    return args
