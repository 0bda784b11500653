"""The command line's argument parsing and its pieces that need no broker: the latency
histogram's percentiles, the exit status and message of bad arguments, and the error when
there is neither --service-url nor pulsar-lite."""

from __future__ import annotations

import random

import pytest

from pulsar import _embedded
from pulsar._cli import main
from pulsar._cli.args import parse_args
from pulsar._cli.stats import LatencyHistogram, Meter


def test_produce_arguments():
    args = parse_args(
        ["produce", "t", "-m", "a", "--message", "b", "-p", "k=v", "-p", "x=y=z", "--key", "K"]
    )
    assert args.command == "produce"
    assert args.topic == "t"
    assert args.message == ["a", "b"]
    assert args.properties == [("k", "v"), ("x", "y=z")]  # split at the first '='
    assert args.key == "K"
    assert args.count == 1
    assert args.batching is True
    assert args.service_url is None
    assert args.log_level == "warn"


def test_produce_from_stdin_without_batching():
    args = parse_args(["produce", "t", "--file", "-", "--no-batching", "--count", "3", "-q"])
    assert (args.file, args.batching, args.count, args.quiet) == ("-", False, 3, True)


def test_consume_defaults_and_options():
    args = parse_args(["consume", "t"])
    assert (args.subscription, args.count, args.timeout) == (None, 0, 0.0)
    assert (args.subscription_type, args.initial_position) == ("exclusive", "latest")
    args = parse_args(
        [
            "consume",
            "t",
            "-s",
            "sub",
            "-t",
            "key_shared",
            "--initial-position",
            "earliest",
            "-n",
            "5",
            "--timeout",
            "2.5",
            "-o",
            "out.jsonl",
            "--service-url",
            "pulsar://h:6650",
            "--auth-token",
            "tok",
        ]
    )
    assert args.subscription == "sub"
    assert args.subscription_type == "key_shared"
    assert args.initial_position == "earliest"
    assert (args.count, args.timeout, args.output) == (5, 2.5, "out.jsonl")
    assert (args.service_url, args.auth_token) == ("pulsar://h:6650", "tok")


def test_perf_defaults():
    produce = parse_args(["perf", "produce"])
    assert (produce.perf_command, produce.topic) == ("produce", "fastpulsar-perf")
    assert (produce.messages, produce.time, produce.rate) == (100_000, 0.0, 0.0)
    assert (produce.size, produce.max_pending, produce.json) == (1024, 1000, False)
    consume = parse_args(["perf", "consume", "t"])
    assert (consume.messages, consume.time) == (0, 0.0)  # until Ctrl-C
    timed = parse_args(["perf", "produce", "t", "--time", "5", "--rate", "100", "--json"])
    assert (timed.messages, timed.time, timed.rate, timed.json) == (0, 5.0, 100.0, True)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], "a command is needed"),
        (["produce", "t"], "no messages"),
        (["produce"], "the following arguments are required: topic"),
        (["produce", "t", "-m", "x", "-p", "novalue"], "expected key=value"),
        (["produce", "t", "-m", "x", "-p", "=v"], "expected key=value"),
        (["produce", "t", "-m", "x", "--count", "0"], "at least 1"),
        (["produce", "t", "-m", "x", "--batching", "--no-batching"], "not allowed with"),
        (["consume", "t", "--count", "-1"], "at least 0"),
        (["consume", "t", "--timeout", "soon"], "expected a number"),
        (["consume", "t", "--timeout", "nan"], "finite number"),
        (["consume", "t", "-t", "roundrobin"], "invalid choice"),
        (["consume", "t", "--auth-token", "a", "--auth-token-file", "f"], "not allowed with"),
        (["perf", "produce", "--size", "big"], "expected a whole number"),
        (["perf", "produce", "--max-pending", "0"], "at least 1"),
        (["perf"], "required"),
        (["perf", "both"], "invalid choice"),
        (["nonsense"], "invalid choice"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(argv, expected, capsys):
    with pytest.raises(SystemExit) as raised:
        main(argv)
    assert raised.value.code == 2
    err = capsys.readouterr().err
    assert "usage:" in err
    assert expected in err


def test_version(capsys):
    import pulsar

    assert main(["--version"]) == 0
    out = capsys.readouterr().out
    assert pulsar.__version__ in out
    assert pulsar.libpulsar_version in out


def test_no_service_url_and_no_pulsar_lite(monkeypatch, capsys):
    def missing() -> object:
        raise _embedded.EmbeddedBrokerError("pulsar-lite is not installed")

    monkeypatch.delenv(_embedded.BINARY_ENV, raising=False)
    monkeypatch.setattr(_embedded, "_packaged_binary", missing)
    with pytest.raises(SystemExit) as raised:
        main(["produce", "t", "-m", "x"])
    assert raised.value.code == 2
    err = capsys.readouterr().err
    assert "--service-url" in err
    assert "pip install --no-deps pulsar-lite" in err


def test_binary_env_naming_no_file(monkeypatch, tmp_path):
    monkeypatch.setenv(_embedded.BINARY_ENV, str(tmp_path / "absent"))
    with pytest.raises(_embedded.EmbeddedBrokerError, match="does not name a file"):
        _embedded.find_binary()


def test_unreadable_file_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as raised:
        main(["produce", "t", "--file", str(tmp_path / "absent.txt")])
    assert raised.value.code == 2
    assert "cannot read" in capsys.readouterr().err


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_histogram_percentiles_within_precision(seed):
    rng = random.Random(seed)
    values = [int(rng.lognormvariate(7, 1.5)) for _ in range(20_000)]
    histogram = LatencyHistogram()
    for value in values:
        histogram.record(value)
    ordered = sorted(values)
    for percent in (50.0, 95.0, 99.0, 99.9, 100.0):
        exact = ordered[-(-len(ordered) * int(percent * 10) // 1000) - 1]
        found = histogram.percentile(percent)
        assert exact <= found <= exact * 1.016 + 1, (percent, exact, found)
    assert histogram.max == ordered[-1]
    assert histogram.count == len(values)
    assert histogram.mean() == pytest.approx(sum(values) / len(values))


def test_histogram_small_values_are_exact_and_empty_is_zero():
    histogram = LatencyHistogram()
    assert histogram.percentile(99) == 0
    for value in (3, 1, 2, -5):  # a negative latency (clock skew) counts as 0
        histogram.record(value)
    assert [histogram.percentile(p) for p in (25, 50, 75, 100)] == [0, 1, 2, 3]


def test_meter_folds_intervals_into_the_run():
    meter = Meter()
    meter.record(10, 100)
    meter.record(10, 300)
    first = meter.interval()
    assert (first.messages, first.bytes) == (2, 20)
    meter.record(5, 200)
    meter.error()
    second = meter.interval()
    assert (second.messages, second.errors, second.latency.max) == (1, 1, 200)
    run = meter.total()
    assert (run.messages, run.bytes, run.errors) == (3, 25, 1)
    assert run.latency.max == 300
    assert 200 <= run.latency.percentile(50) <= 201  # 200 and 201 share a bucket
