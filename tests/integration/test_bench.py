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


def run_driver(python, *args, env=None):
    proc = subprocess.run(
        [str(python), str(DRIVER), *map(str, args)],
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


@pytest.mark.parametrize("mode", MODES)
def test_consumer_modes_with_fastpulsar(broker, mode):
    topic = unique_topic(f"bench-{mode}")
    fill(broker, topic)
    out = run_driver(
        sys.executable,
        "--url",
        broker.service_url,
        "--topic",
        topic,
        "--mode",
        mode,
        "--count",
        COUNT,
        "--batch-max",
        50,
    )
    check_sample(out)


@pytest.mark.interop
@pytest.mark.timeout(600)  # may create the official venv
@pytest.mark.parametrize("mode", MODES)
def test_consumer_modes_with_official_client(broker, official_python, mode):
    topic = unique_topic(f"bench-official-{mode}")
    fill(broker, topic)
    out = run_driver(
        official_python,
        "--url",
        broker.service_url,
        "--topic",
        topic,
        "--mode",
        mode,
        "--count",
        COUNT,
        "--batch-max",
        50,
        env=clean_env(),
    )
    check_sample(out)


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
