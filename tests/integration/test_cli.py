"""The command line end to end (``python -m pulsar`` in a child process): produce and consume
round trips on the suite's broker from arguments, stdin and files; perf's --json summaries;
the embedded pulsar-lite broker when there is no --service-url; bad arguments; Ctrl-C."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
import uuid
from importlib import metadata
from pathlib import Path

import pytest
from fastpulsar_testing.ports import port_accepts

TIMEOUT = 60


def cli(*args, input=None, url=None, check=True):
    """Run ``python -m pulsar ARGS`` (with --service-url URL when given) to its end."""
    argv = [sys.executable, "-m", "pulsar", *map(str, args)]
    if url is not None:
        argv += ["--service-url", url]
    proc = subprocess.run(
        argv,
        input=input,
        capture_output=True,
        timeout=TIMEOUT,
        cwd=tempfile.gettempdir(),  # not the checkout: its pulsar/ would shadow the installed one
        check=False,
    )
    if check:
        assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-3000:]
    return proc


def consume_json(url, topic, count):
    """The first ``count`` messages of ``topic`` (a new subscription from the earliest), as
    the dicts of ``consume --output -``."""
    proc = cli(
        "consume", topic, "-s", f"s-{uuid.uuid4().hex[:6]}", "--initial-position", "earliest",
        "--count", count, "--timeout", 10, "--output", "-", url=url,
    )  # fmt: skip
    lines = proc.stdout.decode().splitlines()
    assert len(lines) == count, proc.stderr.decode()
    return [json.loads(line) for line in lines]


def test_produce_arguments_then_consume(broker, topic):
    url = broker.service_url
    produced = cli("produce", topic, "-m", "héllo", "-m", "world", "-p", "a=1", "-p", "b=x=y",
                   "--key", "k1", url=url)  # fmt: skip
    ids = produced.stdout.decode().split()
    assert len(ids) == 2
    assert all(re.fullmatch(r"\d+:\d+:-?\d+:-?\d+", i) for i in ids), ids
    messages = consume_json(url, topic, 2)
    assert [m["data"] for m in messages] == ["héllo", "world"]
    assert [m["id"] for m in messages] == ids
    for message in messages:
        assert message["data_encoding"] == "utf-8"
        assert message["key"] == "k1"
        assert message["properties"] == {"a": "1", "b": "x=y"}
        assert message["publish_timestamp"] > 0
        assert message["topic"] == topic


def test_produce_stdin_quiet_and_text_output(broker, topic):
    url = broker.service_url
    produced = cli("produce", topic, "--file", "-", "--quiet", "--no-batching",
                   input=b"one\ntwo\r\n\nfour", url=url)  # fmt: skip
    assert produced.stdout.decode().strip() == "4"  # a count, not ids
    consumed = cli("consume", topic, "-s", "text", "--initial-position", "earliest",
                   "--count", 4, "--timeout", 10, url=url)  # fmt: skip
    text = consumed.stdout.decode()
    assert text.count("----- message ") == 4
    # Each line without its line end (\r\n too); the empty line is an empty message.
    data = re.findall(r"^data: ?(.*)$", text, flags=re.MULTILINE)
    assert data == ["one", "two", "", "four"]
    assert "received 4 messages" in consumed.stderr.decode()


def test_produce_file_lines_repeated_and_whole(broker, topic, tmp_path):
    url = broker.service_url
    lines = tmp_path / "lines.txt"
    lines.write_text("a\nb\n")
    cli("produce", topic, "-m", "first", "--file", lines, "--count", 2, url=url)
    whole = tmp_path / "blob.bin"
    whole.write_bytes(b"\xff\x00line 1\nline 2\n")
    cli("produce", topic, "--file", whole, "--file-mode", "whole", "-p", "kind=blob", url=url)
    messages = consume_json(url, topic, 7)
    assert [m["data"] for m in messages[:6]] == ["first", "a", "b", "first", "a", "b"]
    blob = messages[6]
    assert blob["data_encoding"] == "base64"
    import base64

    assert base64.b64decode(blob["data"]) == whole.read_bytes()
    assert blob["properties"] == {"kind": "blob"}
    assert blob["key"] is None


def test_consume_writes_json_lines_to_a_file_and_reports_a_short_count(broker, topic, tmp_path):
    url = broker.service_url
    cli("produce", topic, "-m", "only", url=url)
    out = tmp_path / "out.jsonl"
    proc = cli("consume", topic, "--initial-position", "earliest", "--count", 2,
               "--timeout", 1.5, "--output", out, url=url, check=False)  # fmt: skip
    assert proc.returncode == 1, proc.stderr  # fewer than --count before the timeout
    assert proc.stdout == b""
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["data"] for r in records] == ["only"]
    err = proc.stderr.decode()
    assert "subscription fastpulsar-cli-" in err  # generated, as no -s was given
    assert "received 1 message" in err


def test_perf_produce_then_consume_json(broker, topic):
    url = broker.service_url
    produced = cli("perf", "produce", topic, "--messages", 2000, "--size", 100, "--json",
                   "--interval", 0.2, url=url)  # fmt: skip
    summary = json.loads(produced.stdout)  # the only thing on stdout
    assert summary["command"] == "perf produce"
    assert summary["topic"] == topic
    assert (summary["messages"], summary["sent"], summary["errors"]) == (2000, 2000, 0)
    assert summary["bytes"] == 2000 * 100
    assert summary["seconds"] > 0
    assert summary["rate_msg_per_s"] > 0
    latency = summary["latency_ms"]
    assert 0 <= latency["p50"] <= latency["p95"] <= latency["p99"] <= latency["p99.9"]
    assert latency["p99.9"] <= latency["max"]
    assert latency["max"] > 0
    assert summary["interrupted"] is False

    consumed = cli("perf", "consume", topic, "--messages", 2000, "--initial-position",
                   "earliest", "--json", "--time", 40, url=url)  # fmt: skip
    summary = json.loads(consumed.stdout)
    assert summary["command"] == "perf consume"
    assert (summary["messages"], summary["bytes"], summary["errors"]) == (2000, 200_000, 0)
    latency = summary["latency_ms"]
    assert 0 <= latency["p50"] <= latency["p99"] <= latency["max"]


def test_perf_produce_live_lines_and_rate(broker, topic):
    proc = cli("perf", "produce", topic, "--rate", 200, "--time", 1.5, "--size", 10,
               "--interval", 0.3, url=broker.service_url)  # fmt: skip
    out = proc.stdout.decode()
    live = [line for line in out.splitlines() if "msg/s" in line and "latency ms:" in line]
    assert len(live) >= 2, out  # plain lines (stdout is not a terminal), about every 0.3 s
    assert "\r" not in out
    found = re.search(r"perf produce on .*: ([\d,]+) messages", out)
    assert found, out
    sent = int(found[1].replace(",", ""))
    assert 0 < sent <= 200 * 1.5 + 1  # the rate limit holds
    assert "latency (ms): p50" in out


def _stderr_line(proc, pattern, deadline):
    """Read the child's stderr until a line matches; that match (fails at the deadline)."""
    seen = []
    while time.monotonic() < deadline:
        line = proc.stderr.readline().decode()
        if not line:
            break
        seen.append(line)
        found = re.search(pattern, line)
        if found:
            return found
    pytest.fail(f"no line matching {pattern!r} on stderr: {''.join(seen)}")


