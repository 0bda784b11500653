"""The benchmark's consumer workloads run (bench/driver.py, a few hundred messages, on
pulsar-lite) with fastpulsar and with pulsar-client 3.13.0, and bench/run.py reports them.
A smoke test of the benchmark's code, not a measurement."""

import importlib.util
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from fastpulsar_testing.official_venv import clean_env
from support.topics import unique_topic

ROOT = Path(__file__).resolve().parents[2]
DRIVER = ROOT / "bench" / "driver.py"
COUNT = 300  # timed messages; the topic holds 100 more (the warm-up)
MODES = ["receive", "listener", "batch", "reader"]


def run_driver(python, *args, env=None, script=DRIVER):
    proc = subprocess.run(
        [str(python), str(script), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tempfile.gettempdir(),  # not the checkout: its pulsar/ would shadow the installed one
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def fill(broker, topic):
    """COUNT + 100 messages of 100 bytes, batched, sent by fastpulsar's driver."""
    out = run_driver(
        sys.executable,
        "--url",
        broker.service_url,
        "--topic",
        topic,
        "--mode",
        "async",
        "--count",
        COUNT,
        "--payload",
        100,
        "--batching",
        1,
    )
    assert out["count"] == COUNT


def check_sample(out):
    assert out["count"] == COUNT
    assert out["received"] - out["duplicates"] == COUNT + 100
    assert out["duplicates"] >= 0
    assert out["seconds"] > 0
    assert out["rate"] == pytest.approx(COUNT / out["seconds"])


def run_consumer_mode(python, broker, mode, env=None):
    """fill() a fresh topic; `python` runs the driver's consumer `mode` on it;
    its sample."""
    topic = unique_topic(f"bench-{mode}")
    fill(broker, topic)
    url = ("--url", broker.service_url, "--topic", topic, "--count", COUNT)
    return run_driver(python, *url, "--mode", mode, "--batch-max", 50, env=env)


@pytest.mark.parametrize("mode", MODES)
def test_consumer_modes_with_fastpulsar(broker, mode):
    check_sample(run_consumer_mode(sys.executable, broker, mode))


@pytest.mark.interop
@pytest.mark.timeout(600)  # may create the official venv
@pytest.mark.parametrize("mode", MODES)
def test_consumer_modes_with_official_client(broker, official_python, mode):
    check_sample(run_consumer_mode(official_python, broker, mode, env=clean_env()))


def load_run():
    """bench/run.py as a module (bench/ is not a package)."""
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_consumer_table_and_commands(tmp_path):
    run = load_run()
    workload = run.ConsumerWorkload("receive", "receive", 1000, official_share=0.5, batch_max=7)
    samples = {
        "raw": [{"rate": 100.0}, {"rate": 300.0}, {"rate": 200.0}],
        "official": [{"rate": 10.0}, {"rate": 30.0}, {"rate": 20.0}],
        "fastpulsar": [{"rate": 190.0}, {"rate": 170.0}, {"rate": 180.0}],
    }
    text = run.table([workload], {"receive": samples})
    assert "| receive | 200/s | 20/s | 180/s | 90% | 9.0x |" in text
    fill_cmd, consume = run.consumer_commands(
        "official", workload, "pulsar://h:1", tmp_path / "raw", tmp_path / "python"
    )
    topic = fill_cmd[fill_cmd.index("--topic") + 1]
    assert consume[consume.index("--topic") + 1] == topic
    assert fill_cmd[0] == str(tmp_path / "raw")
    assert fill_cmd[fill_cmd.index("--count") + 1] == "1000"  # the official share, at least 1000
    assert consume[:2] == [str(tmp_path / "python"), str(DRIVER)]
    assert consume[consume.index("--batch-max") + 1] == "7"
    raw_fill, raw_consume = run.consumer_commands(
        "raw", workload, "pulsar://h:1", tmp_path / "raw", tmp_path / "python"
    )
    assert raw_consume[0] == str(tmp_path / "raw")
    assert raw_fill[raw_fill.index("--topic") + 1] != topic  # a fresh topic every time
    assert raw_consume[raw_consume.index("--count") + 1] == "1000"


# ---- the typed table: schemas (JsonSchema, AvroSchema) of a 5-field Record ----------------

TYPED = ["json", "avro"]


def run_typed_pair(python, broker, kind, env=None):
    """The send mode fills a topic (COUNT + 100 records), the receive mode reads it back
    and checks the warm-up's values; returns both samples."""
    topic = unique_topic(f"bench-typed-{kind}")
    url = ("--url", broker.service_url, "--topic", topic, "--count", COUNT)
    sent = run_driver(python, *url, "--mode", f"{kind}-send-async", env=env)
    received = run_driver(python, *url, "--mode", f"{kind}-receive", env=env)
    return sent, received


@pytest.mark.parametrize("kind", TYPED)
def test_typed_modes_with_fastpulsar(broker, kind):
    sent, received = run_typed_pair(sys.executable, broker, kind)
    assert sent["count"] == COUNT
    assert sent["rate"] == pytest.approx(COUNT / sent["seconds"])
    check_sample(received)
    assert received["cpu_us_per_msg"] > 0


# On Apache Pulsar standalone: 3.13's AvroSchema fetches the writer schema of each message's
# schema version, and pulsar-lite gives messages none (-1): every fetch waits for a timeout.
@pytest.mark.interop
@pytest.mark.standalone
@pytest.mark.timeout(600)  # may create the official venv
@pytest.mark.parametrize("kind", TYPED)
def test_typed_modes_with_official_client(standalone_broker, official_python, kind):
    run = load_run()
    run.ensure_fastavro(official_python)
    sent, received = run_typed_pair(official_python, standalone_broker, kind, env=clean_env())
    assert sent["count"] == COUNT
    check_sample(received)


def test_typed_table_and_commands(tmp_path):
    run = load_run()
    send = run.TypedWorkload("send", "avro-send-async", 5000, official_share=0.1)
    receive = run.TypedWorkload("receive", "json-receive", 5000, official_share=0.5)
    samples = {
        "send": {
            "official": [{"rate": 10.0}, {"rate": 30.0}],
            "fastpulsar": [{"rate": 50.0}, {"rate": 70.0}],
        },
        "receive": {
            "official": [{"rate": 10.0, "cpu_us_per_msg": 9.0}],
            "fastpulsar": [{"rate": 25.0, "cpu_us_per_msg": 4.0}],
        },
    }
    text = run.typed_table([send, receive], samples)
    assert "| send | 20/s | 60/s | 3.0x |" in text
    assert "| receive | 10/s | 25/s | 2.5x |" in text
    assert "| 9.00 us | 4.00 us |" in text
    assert "raw" not in text  # no schema layer in the raw driver: no column for it

    fill, timed = run.typed_commands("official", send, "pulsar://h:1", tmp_path / "python")
    assert fill is None  # a send workload needs no fill
    assert timed[:2] == [str(tmp_path / "python"), str(DRIVER)]
    assert timed[timed.index("--mode") + 1] == "avro-send-async"
    assert timed[timed.index("--count") + 1] == "1000"  # the official share, at least 1000

    fill, timed = run.typed_commands("fastpulsar", receive, "pulsar://h:1", tmp_path / "python")
    assert fill is not None
    assert fill[0] == timed[0] == sys.executable  # the fill is the same client's
    assert fill[fill.index("--mode") + 1] == "json-send-async"  # the same schema
    assert timed[timed.index("--mode") + 1] == "json-receive"
    assert fill[fill.index("--topic") + 1] == timed[timed.index("--topic") + 1]
    assert fill[fill.index("--count") + 1] == timed[timed.index("--count") + 1] == "5000"
    again, _ = run.typed_commands("fastpulsar", receive, "pulsar://h:1", tmp_path / "python")
    assert again is not None
    assert again[again.index("--topic") + 1] != fill[fill.index("--topic") + 1]


@pytest.mark.interop
@pytest.mark.standalone
@pytest.mark.timeout(900)  # may create the official venv; starts its own brokers
def test_quick_typed_only_run(tmp_path, official_python):
    """`bench/run.py --quick --typed-only` end to end, one round, with its own brokers
    (pulsar-lite for the sends, Apache Pulsar standalone for the receives, as by default:
    see test_typed_modes_with_official_client): the typed table alone, both clients, every
    workload."""
    out = tmp_path / "typed.json"
    cmd = [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--typed-only"]
    cmd += ["--rounds", "1", "--json", str(out)]
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=840, cwd=tempfile.gettempdir(), check=False
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["workloads"] == []
    assert report["consumer_workloads"] == []
    modes = [w["mode"] for w in report["typed_workloads"]]
    assert modes == ["json-send-async", "avro-send-async", "json-receive", "avro-receive"]
    for w in report["typed_workloads"]:
        for client in ("official", "fastpulsar"):
            (sample,) = report["typed_samples"][w["name"]][client]
            assert sample["count"] == (
                max(1000, int(w["count"] * w["official_share"]))
                if client == "official"
                else w["count"]
            )
            assert sample["rate"] > 0
        assert f"| {w['name']} |" in report["typed_table"]
    assert "no raw libpulsar column" in proc.stdout
    assert report["typed_table"] in proc.stdout


# ---- the asyncio table: pulsar.asyncio (bench/async_driver.py) -----------------------------

ASYNC_DRIVER = ROOT / "bench" / "async_driver.py"


def run_async_driver(python, broker, mode, *extra, env=None):
    """async_driver.py's `mode` on a fresh topic (fill()ed first for a receive mode)."""
    topic = unique_topic(f"bench-{mode}")
    if mode in ("aio-receive", "aio-for"):
        fill(broker, topic)
    url = ("--url", broker.service_url, "--topic", topic, "--count", COUNT)
    return run_driver(python, *url, "--mode", mode, *extra, env=env, script=ASYNC_DRIVER)


def check_async_send(out, mode):
    # aio-gather rounds the count up to whole windows of 1,000
    assert out["count"] == (1000 if mode == "aio-gather" else COUNT)
    assert out["rate"] == pytest.approx(out["count"] / out["seconds"])
    if mode == "aio-sequential":
        assert 0 < out["p50_us"] <= out["p99_us"]


@pytest.mark.parametrize("mode", ["aio-gather", "aio-sequential", "aio-receive", "aio-for"])
def test_async_modes_with_fastpulsar(broker, mode):
    out = run_async_driver(
        sys.executable, broker, mode, "--batching", int(mode != "aio-sequential")
    )
    if mode in ("aio-gather", "aio-sequential"):
        check_async_send(out, mode)
    else:
        check_sample(out)


@pytest.mark.interop
@pytest.mark.timeout(600)  # may create the official venv
@pytest.mark.parametrize("mode", ["aio-gather", "aio-sequential", "aio-receive"])
def test_async_modes_with_official_client(broker, official_python, mode):
    out = run_async_driver(official_python, broker, mode, env=clean_env())
    if mode == "aio-receive":
        check_sample(out)
    else:
        check_async_send(out, mode)


def test_async_table_and_commands(tmp_path):
    run = load_run()
    ref = run.AsyncWorkload(run.SYNC_REFERENCE, "async", 5000, clients=("fastpulsar",))
    gather = run.AsyncWorkload("gather", "aio-gather", 5000, official_share=0.1)
    seq = run.AsyncWorkload("seq", "aio-sequential", 2000, batching=False)
    recv = run.AsyncWorkload("recv", "aio-receive", 5000, official_share=0.5)
    afor = run.AsyncWorkload("for", "aio-for", 5000, clients=("fastpulsar",))
    samples = {
        run.SYNC_REFERENCE: {"fastpulsar": [{"rate": 400.0}, {"rate": 200.0}]},
        "gather": {
            "official": [{"rate": 10.0}, {"rate": 30.0}],
            "fastpulsar": [{"rate": 150.0}, {"rate": 150.0}],
        },
        "seq": {
            "official": [{"rate": 10.0, "p50_us": 900.0, "p99_us": 2000.0}],
            "fastpulsar": [{"rate": 20.0, "p50_us": 400.0, "p99_us": 1000.0}],
        },
        "recv": {
            "official": [{"rate": 10.0, "cpu_us_per_msg": 9.0}],
            "fastpulsar": [{"rate": 35.0, "cpu_us_per_msg": 3.0}],
        },
        "for": {"fastpulsar": [{"rate": 40.0, "cpu_us_per_msg": 2.5}]},
    }
    text = run.async_table([ref, gather, seq, recv, afor], samples)
    assert f"| {run.SYNC_REFERENCE} |  | 300/s |  |  |" in text
    assert "| gather | 20/s | 150/s | 7.5x | 50% |" in text
    assert "| seq | 10/s | 20/s | 2.0x |  |" in text
    assert "| 900 / 2000 us | 400 / 1000 us |" in text
    assert "| recv | 10/s | 35/s | 3.5x |  |" in text
    assert "| 9.00 us | 3.00 us |" in text
    assert "| for |  | 40/s |  |  |" in text
    assert "raw" not in text

    raw, python = tmp_path / "raw", tmp_path / "python"
    fill_cmd, timed = run.async_commands("fastpulsar", ref, "pulsar://h:1", raw, python)
    assert fill_cmd is None
    assert timed[:2] == [sys.executable, str(DRIVER)]  # the sync API's send_async
    assert timed[timed.index("--mode") + 1] == "async"
    fill_cmd, timed = run.async_commands("official", gather, "pulsar://h:1", raw, python)
    assert fill_cmd is None
    assert timed[:2] == [str(python), str(ASYNC_DRIVER)]
    assert timed[timed.index("--count") + 1] == "1000"  # the official share, at least 1000
    assert timed[timed.index("--batching") + 1] == "1"
    _, timed = run.async_commands("fastpulsar", seq, "pulsar://h:1", raw, python)
    assert timed[timed.index("--batching") + 1] == "0"
    fill_cmd, timed = run.async_commands("official", recv, "pulsar://h:1", raw, python)
    assert fill_cmd is not None
    assert fill_cmd[0] == str(raw)
    assert fill_cmd[fill_cmd.index("--topic") + 1] == timed[timed.index("--topic") + 1]
    assert fill_cmd[fill_cmd.index("--count") + 1] == timed[timed.index("--count") + 1] == "2500"


@pytest.mark.interop
@pytest.mark.standalone
@pytest.mark.timeout(900)  # may create the official venv; starts its own brokers
def test_quick_asyncio_only_run(tmp_path, official_python):
    """`bench/run.py --quick --asyncio-only` end to end, one round, with its own brokers
    (pulsar-lite for the sends, Apache Pulsar standalone for the receives, as by default):
    the asyncio table alone, each workload with its clients."""
    out = tmp_path / "asyncio.json"
    cmd = [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--asyncio-only"]
    cmd += ["--rounds", "1", "--json", str(out)]
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=840, cwd=tempfile.gettempdir(), check=False
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["workloads"] == report["consumer_workloads"] == report["typed_workloads"] == []
    modes = [w["mode"] for w in report["asyncio_workloads"]]
    assert modes == ["async", "aio-gather", "aio-sequential", "aio-receive", "aio-for"]
    for w in report["asyncio_workloads"]:
        assert sorted(report["asyncio_samples"][w["name"]]) == sorted(w["clients"])
        for client in w["clients"]:
            (sample,) = report["asyncio_samples"][w["name"]][client]
            assert sample["rate"] > 0
            if w["mode"] != "aio-gather":  # gather rounds up to whole windows
                expected = w["count"]
                if client == "official":
                    expected = max(1000, int(w["count"] * w["official_share"]))
                assert sample["count"] == expected
        assert f"| {w['name']} |" in report["asyncio_table"]
    assert "no raw libpulsar column" in proc.stdout
    assert report["asyncio_table"] in proc.stdout
