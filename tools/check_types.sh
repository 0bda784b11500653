#!/usr/bin/env bash
# The package's types, as a user's type checker sees them (issue 12, section 4):
#   1. mypy.stubtest on the whole pulsar package: pulsar/_core.pyi and pulsar/_enums.pyi
#      against the installed extension and enums, and the typed .py modules against what
#      they are at run time; what stubtest cannot see or the stub states on purpose
#      (pybind11's metaclass and constructors, ...) is in tools/stubtest_allowlist.txt,
#      each entry with its reason;
#   2. mypy --strict on examples/typed_usage.py, a program using the public API as a user
#      would (its assert_type calls fail if a stub degrades to Any);
#   3. mypy --strict must REJECT a few misuses (a callback of the wrong shape, a wrong
#      argument type, a wrong return type): stubs that accept anything would pass step 2.
# It runs against the installed package (as the tests do): install it first.
# Usage: tools/check_types.sh            (uses .venv/bin/python, else python3)
set -euo pipefail
cd "$(dirname "$0")/.."

root=$PWD
python=${PYTHON:-}
if [ -z "$python" ]; then
    if [ -x .venv/bin/python ]; then python=$root/.venv/bin/python; else python=python3; fi
fi
# stubtest runs from a scratch directory, so that `import pulsar` is the installed package
# (with its extension), not the source tree; mypy reads the source tree's stubs and .py files.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

echo "check_types: stubtest pulsar (with pulsar._core and pulsar._enums)"
(cd "$scratch" && MYPYPATH="$root" "$python" -m mypy.stubtest pulsar \
    --allowlist "$root/tools/stubtest_allowlist.txt")

echo "check_types: mypy --strict examples/typed_usage.py"
"$python" -m mypy --strict --python-version 3.10 --no-incremental examples/typed_usage.py

echo "check_types: mypy --strict rejects misuses"
cat >"$scratch/misuse.py" <<'PY'
import pulsar

client = pulsar.Client("pulsar://localhost:6650")
producer = client.create_producer("t")
producer.send_async(b"x", lambda result: None)  # expect: callback of one argument
client.subscribe("t", 42)  # expect: subscription_name is a str
message_id: str = producer.send(b"x")  # expect: send returns a MessageId
consumer = client.subscribe("t", "s")
consumer.acknowledge("not a message")  # expect: a Message or a MessageId
client.create_producer("t", compression_type=3)  # expect: a CompressionType
PY
expected=$(grep -c '# expect:' "$scratch/misuse.py")
set +e
output=$(MYPYPATH="$root" "$python" -m mypy --strict --python-version 3.10 --no-incremental \
    --cache-dir "$scratch/cache" "$scratch/misuse.py" 2>&1)
set -e
lines=$(grep -c 'misuse.py:[0-9]*: error' <<<"$output" || true)
flagged=$(grep -o 'misuse.py:[0-9]*' <<<"$output" | sort -u | wc -l)
if [ "$flagged" -ne "$expected" ]; then
    echo "$output"
    echo "check_types: mypy flagged $flagged of the $expected misuse lines ($lines errors)" >&2
    exit 1
fi
echo "check_types: mypy flagged all $expected misuse lines"
echo "check_types: OK"