def test_embedded_broker_without_service_url():
    proc = cli("perf", "produce", "--messages", 300, "--size", 16, "--json")
    summary = json.loads(proc.stdout)
    assert (summary["messages"], summary["errors"]) == (300, 0)
    err = proc.stderr.decode()
    found = re.search(r"embedded pulsar-lite broker at pulsar://127\.0\.0\.1:(\d+)", err)
    assert found, err
    assert not port_accepts(int(found[1]))  # stopped when the command ended


# `python -m pulsar ARGS` with Python's SIGINT handler whatever this process was given: a
# runner that starts the suite as a background job (CI, nohup) has SIGINT ignored, which a
# child inherits, and Python keeps an ignored SIGINT ignored.
WITH_SIGINT = (
    "import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "runpy.run_module('pulsar', run_name='__main__', alter_sys=True)"
)


@contextlib.contextmanager
def running(*args, stdout=subprocess.PIPE):
    """``python -m pulsar ARGS`` started (Ctrl-C enabled), stderr piped; killed if still
    running at the end."""
    with subprocess.Popen(
        [sys.executable, "-c", WITH_SIGINT, *map(str, args)],
        stdout=stdout,
        stderr=subprocess.PIPE,
        cwd=tempfile.gettempdir(),
    ) as proc:
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.kill()


