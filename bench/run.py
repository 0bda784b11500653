"""fastpulsar's throughput benchmark: fastpulsar beside the official pulsar-client 3.13.0 and
a raw libpulsar driver, in one run, against one broker it starts.

    python bench/run.py [--broker lite|standalone] [--rounds 3] [--quick] [--json PATH]
                        [--producer-only | --consumer-only]

Run it with the interpreter of an environment where fastpulsar and its broker helpers are
installed (`pip install . ./testing`, and pulsar-lite for the default broker). It builds
bench/raw (C++, CMake) against the libpulsar fastpulsar bundles, makes a virtual
environment with pulsar-client 3.13.0 (cached), then runs every workload for every client,
alternating their order, for several rounds, and prints medians and ratios. The same
figures go to a JSON file.

The consumer workloads read 100-byte messages that the raw driver (the fastest producer)
put on a fresh topic just before, with batching on; the fill is not timed. Every client
gets a topic of its own for every workload and round.
"""

from __future__ import annotations

import argparse
import contextlib
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
from collections.abc import Iterator
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


@dataclass(frozen=True)
class ConsumerWorkload:
    name: str
    mode: str  # driver mode: receive, listener, batch, reader
    count: int  # timed messages (the topic holds 100 more: the warm-up)
    official_share: float = 1.0  # the official client is slow: fewer messages
    batch_max: int = 100  # batch: the batch receive policy's maximum number of messages

    def count_for(self, client: str) -> int:
        if client == "official":
            return max(1000, int(self.count * self.official_share))
        return self.count


