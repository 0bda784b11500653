"""The threads workload: send_async from 1, 2, 4, 8 threads, on the regular and on the
free-threaded CPython, beside pulsar-client 3.13.0, in one run against one pulsar-lite.

    python bench/threads.py [--python-ft PATH] [--threads 1,2,4,8] [--rounds 3]
                            [--messages 200000] [--no-official] [--work none|json]

Each cell runs bench/threads_driver.py in a fresh process: N threads call
send_async(payload, callback) (100 bytes, batching on), 200,000 messages in all, each
thread on a producer of its own (`own`) or all on one producer (`shared`), timed until
every callback has run. With `--work json`, each thread encodes every message itself first
(json.dumps of a 5-field dict, then .encode()): the Python work per message of a service,
which threads can share out across cores only without the GIL. The columns:

- fastpulsar on this interpreter (a regular CPython: one thread runs Python at a time);
- fastpulsar on the free-threaded CPython (`--python-ft`: a python3.13t whose environment
  has fastpulsar installed; `wheels/freethreaded_python.py` builds the interpreter);
- pulsar-client 3.13.0 on the regular CPython 3.13 of its cached environment (it has no
  free-threaded wheel), for scale.

Each cell is the median of the rounds (cells alternate their order between rounds); beside
each rate, its ratio to the same column's 1-thread rate. A driver that finds the GIL
enabled on the free-threaded interpreter fails the run: the figures would not be what they
claim.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from fastpulsar_testing.lite import PulsarLite, find_pulsar_lite_binary
from fastpulsar_testing.official_venv import clean_env, ensure_official_venv

HERE = Path(__file__).resolve().parent

LAYOUTS = ("own", "shared")


def run_driver(
    python: str, client: str, url: str, threads: int, layout: str, messages: int, work: str
) -> dict[str, float]:
    cmd = [
        python,
        str(HERE / "threads_driver.py"),
        "--url",
        url,
        "--threads",
        str(threads),
        "--layout",
        layout,
        "--messages",
        str(messages),
        "--client",
        client,
        "--work",
        work,
    ]
    result = subprocess.run(
        cmd, capture_output=True, text=True, timeout=600, env=clean_env(), check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({result.returncode}): {result.stderr[-2000:]}")
    out: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--python-ft", help="a python3.13t with fastpulsar installed")
    parser.add_argument("--threads", default="1,2,4,8")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--no-official", action="store_true", help="without pulsar-client")
    parser.add_argument("--json", type=Path, help="also write the samples here")
    parser.add_argument(
        "--work", choices=["none", "json"], default="none", help="per-message work (see above)"
    )
    args = parser.parse_args()
    counts = [int(n) for n in args.threads.split(",")]

    columns: list[tuple[str, str, str]] = [
        (f"fastpulsar {sys.version.split()[0]}", sys.executable, "fastpulsar")
    ]
    if args.python_ft:
        columns.append(("fastpulsar free-threaded", args.python_ft, "fastpulsar"))
    if not args.no_official:
        official = Path(ensure_official_venv())
        columns.append(("pulsar-client 3.13.0", str(official), "official"))

    samples: dict[tuple[str, str, int], list[dict[str, float]]] = {}

    def run_rounds(url: str) -> None:
        for rnd in range(args.rounds):
            order = columns if rnd % 2 == 0 else list(reversed(columns))
            for layout in LAYOUTS:
                for n in counts:
                    for name, python, client in order:
                        sample = run_driver(
                            python, client, url, n, layout, args.messages, args.work
                        )
                        if "free-threaded" in name and sample["gil_enabled"]:
                            raise RuntimeError(f"{python}: the GIL was enabled in the run")
                        samples.setdefault((name, layout, n), []).append(sample)
                        print(
                            f"round {rnd + 1} {layout:6} {n} threads {name:26} "
                            f"{sample['rate']:>12,.0f} msg/s",
                            flush=True,
                        )

    with tempfile.TemporaryDirectory() as tmp:
        broker = PulsarLite(find_pulsar_lite_binary(), Path(tmp)).start()
        print(f"broker: pulsar-lite at {broker.service_url}", flush=True)
        try:
            run_rounds(broker.service_url)
        finally:
            broker.stop()

    def rate(name: str, layout: str, n: int) -> float:
        return statistics.median(s["rate"] for s in samples[(name, layout, n)])

    print()
    for layout in LAYOUTS:
        title = "own producer per thread" if layout == "own" else "one shared producer"
        work = ", each message json.dumps-encoded by its thread" if args.work == "json" else ""
        print(
            f"send_async + callback{work}, {title} (msg/s, median of {args.rounds}; x: of 1 thread)"
        )
        header = "| threads | " + " | ".join(name for name, _, _ in columns) + " |"
        print(header)
        print("|---:|" + "---:|" * len(columns))
        for n in counts:
            cells = []
            for name, _, _ in columns:
                r = rate(name, layout, n)
                base = rate(name, layout, counts[0])
                cells.append(f"{r:,.0f} ({r / base:.2f}x)")
            print(f"| {n} | " + " | ".join(cells) + " |")
        print()
    if args.json:
        args.json.write_text(
            json.dumps({f"{k[0]}|{k[1]}|{k[2]}": v for k, v in samples.items()}, indent=1)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