def interrupt(proc):
    """Ctrl-C, then the rest of its stdout and stderr once it has ended."""
    proc.send_signal(signal.SIGINT)
    return proc.communicate(timeout=TIMEOUT)


def test_ctrl_c_ends_consume_cleanly_and_stops_the_embedded_broker():
    with running("consume", "some-topic", "-s", "sub") as proc:
        deadline = time.monotonic() + TIMEOUT
        port = int(_stderr_line(proc, r"pulsar://127\.0\.0\.1:(\d+)", deadline)[1])
        time.sleep(1.0)  # subscribed and waiting in receive() by now, most likely
        _, err = interrupt(proc)
    text = err.decode(errors="replace")
    assert proc.returncode == 130, text
    assert "Traceback" not in text
    assert "received 0 messages" in text
    assert not port_accepts(port)


def test_embedded_broker_dies_with_a_killed_command():
    with running("consume", "some-topic", stdout=subprocess.DEVNULL) as proc:
        deadline = time.monotonic() + TIMEOUT
        port = int(_stderr_line(proc, r"pulsar://127\.0\.0\.1:(\d+)", deadline)[1])
        assert port_accepts(port)
        proc.kill()  # no cleanup runs: the kernel's parent-death signal stops the broker
    deadline = time.monotonic() + 15
    while port_accepts(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not port_accepts(port)


def test_ctrl_c_while_receiving_after_a_message(broker, topic):
    url = broker.service_url
    cli("produce", topic, "-m", "before", url=url)
    with running("consume", topic, "--initial-position", "earliest", "--data-only",
                 "--service-url", url) as proc:  # fmt: skip
        assert proc.stdout.readline() == b"before\n"  # it is in the receive loop now
        out, err = interrupt(proc)
    text = err.decode(errors="replace")
    assert proc.returncode == 130, text
    assert "Traceback" not in text
    assert "received 1 message" in text
    assert out == b""  # nothing after the one message


def test_ctrl_c_ends_perf_produce_with_its_summary(broker, topic):
    with running("perf", "produce", topic, "--time", 0, "--messages", 0, "--rate", 2000,
                 "--size", 10, "--json", "--interval", 0.2,
                 "--service-url", broker.service_url) as proc:  # fmt: skip
        _stderr_line(proc, r"produce .* msg/s", time.monotonic() + TIMEOUT)  # sending by now
        out, err = interrupt(proc)
    assert proc.returncode == 130, err.decode(errors="replace")
    summary = json.loads(out)
    assert summary["interrupted"] is True
    # The first Ctrl-C ends the loop between two sends: every message sent was counted.
    assert summary["messages"] == summary["sent"] > 0
    assert summary["errors"] == 0


def test_bad_arguments_exit_2():
    proc = cli("produce", "t", check=False)
    assert proc.returncode == 2
    assert b"no messages" in proc.stderr
    proc = cli("consume", "t", "--count", "many", check=False)
    assert proc.returncode == 2
    assert b"expected a whole number" in proc.stderr
    proc = cli("consume", "t", url="http//nowhere", check=False)
    assert proc.returncode == 2, proc.stderr
    assert b"--service-url" in proc.stderr
    assert b"Traceback" not in proc.stderr


def test_console_script():
    """The installed ``fastpulsar`` script (pyproject's [project.scripts]) runs the same
    command line."""
    entries = metadata.distribution("fastpulsar").entry_points  # a list on Python 3.9
    (entry,) = [ep for ep in entries if (ep.group, ep.name) == ("console_scripts", "fastpulsar")]
    assert entry.value == "pulsar._cli:main"
    name = "fastpulsar.exe" if os.name == "nt" else "fastpulsar"
    script = Path(sysconfig.get_path("scripts")) / name
    proc = subprocess.run([str(script), "--version"], capture_output=True, timeout=TIMEOUT,
                          cwd=tempfile.gettempdir(), check=True)  # fmt: skip
    assert proc.stdout.startswith(b"fastpulsar ")