CONSUMER_WORKLOADS = [
    ConsumerWorkload("receive + acknowledge, 100 B", "receive", 1_000_000, official_share=0.2),
    ConsumerWorkload(
        "message listener + acknowledge, 100 B", "listener", 1_000_000, official_share=0.1
    ),
    ConsumerWorkload("batch_receive (100 max) + acknowledge each, 100 B", "batch", 1_000_000, 0.2),
    ConsumerWorkload("Reader read_next, 100 B", "reader", 1_000_000, official_share=0.2),
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


def quick_consumers(workloads: list[ConsumerWorkload]) -> list[ConsumerWorkload]:
    return [
        ConsumerWorkload(w.name, w.mode, max(1000, w.count // 10), w.official_share, w.batch_max)
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


def consumer_commands(
    client: str, w: ConsumerWorkload, url: str, raw: Path, official: Path
) -> tuple[list[str], list[str]]:
    """The fill (the raw driver sends count + 100 messages to a fresh topic, batching on)
    and the consumer run that reads them."""
    topic = f"persistent://public/default/bench-{w.mode}-{uuid.uuid4().hex[:12]}"
    count = str(w.count_for(client))
    fill = [
        str(raw),
        *("--url", url, "--topic", topic, "--mode", "async", "--count", count),
        *("--payload", "100", "--batching", "1"),
    ]
    args = ["--url", url, "--topic", topic, "--mode", w.mode, "--count", count]
    args += ["--batch-max", str(w.batch_max)]
    if client == "raw":
        return fill, [str(raw), *args]
    python = str(official) if client == "official" else sys.executable
    return fill, [python, str(ROOT / "bench" / "driver.py"), *args]


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


Results = dict[str, dict[str, list[dict[str, float]]]]  # workload -> client -> samples


def table(workloads: list[Workload] | list[ConsumerWorkload], results: Results) -> str:
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
        if isinstance(w, ConsumerWorkload) and all("cpu_us_per_msg" in x for x in r["raw"]):
            cpu = {c: median(r[c], "cpu_us_per_msg") for c in CLIENTS}
            rows.append(
                f"| &nbsp;&nbsp;CPU per message (process) | {cpu['raw']:.2f} us "
                f"| {cpu['official']:.2f} us | {cpu['fastpulsar']:.2f} us "
                f"| {cpu['fastpulsar'] - cpu['raw']:+.2f} us | |"
            )
        if isinstance(w, Workload) and w.mode == "sync":
            p50 = {c: median(r[c], "p50_us") for c in CLIENTS}
            p99 = {c: median(r[c], "p99_us") for c in CLIENTS}
            rows.append(
                f"| &nbsp;&nbsp;latency p50 / p99 | {p50['raw']:.0f} / {p99['raw']:.0f} us "
                f"| {p50['official']:.0f} / {p99['official']:.0f} us "
                f"| {p50['fastpulsar']:.0f} / {p99['fastpulsar']:.0f} us "
                f"| {p50['fastpulsar'] - p50['raw']:+.0f} us (p50) | |"
            )
    return "\n".join(rows)


@contextlib.contextmanager
def running_broker(kind: str, workdir: Path) -> Iterator[str]:
    """A broker of `kind` (lite or standalone) for the block; yields its service URL."""
    broker: PulsarLite | StandaloneBroker
    if kind == "lite":
        broker = PulsarLite(find_pulsar_lite_binary(), workdir).start()
    else:
        broker = StandaloneBroker(work_dir=workdir / "standalone").start()
    try:
        print(f"broker: {kind} at {broker.service_url}", flush=True)
        yield broker.service_url
    finally:
        broker.stop()


def spread(samples: list[dict[str, float]]) -> str:
    rates = [s["rate"] for s in samples]
    return f"{min(rates):,.0f}..{max(rates):,.0f}"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--broker", choices=["lite", "standalone"], default="lite")
    parser.add_argument(
        "--consumer-broker",
        choices=["lite", "standalone"],
        default="standalone",
        help="the broker of the consumer workloads (pulsar-lite re-delivers much of a\n"
        "large backlog read fast, which would measure its re-deliveries)",
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--quick", action="store_true", help="a tenth of the messages (a smoke run)"
    )
    parser.add_argument(
        "--skip-rss", action="store_true", help="skip the 1,000,000-send memory run"
    )
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--producer-only", action="store_true", help="the producer table only")
    only.add_argument(
        "--consumer-only", action="store_true", help="the consumer table only (no memory run)"
    )
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    args = parser.parse_args()
    workloads: list[Workload] = [] if args.consumer_only else WORKLOADS
    consumers: list[ConsumerWorkload] = [] if args.producer_only else CONSUMER_WORKLOADS
    if args.quick:
        workloads, consumers = quick(workloads), quick_consumers(consumers)

    print("building the raw libpulsar driver ...", flush=True)
    raw = build_raw_driver()
    print("preparing pulsar-client 3.13.0 in its own virtual environment ...", flush=True)
    official = Path(ensure_official_venv())

    def order(rnd: int) -> tuple[str, ...]:
        return CLIENTS[rnd % 3 :] + CLIENTS[: rnd % 3]  # alternate who goes first

    def show(rnd: int, name: str, samples: dict[str, list[dict[str, float]]]) -> None:
        rates = ", ".join(f"{c} {samples[c][-1]['rate']:,.0f}/s" for c in CLIENTS)
        print(f"round {rnd + 1}/{args.rounds}: {name}: {rates}", flush=True)

    results: Results = {w.name: {c: [] for c in CLIENTS} for w in workloads}
    consumer_results: Results = {w.name: {c: [] for c in CLIENTS} for w in consumers}
    memory = None
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="fastpulsar-bench-") as workdir:
        if workloads:
            with running_broker(args.broker, Path(workdir) / "producers") as url:
                for rnd in range(args.rounds):
                    for w in workloads:
                        for client in order(rnd):
                            sample = run_one(command(client, w, url, raw, official))
                            results[w.name][client].append(sample)
                        show(rnd, w.name, results[w.name])
                if not args.skip_rss:
                    print("memory: 1,000,000 send_async with callbacks ...", flush=True)
                    rss_workload = Workload("rss", "rss", 1_000_000)
                    memory = run_one(command("fastpulsar", rss_workload, url, raw, official))
        if consumers:
            with running_broker(args.consumer_broker, Path(workdir) / "consumers") as url:
                for rnd in range(args.rounds):
                    for cw in consumers:
                        for client in order(rnd):
                            fill, consume = consumer_commands(client, cw, url, raw, official)
                            run_one(fill)  # not timed
                            consumer_results[cw.name][client].append(run_one(consume))
                        show(rnd, cw.name, consumer_results[cw.name])
    elapsed = time.monotonic() - started

    print()
    print(
        f"{args.rounds} rounds, medians; {platform.node()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    report = table(workloads, results) if workloads else ""
    consumer_report = table(consumers, consumer_results) if consumers else ""
    for title, text in (
        (f"producers, broker {args.broker}", report),
        (f"consumers, broker {args.consumer_broker}", consumer_report),
    ):
        if text:
            print(f"\n{title}:\n{text}")
    print()
    for name, samples in {**results, **consumer_results}.items():
        print(f"spread {name}: " + ", ".join(f"{c} {spread(samples[c])}/s" for c in CLIENTS))
    for name, samples in consumer_results.items():
        dups = {c: [int(s["duplicates"]) for s in samples[c]] for c in CLIENTS}
        if any(any(d) for d in dups.values()):
            print(f"re-deliveries {name} (per round): {dups}")
    if memory is not None:
        print(
            f"\nfastpulsar RSS: {memory['rss_100k_mib']:.0f} MiB after 100k sends, "
            f"{memory['rss_1m_mib']:.0f} MiB after 1M (growth {memory['rss_1m_mib'] - memory['rss_100k_mib']:+.0f} MiB), "
            f"peak {memory['peak_rss_mib']:.0f} MiB"
        )

    def medians(res: Results) -> dict[str, dict[str, dict[str, float]]]:
        return {
            name: {c: {k: median(samples[c], k) for k in samples[c][0]} for c in CLIENTS}
            for name, samples in res.items()
        }

    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "broker": args.broker,
                "consumer_broker": args.consumer_broker,
                "rounds": args.rounds,
                "seconds": elapsed,
                "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                "workloads": [asdict(w) for w in workloads],
                "samples": results,
                "medians": medians(results),
                "memory": memory,
                "table": report,
                "consumer_workloads": [asdict(w) for w in consumers],
                "consumer_samples": consumer_results,
                "consumer_medians": medians(consumer_results),
                "consumer_table": consumer_report,
            },
            indent=2,
        )
    )
    print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
