"""fastpulsar's throughput benchmark: fastpulsar beside the official pulsar-client 3.13.0 and
a raw libpulsar driver, in one run, against one broker it starts.

    python bench/run.py [--broker lite|standalone] [--rounds 3] [--quick] [--json PATH]
                        [--producer-only | --consumer-only | --typed-only | --asyncio-only]

Run it with the interpreter of an environment where fastpulsar and its broker helpers are
installed (`pip install . ./testing`, and pulsar-lite for the default broker). It builds
bench/raw (C++, CMake) against the libpulsar fastpulsar bundles, makes a virtual
environment with pulsar-client 3.13.0 (cached), then runs every workload for every client,
alternating their order, for several rounds, and prints medians and ratios. The same
figures go to a JSON file.

The consumer workloads read 100-byte messages that the raw driver (the fastest producer)
put on a fresh topic just before, with batching on; the fill is not timed. Every client
gets a topic of its own for every workload and round.

The typed table (schemas: a 5-field Record with JsonSchema and AvroSchema) compares
fastpulsar with pulsar-client 3.13.0 only: the raw driver has no schema layer. Its send
workloads run on the producers' broker; its receive workloads on the consumers' broker,
over a topic the same client filled with the same schema just before (not timed). The
official environment gets fastavro (FASTAVRO_VERSION) if it lacks it.

The asyncio table compares pulsar.asyncio of fastpulsar and of pulsar-client 3.13.0
(bench/async_driver.py; no raw column: libpulsar has no asyncio). Its send workloads run on
the producers' broker, beside fastpulsar's sync send_async + callback with the same producer
settings (the reference of the "% of our sync send_async" ratio); its receive workloads run
on the consumers' broker, over a topic the raw driver filled just before (not timed), as the
consumer table's.
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
from fastpulsar_testing.official_venv import clean_env, ensure_official_venv
from fastpulsar_testing.standalone import StandaloneBroker

ROOT = Path(__file__).resolve().parent.parent
CACHE = cache_dir("FASTPULSAR_BENCH_CACHE", "fastpulsar-bench")  # the raw driver's build
CLIENTS = ("raw", "official", "fastpulsar")
TYPED_CLIENTS = ("official", "fastpulsar")  # the raw driver has no schema layer
FASTAVRO_VERSION = "1.13.1"
ASYNC_DRIVER = ROOT / "bench" / "async_driver.py"


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
    mode: str  # driver mode: receive, listener, listener4, batch, reader
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
    ConsumerWorkload(
        "4 consumers' listeners on message_listener_threads=4 + acknowledge, 100 B",
        "listener4",
        250_000,  # each consumer reads them all: 1,000,000 timed messages
        official_share=0.1,
    ),
    ConsumerWorkload("batch_receive (100 max) + acknowledge each, 100 B", "batch", 1_000_000, 0.2),
    ConsumerWorkload("Reader read_next, 100 B", "reader", 1_000_000, official_share=0.2),
]


@dataclass(frozen=True)
class TypedWorkload:
    name: str
    mode: str  # driver mode: json-send-async, avro-send-async, json-receive, avro-receive
    count: int  # timed messages (receive: the topic holds 100 more, the warm-up)
    official_share: float = 1.0  # the official client is slow: fewer messages

    @property
    def receives(self) -> bool:
        return self.mode.endswith("-receive")

    def count_for(self, client: str) -> int:
        if client == "official":
            return max(1000, int(self.count * self.official_share))
        return self.count


TYPED_WORKLOADS = [
    TypedWorkload(
        "JsonSchema: send_async(Record) + callback, batching", "json-send-async", 200_000, 0.2
    ),
    TypedWorkload(
        "AvroSchema: send_async(Record) + callback, batching", "avro-send-async", 200_000, 0.2
    ),
    TypedWorkload("JsonSchema: receive + value() + acknowledge", "json-receive", 300_000, 0.2),
    TypedWorkload("AvroSchema: receive + value() + acknowledge", "avro-receive", 300_000, 0.2),
]


@dataclass(frozen=True)
class AsyncWorkload:
    name: str
    # async_driver.py's mode (aio-gather, aio-sequential, aio-receive, aio-for), or driver.py's
    # async: fastpulsar's sync send_async + callback, the reference of aio-gather
    mode: str
    count: int  # timed messages (receive: the topic holds 100 more, the warm-up)
    batching: bool = True
    official_share: float = 1.0  # the official client is slow: fewer messages
    clients: tuple[str, ...] = TYPED_CLIENTS

    @property
    def receives(self) -> bool:
        return self.mode in ("aio-receive", "aio-for")

    def count_for(self, client: str) -> int:
        if client == "official":
            return max(1000, int(self.count * self.official_share))
        return self.count


SYNC_REFERENCE = "sync send_async + callback (the reference), 100 B, batching"
ASYNC_WORKLOADS = [
    AsyncWorkload(SYNC_REFERENCE, "async", 100_000, clients=("fastpulsar",)),
    AsyncWorkload(
        "concurrent await send(), gather of 1,000, 100 B, batching",
        "aio-gather",
        100_000,
        official_share=0.2,
    ),
    AsyncWorkload("sequential await send(), 100 B, no batching", "aio-sequential", 2_000, False),
    AsyncWorkload(
        "await receive() + await acknowledge(), 100 B", "aio-receive", 200_000, official_share=0.25
    ),
    AsyncWorkload(
        "async for + await acknowledge(), 100 B", "aio-for", 200_000, clients=("fastpulsar",)
    ),
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


def quick_typed(workloads: list[TypedWorkload]) -> list[TypedWorkload]:
    return [
        TypedWorkload(w.name, w.mode, max(1000, w.count // 10), w.official_share) for w in workloads
    ]


def quick_async(workloads: list[AsyncWorkload]) -> list[AsyncWorkload]:
    return [
        AsyncWorkload(
            w.name, w.mode, max(1000, w.count // 10), w.batching, w.official_share, w.clients
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


def typed_commands(
    client: str, w: TypedWorkload, url: str, official: Path
) -> tuple[list[str] | None, list[str]]:
    """The fill (receive workloads only: the same client sends count + 100 records with the
    same schema to a fresh topic) and the timed run."""
    topic = f"persistent://public/default/bench-{w.mode}-{uuid.uuid4().hex[:12]}"
    python = str(official) if client == "official" else sys.executable
    driver = [python, str(ROOT / "bench" / "driver.py"), "--url", url, "--topic", topic]
    count = ["--count", str(w.count_for(client))]
    run = [*driver, "--mode", w.mode, *count]
    if not w.receives:
        return None, run
    return [*driver, "--mode", w.mode.replace("-receive", "-send-async"), *count], run


def async_commands(
    client: str, w: AsyncWorkload, url: str, raw: Path, official: Path
) -> tuple[list[str] | None, list[str]]:
    """The fill (receive workloads only: the raw driver sends count + 100 messages of 100
    bytes to a fresh topic, batching on, as for the consumer table) and the timed run."""
    topic = f"persistent://public/default/bench-{w.mode}-{uuid.uuid4().hex[:12]}"
    count = str(w.count_for(client))
    python = str(official) if client == "official" else sys.executable
    args = ["--url", url, "--topic", topic, "--mode", w.mode, "--count", count]
    if w.mode == "async":  # the sync reference: driver.py's send_async + callback
        args += ["--payload", "100", "--batching", "1"]
        return None, [python, str(ROOT / "bench" / "driver.py"), *args]
    run = [python, str(ASYNC_DRIVER), *args]
    if not w.receives:
        return None, [*run, "--payload", "100", "--batching", "1" if w.batching else "0"]
    fill = [
        str(raw),
        *("--url", url, "--topic", topic, "--mode", "async", "--count", count),
        *("--payload", "100", "--batching", "1"),
    ]
    return fill, run


def ensure_fastavro(official: Path) -> None:
    """fastavro FASTAVRO_VERSION in the official client's environment (installed if not)
    and importable here (fastpulsar's AvroSchema needs it too)."""
    try:
        import fastavro  # noqa: F401 - only whether it imports
    except ImportError:
        raise SystemExit(
            "the typed benchmark needs fastavro here: pip install 'fastpulsar[avro]'"
        ) from None
    probe = [str(official), "-c", "import fastavro; print(fastavro.__version__)"]
    env = clean_env()
    with tempfile.TemporaryDirectory() as cwd:
        found = subprocess.run(probe, capture_output=True, text=True, env=env, cwd=cwd, check=False)
        if found.returncode == 0 and found.stdout.strip() == FASTAVRO_VERSION:
            return
        print(f"installing fastavro=={FASTAVRO_VERSION} for pulsar-client ...", flush=True)
        pip = [str(official), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        pip += ["--no-input", f"fastavro=={FASTAVRO_VERSION}"]
        subprocess.run(pip, check=True, env=env, cwd=cwd)


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


def typed_table(workloads: list[TypedWorkload], results: Results) -> str:
    head = (
        "| workload | pulsar-client 3.13 | fastpulsar | fastpulsar / pulsar-client |\n"
        "|---|---:|---:|---:|"
    )
    rows = [head]
    for w in workloads:
        r = results[w.name]
        rate = {c: median(r[c], "rate") for c in TYPED_CLIENTS}
        rows.append(
            f"| {w.name} | {rate['official']:,.0f}/s | {rate['fastpulsar']:,.0f}/s "
            f"| {rate['fastpulsar'] / rate['official']:.1f}x |"
        )
        if all("cpu_us_per_msg" in x for c in TYPED_CLIENTS for x in r[c]):
            cpu = {c: median(r[c], "cpu_us_per_msg") for c in TYPED_CLIENTS}
            rows.append(
                f"| &nbsp;&nbsp;CPU per message (process) | {cpu['official']:.2f} us "
                f"| {cpu['fastpulsar']:.2f} us | |"
            )
    return "\n".join(rows)


def async_table(workloads: list[AsyncWorkload], results: Results) -> str:
    """The asyncio table: pulsar-client 3.13 beside fastpulsar (a blank cell for a
    workload a client does not run), and for aio-gather fastpulsar's rate over its sync
    send_async reference's (when that ran)."""
    head = (
        "| workload | pulsar-client 3.13 | fastpulsar | fastpulsar / pulsar-client "
        "| fastpulsar / our sync send_async |\n|---|---:|---:|---:|---:|"
    )
    rows = [head]
    reference = results.get(SYNC_REFERENCE, {}).get("fastpulsar")

    def cell(r: dict[str, list[dict[str, float]]], client: str, key: str, fmt: str) -> str:
        return format(median(r[client], key), fmt) if r.get(client) else ""

    for w in workloads:
        r = results[w.name]
        rate = {c: median(r[c], "rate") for c in w.clients}
        both = "official" in rate and "fastpulsar" in rate
        versus = f"{rate['fastpulsar'] / rate['official']:.1f}x" if both else ""
        of_sync = ""
        if w.mode == "aio-gather" and reference and "fastpulsar" in rate:
            of_sync = f"{rate['fastpulsar'] / median(reference, 'rate'):.0%}"
        official_rate = f"{rate['official']:,.0f}/s" if "official" in rate else ""
        fast_rate = f"{rate['fastpulsar']:,.0f}/s" if "fastpulsar" in rate else ""
        rows.append(f"| {w.name} | {official_rate} | {fast_rate} | {versus} | {of_sync} |")
        if w.mode == "aio-sequential":
            lat = {
                c: f"{median(r[c], 'p50_us'):.0f} / {median(r[c], 'p99_us'):.0f} us"
                for c in w.clients
            }
            rows.append(
                f"| &nbsp;&nbsp;latency p50 / p99 | {lat.get('official', '')} "
                f"| {lat.get('fastpulsar', '')} | | |"
            )
        if w.receives:
            cpu = {c: cell(r, c, "cpu_us_per_msg", ".2f") for c in w.clients}
            rows.append(
                f"| &nbsp;&nbsp;CPU per message (process) "
                f"| {cpu['official'] + ' us' if cpu.get('official') else ''} "
                f"| {cpu['fastpulsar'] + ' us' if cpu.get('fastpulsar') else ''} | | |"
            )
    return "\n".join(rows)


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
    only.add_argument(
        "--typed-only", action="store_true", help="the typed (schema) table only (no memory run)"
    )
    only.add_argument(
        "--asyncio-only", action="store_true", help="the asyncio table only (no memory run)"
    )
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    args = parser.parse_args()
    one_table = args.producer_only or args.consumer_only or args.typed_only or args.asyncio_only
    workloads: list[Workload] = WORKLOADS if args.producer_only or not one_table else []
    consumers: list[ConsumerWorkload] = (
        CONSUMER_WORKLOADS if args.consumer_only or not one_table else []
    )
    typed: list[TypedWorkload] = TYPED_WORKLOADS if args.typed_only or not one_table else []
    asyncs: list[AsyncWorkload] = ASYNC_WORKLOADS if args.asyncio_only or not one_table else []
    if args.quick:
        workloads, consumers = quick(workloads), quick_consumers(consumers)
        typed, asyncs = quick_typed(typed), quick_async(asyncs)
    typed_sends = [w for w in typed if not w.receives]
    typed_receives = [w for w in typed if w.receives]
    async_sends = [w for w in asyncs if not w.receives]
    async_receives = [w for w in asyncs if w.receives]

    raw = Path("raw_driver")  # not needed by the typed table nor the asyncio sends
    if workloads or consumers or async_receives:
        print("building the raw libpulsar driver ...", flush=True)
        raw = build_raw_driver()
    print("preparing pulsar-client 3.13.0 in its own virtual environment ...", flush=True)
    official = Path(ensure_official_venv())
    if typed:
        ensure_fastavro(official)

    def order(rnd: int) -> tuple[str, ...]:
        return CLIENTS[rnd % 3 :] + CLIENTS[: rnd % 3]  # alternate who goes first

    def typed_order(rnd: int) -> tuple[str, ...]:
        return TYPED_CLIENTS[rnd % 2 :] + TYPED_CLIENTS[: rnd % 2]

    def show(
        rnd: int,
        name: str,
        samples: dict[str, list[dict[str, float]]],
        clients: tuple[str, ...] = CLIENTS,
    ) -> None:
        rates = ", ".join(f"{c} {samples[c][-1]['rate']:,.0f}/s" for c in clients)
        print(f"round {rnd + 1}/{args.rounds}: {name}: {rates}", flush=True)

    def run_typed(url: str, typed_workloads: list[TypedWorkload]) -> None:
        for rnd in range(args.rounds):
            for tw in typed_workloads:
                for client in typed_order(rnd):
                    fill, timed = typed_commands(client, tw, url, official)
                    if fill is not None:
                        run_one(fill)  # not timed
                    typed_results[tw.name][client].append(run_one(timed))
                show(rnd, tw.name, typed_results[tw.name], TYPED_CLIENTS)

    def run_async(url: str, async_workloads: list[AsyncWorkload]) -> None:
        for rnd in range(args.rounds):
            for aw in async_workloads:
                clients = tuple(c for c in typed_order(rnd) if c in aw.clients)
                for client in clients:
                    fill, timed = async_commands(client, aw, url, raw, official)
                    if fill is not None:
                        run_one(fill)  # not timed
                    async_results[aw.name][client].append(run_one(timed))
                show(rnd, aw.name, async_results[aw.name], aw.clients)

    results: Results = {w.name: {c: [] for c in CLIENTS} for w in workloads}
    consumer_results: Results = {w.name: {c: [] for c in CLIENTS} for w in consumers}
    typed_results: Results = {w.name: {c: [] for c in TYPED_CLIENTS} for w in typed}
    async_results: Results = {w.name: {c: [] for c in w.clients} for w in asyncs}
    memory = None
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="fastpulsar-bench-") as workdir:
        if workloads or typed_sends or async_sends:
            with running_broker(args.broker, Path(workdir) / "producers") as url:
                run_typed(url, typed_sends)
                run_async(url, async_sends)
                for rnd in range(args.rounds):
                    for w in workloads:
                        for client in order(rnd):
                            sample = run_one(command(client, w, url, raw, official))
                            results[w.name][client].append(sample)
                        show(rnd, w.name, results[w.name])
                if workloads and not args.skip_rss:
                    print("memory: 1,000,000 send_async with callbacks ...", flush=True)
                    rss_workload = Workload("rss", "rss", 1_000_000)
                    memory = run_one(command("fastpulsar", rss_workload, url, raw, official))
        if consumers or typed_receives or async_receives:
            with running_broker(args.consumer_broker, Path(workdir) / "consumers") as url:
                run_typed(url, typed_receives)
                run_async(url, async_receives)
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
    typed_report = typed_table(typed, typed_results) if typed else ""
    async_report = async_table(asyncs, async_results) if asyncs else ""
    async_title = (
        f"asyncio (pulsar.asyncio; send: broker {args.broker}, receive: broker "
        f"{args.consumer_broker}; no raw libpulsar column: it has no asyncio)"
    )
    typed_title = (
        f"typed (5-field Record; send: broker {args.broker}, receive: broker "
        f"{args.consumer_broker}; no raw libpulsar column: it has no schema layer)"
    )
    for title, text in (
        (f"producers, broker {args.broker}", report),
        (f"consumers, broker {args.consumer_broker}", consumer_report),
        (typed_title, typed_report),
        (async_title, async_report),
    ):
        if text:
            print(f"\n{title}:\n{text}")
    print()
    every = {**results, **consumer_results, **typed_results, **async_results}
    for name, samples in every.items():
        print(f"spread {name}: " + ", ".join(f"{c} {spread(samples[c])}/s" for c in samples))
    for name, samples in {**consumer_results, **typed_results, **async_results}.items():
        if "duplicates" not in next(iter(samples.values()))[0]:
            continue
        dups = {c: [int(s["duplicates"]) for s in samples[c]] for c in samples}
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
            name: {c: {k: median(samples[c], k) for k in samples[c][0]} for c in samples}
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
                "typed_workloads": [asdict(w) for w in typed],
                "typed_samples": typed_results,
                "typed_medians": medians(typed_results),
                "typed_table": typed_report,
                "asyncio_workloads": [asdict(w) for w in asyncs],
                "asyncio_samples": async_results,
                "asyncio_medians": medians(async_results),
                "asyncio_table": async_report,
            },
            indent=2,
        )
    )
    print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
