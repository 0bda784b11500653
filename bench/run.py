"""fastpulsar's throughput benchmark: fastpulsar beside the official pulsar-client 3.13.0 and
a raw libpulsar driver, in one run, against one broker it starts.

    python bench/run.py [--broker lite|standalone] [--rounds 3] [--quick] [--json PATH]

Run it with the interpreter of an environment where fastpulsar and its broker helpers are
installed (`pip install . ./testing`, and pulsar-lite for the default broker). It builds
bench/raw (C++, CMake) against the libpulsar fastpulsar bundles, makes a virtual
environment with pulsar-client 3.13.0 (cached), then runs every workload for every client,
alternating their order, for several rounds, and prints medians and ratios. The same
figures go to a JSON file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from fastpulsar_testing.cache import cache_dir
from fastpulsar_testing.lite import PulsarLite, find_pulsar_lite_binary
from fastpulsar_testing.official_venv import ensure_official_venv
from fastpulsar_testing.standalone import StandaloneBroker

ROOT = Path(__file__).resolve().parent.parent
CACHE = cache_dir("FASTPULSAR_BENCH_CACHE", "fastpulsar-bench")  # the raw driver's build
CLIENTS = ("raw", "official", "fastpulsar")


@dataclass(frozen=True)
class Workload:
    name: str
    mode: str  # driver mode: async, async-nocb, sync, threads
    count: int
    payload: int = 100
    batching: bool = True
    threads: int = 1
    official_share: float = 1.0  # the official client is slow with callbacks: fewer messages

    def count_for(self, client: str) -> int:
        if client == "official":
            return max(1000, int(self.count * self.official_share))
        return self.count


WORKLOADS = [
    Workload("send_async + callback, 100 B, batching", "async", 300_000, official_share=0.2),
    Workload("send_async, no callback, 100 B, batching", "async-nocb", 300_000, official_share=0.5),
    Workload("send_async + callback, 1 KB, batching", "async", 200_000, 1024, official_share=0.25),
    Workload("send_async + callback, 64 KB, batching", "async", 10_000, 65536, official_share=0.5),
    Workload(
        "send_async + callback, 100 B, no batching",
        "async",
        200_000,
        batching=False,
        official_share=0.25,
    ),
    Workload("send (sync), 100 B, no batching", "sync", 3_000, batching=False),
    Workload("send (sync), 100 B, batching", "sync", 3_000),
    Workload("send (sync) from 1 thread, 100 B", "threads", 3_000, batching=False, threads=1),
    Workload("send (sync) from 2 threads, 100 B", "threads", 6_000, batching=False, threads=2),
    Workload("send (sync) from 8 threads, 100 B", "threads", 12_000, batching=False, threads=8),
]


def quick(workloads: list[Workload]) -> list[Workload]:
    return [
        Workload(
            w.name,
            w.mode,
            max(500, w.count // 10),
            w.payload,
            w.batching,
            w.threads,
            w.official_share,
        )
        for w in workloads
    ]


# ---- the clients ------------------------------------------------------------------------------


def bundled_libpulsar() -> Path:
    import pulsar

    libs = sorted((Path(pulsar.__file__).parent / "_libs").glob("libpulsar*.so*"))
    if not libs or not hasattr(pulsar, "libpulsar_version"):
        raise SystemExit("run this with the Python of an environment where fastpulsar is installed")
    return libs[0]


def build_raw_driver() -> Path:
    # One build directory per checkout (the cache is shared by every checkout on the
    # machine), configured every time so that it follows this checkout's sources and the
    # libpulsar of the interpreter running the benchmark.
    checkout = hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]
    build = CACHE / f"raw-build-{checkout}"
    build.mkdir(parents=True, exist_ok=True)
    cmake = [
        "cmake",
        "-S",
        str(ROOT / "bench" / "raw"),
        "-B",
        str(build),
        f"-DLIBPULSAR_PATH={bundled_libpulsar()}",
        "-DCMAKE_BUILD_TYPE=Release",
    ]
    if shutil.which("ninja"):
        cmake += ["-G", "Ninja"]
    subprocess.run(cmake, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", str(build)], check=True, stdout=subprocess.DEVNULL)
    return build / "raw_driver"


def command(client: str, w: Workload, url: str, raw: Path, official: Path) -> list[str]:
    topic = f"persistent://public/default/bench-{uuid.uuid4().hex[:12]}"
    args = [
        "--url",
        url,
        "--topic",
        topic,
        "--mode",
        w.mode,
        "--count",
        str(w.count_for(client)),
        "--payload",
        str(w.payload),
        "--batching",
        "1" if w.batching else "0",
        "--threads",
        str(w.threads),
    ]
    if client == "raw":
        mode = "async" if w.mode == "async-nocb" else w.mode  # libpulsar always takes a callback
        args[args.index("--mode") + 1] = mode
        return [str(raw), *args]
    python = str(official) if client == "official" else sys.executable
    return [python, str(ROOT / "bench" / "driver.py"), *args]


def run_one(cmd: list[str], timeout: float = 600) -> dict[str, float]:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run(
        cmd,
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=tempfile.gettempdir(),
    )
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("{") and proc.returncode == 0:
            sample: dict[str, float] = json.loads(line)
            return sample
    raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")


# ---- reporting ----------------------------------------------------------------------------------


def median(samples: list[dict[str, float]], key: str) -> float:
    return statistics.median(s[key] for s in samples)


def table(workloads: list[Workload], results: dict[str, dict[str, list[dict[str, float]]]]) -> str:
    head = (
        "| workload | raw libpulsar | pulsar-client 3.13 | fastpulsar | fastpulsar / raw "
        "| fastpulsar / pulsar-client |\n|---|---:|---:|---:|---:|---:|"
    )
    rows = [head]
    for w in workloads:
        r = results[w.name]
        rate = {c: median(r[c], "rate") for c in CLIENTS}
        rows.append(
            f"| {w.name} | {rate['raw']:,.0f}/s | {rate['official']:,.0f}/s "
            f"| {rate['fastpulsar']:,.0f}/s | {rate['fastpulsar'] / rate['raw']:.0%} "
            f"| {rate['fastpulsar'] / rate['official']:.1f}x |"
        )
        if w.mode == "sync":
            p50 = {c: median(r[c], "p50_us") for c in CLIENTS}
            p99 = {c: median(r[c], "p99_us") for c in CLIENTS}
            rows.append(
                f"| &nbsp;&nbsp;latency p50 / p99 | {p50['raw']:.0f} / {p99['raw']:.0f} us "
                f"| {p50['official']:.0f} / {p99['official']:.0f} us "
                f"| {p50['fastpulsar']:.0f} / {p99['fastpulsar']:.0f} us "
                f"| {p50['fastpulsar'] - p50['raw']:+.0f} us (p50) | |"
            )
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--broker", choices=["lite", "standalone"], default="lite")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--quick", action="store_true", help="a tenth of the messages (a smoke run)"
    )
    parser.add_argument(
        "--skip-rss", action="store_true", help="skip the 1,000,000-send memory run"
    )
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    args = parser.parse_args()
    workloads = quick(WORKLOADS) if args.quick else WORKLOADS

    print("building the raw libpulsar driver ...", flush=True)
    raw = build_raw_driver()
    print("preparing pulsar-client 3.13.0 in its own virtual environment ...", flush=True)
    official = Path(ensure_official_venv())

    with tempfile.TemporaryDirectory(prefix="fastpulsar-bench-") as workdir:
        broker: PulsarLite | StandaloneBroker
        if args.broker == "lite":
            broker = PulsarLite(find_pulsar_lite_binary(), Path(workdir)).start()
        else:
            broker = StandaloneBroker(work_dir=Path(workdir) / "standalone").start()
        try:
            print(f"broker: {args.broker} at {broker.service_url}", flush=True)
            results: dict[str, dict[str, list[dict[str, float]]]] = {
                w.name: {c: [] for c in CLIENTS} for w in workloads
            }
            started = time.monotonic()
            for rnd in range(args.rounds):
                order = CLIENTS[rnd % 3 :] + CLIENTS[: rnd % 3]  # alternate who goes first
                for w in workloads:
                    for client in order:
                        sample = run_one(command(client, w, broker.service_url, raw, official))
                        results[w.name][client].append(sample)
                    print(
                        f"round {rnd + 1}/{args.rounds}: {w.name}: "
                        + ", ".join(
                            f"{c} {results[w.name][c][-1]['rate']:,.0f}/s" for c in CLIENTS
                        ),
                        flush=True,
                    )
            memory = None
            if not args.skip_rss:
                print("memory: 1,000,000 send_async with callbacks ...", flush=True)
                rss_workload = Workload("rss", "rss", 1_000_000)
                memory = run_one(
                    command("fastpulsar", rss_workload, broker.service_url, raw, official)
                )
            elapsed = time.monotonic() - started
        finally:
            broker.stop()

    report = table(workloads, results)
    print()
    print(
        f"broker {args.broker}, {args.rounds} rounds, medians; {platform.node()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(report)
    if memory is not None:
        print(
            f"\nfastpulsar RSS: {memory['rss_100k_mib']:.0f} MiB after 100k sends, "
            f"{memory['rss_1m_mib']:.0f} MiB after 1M (growth {memory['rss_1m_mib'] - memory['rss_100k_mib']:+.0f} MiB), "
            f"peak {memory['peak_rss_mib']:.0f} MiB"
        )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "broker": args.broker,
                "rounds": args.rounds,
                "seconds": elapsed,
                "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                "workloads": [asdict(w) for w in workloads],
                "samples": results,
                "medians": {
                    w.name: {
                        c: {k: median(results[w.name][c], k) for k in results[w.name][c][0]}
                        for c in CLIENTS
                    }
                    for w in workloads
                },
                "memory": memory,
                "table": report,
            },
            indent=2,
        )
    )
    print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
