#!/usr/bin/env bash
# Finds tests that fail by chance: runs the chosen tests N times in the README's .venv, each
# run a new pytest process (so a fresh pulsar-lite, and a fresh Apache Pulsar standalone for
# the tests that need one) with a random test order (tests/fixtures/order.py: modules, then
# the tests in each, shuffled by --shuffle-seed), and prints every test that failed at least
# once: how often, its failure, and the seed of each run it failed in.
#
#   tools/flake_hunt.sh [pytest arguments] --runs N
#
# e.g. `tools/flake_hunt.sh --no-standalone --runs 10` (the pulsar-lite part of the suite),
# `tools/flake_hunt.sh -m standalone --runs 3`, `tools/flake_hunt.sh
# tests/integration/test_reader.py --runs 20`. A run reproduces with the same pytest arguments
# and `--shuffle-seed=SEED`. Each run's JUnit XML and output are kept in
# ${FASTPULSAR_FLAKE_DIR:-build/flake-hunt/<UTC time>}. Exit status: 0 when every run passed,
# 1 when a test failed in some run, 2 on a usage error.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=""
args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=${2:-}; shift 2 || { echo "flake_hunt: --runs needs a number" >&2; exit 2; } ;;
        --runs=*) runs=${1#--runs=}; shift ;;
        *) args+=("$1"); shift ;;
    esac
done
case "$runs" in
    '' | *[!0-9]* | 0) echo "usage: tools/flake_hunt.sh [pytest arguments] --runs N (N >= 1)" >&2; exit 2 ;;
esac
py=.venv/bin/python
if [ ! -x .venv/bin/pytest ]; then
    echo "flake_hunt: no .venv: run the README's test command's set-up first" >&2
    exit 2
fi

out=${FASTPULSAR_FLAKE_DIR:-build/flake-hunt/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"
echo "flake_hunt: $runs runs of: pytest ${args[*]:-}; results in $out"
for i in $(seq 1 "$runs"); do
    seed=$(( (RANDOM << 15 | RANDOM) + 1 ))
    echo "flake_hunt: [$(date -u +%T)] run $i/$runs, --shuffle-seed=$seed"
    status=0
    .venv/bin/pytest -p no:cacheprovider "${args[@]}" --shuffle-seed="$seed" \
        --junitxml="$out/run-$i-seed-$seed.xml" >"$out/run-$i-seed-$seed.log" 2>&1 || status=$?
    echo "$status" >"$out/run-$i-seed-$seed.status"
    echo "flake_hunt: run $i: $(tail -n 1 "$out/run-$i-seed-$seed.log") (exit $status)"
done

"$py" - "$out" "$runs" <<'EOF'
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

out, runs = Path(sys.argv[1]), int(sys.argv[2])
failures: dict[str, list[tuple[str, str]]] = {}
for status_file in sorted(out.glob("run-*-seed-*.status")):
    seed = status_file.stem.rsplit("-", 1)[1]
    status = int(status_file.read_text())
    report = status_file.with_suffix(".xml")
    if status not in (0, 1) or not report.exists():
        # pytest itself failed (usage error, interrupted, crashed): the whole run counts.
        log = status_file.with_suffix(".log").read_text(errors="replace").strip()
        name = f"(the run itself, exit status {status})"
        failures.setdefault(name, []).append((seed, log))
        continue
    for case in ET.parse(report).iter("testcase"):
        for kind in ("failure", "error"):
            for problem in case.findall(kind):
                name = f"{case.get('classname')}::{case.get('name')}"
                text = (problem.get("message") or "") + "\n" + (problem.text or "")
                failures.setdefault(name, []).append((seed, f"[{kind}] {text.strip()}"))
if not failures:
    print(f"flake_hunt: no test failed in {runs} runs")
    raise SystemExit(0)
print(f"flake_hunt: {len(failures)} test(s) failed in {runs} runs:")
for name, seen in sorted(failures.items()):
    seeds = ", ".join(seed for seed, _ in seen)
    print(f"\n== {name}: failed {len(seen)} of {runs} runs (--shuffle-seed= {seeds})")
    print("\n".join(seen[0][1].splitlines()[-25:]))
raise SystemExit(1)
EOF
