#!/usr/bin/env bash
# fastpulsar on the free-threaded CPython (python3.13t, PEP 703): builds the interpreter once
# (wheels/freethreaded_python.py, about ten minutes, cached outside the checkout), makes a
# fresh virtual environment of it in a temporary directory, installs fastpulsar from this
# checkout with the test helpers and the test dependencies that exist for 3.13t, and runs
# the tests given (default: the unit tests and the integration tests named below) with the
# GIL off.
#
#   tools/freethreaded.sh [pytest arguments]
#
# FASTPULSAR_FT_KEEP=1 keeps the environment (its path is printed), e.g. for gdb on a core.
# FASTPULSAR_FT_SANITIZE=1 runs the same tests on the ASan/UBSan build instead
# (tools/sanitize.sh, with this interpreter and its own build directory, build/asan-ft).
#
# The test dependencies are the `test` extra's (with the schema extras it names), as
# pyproject.toml pins them for this interpreter, but where 3.13t has no build:
# - cryptography: its cffi refuses the free-threaded 3.13 ("supported from 3.14"); the TLS
#   tests make their certificates with the `openssl` command instead
#   (fastpulsar_testing/standalone/tls_openssl.py), and the unit tests that read
#   certificates with cryptography skip;
# - fastavro: built from its sdist (Cython; the pin is the extra's); it does not declare
#   itself free-threading-safe, and importing it would turn the GIL back on for the whole
#   test process. The run sets PYTHON_GIL=0 so that the GIL stays off whatever the tests
#   import; that fastpulsar alone keeps it off, without PYTHON_GIL, is what
#   tests/integration/test_free_threading.py checks in a child process of its own;
# - hypothesis: the newest release with a wheel here (6.170.15 has only an sdist, which does
#   not build on 3.13t).
# Any failure fails the run (set -e).
set -euo pipefail
cd "$(dirname "$0")/.."
exec </dev/null

host_python=${FASTPULSAR_HOST_PYTHON:-.venv/bin/python}
ft_python=$("$host_python" wheels/freethreaded_python.py --quiet | tail -n 1)
echo "tools/freethreaded.sh: $ft_python"

work=$(mktemp -d "${TMPDIR:-/tmp}/fastpulsar-ft-XXXXXX")
if [ -n "${FASTPULSAR_FT_KEEP:-}" ]; then
    echo "tools/freethreaded.sh: keeping $work (FASTPULSAR_FT_KEEP)"
else
    trap 'rm -rf "$work"' EXIT
fi
"$ft_python" -m venv "$work/venv"
py="$work/venv/bin/python"
# The `test` extra's requirements for this interpreter, with the exceptions above.
read -ra test_deps <<<"$("$py" - <<'EOF'
import tomllib
from pip._vendor.packaging.requirements import Requirement

EXCEPTIONS = {"cryptography": None, "hypothesis": "hypothesis==6.155.7"}  # None: left out
with open("pyproject.toml", "rb") as f:
    extras = tomllib.load(f)["project"]["optional-dependencies"]
requirements = []
for text in extras["test"]:
    req = Requirement(text)
    if req.name == "fastpulsar":  # fastpulsar[avro,protobuf]: those extras' requirements
        requirements += [Requirement(t) for name in sorted(req.extras) for t in extras[name]]
    else:
        requirements.append(req)
pins = []
for req in requirements:
    if req.marker is None or req.marker.evaluate():
        pin = EXCEPTIONS.get(req.name, f"{req.name}{req.specifier}")
        if pin is not None:
            pins.append(pin)
print(" ".join(pins))
EOF
)"
echo "tools/freethreaded.sh: test dependencies: ${test_deps[*]}"
if [ "$#" -eq 0 ]; then
    set -- tests/unit \
        tests/integration/test_free_threading.py \
        tests/integration/test_send_receive.py \
        tests/integration/test_producer_races.py \
        tests/integration/test_stress.py \
        --no-standalone
fi

if [ -n "${FASTPULSAR_FT_SANITIZE:-}" ]; then
    # The ASan/UBSan build (tools/sanitize.sh) on the free-threaded interpreter, same tests.
    echo "tools/freethreaded.sh: PYTHON_GIL=0 tools/sanitize.sh $*"
    PYTHON="$ft_python" FASTPULSAR_ASAN_VENV="$work/asan-venv" \
        FASTPULSAR_ASAN_BUILD_DIR=build/asan-ft FASTPULSAR_SANITIZE_TEST_DEPS="${test_deps[*]}" \
        PYTHON_GIL=0 bash tools/sanitize.sh "$@"
    exit 0
fi

"$py" -m pip install --disable-pip-version-check -q . ./testing "${test_deps[@]}"
"$py" -m pip install --disable-pip-version-check -q --no-deps "pulsar-lite==0.2.0"
# (from the scratch directory: the checkout's pulsar/ has no extension)
(cd "$work" && "$py" -) <<'EOF'
import sys
import pulsar
assert not sys._is_gil_enabled(), "importing pulsar turned the GIL on"
print(f"tools/freethreaded.sh: {sys.version}; GIL enabled: {sys._is_gil_enabled()}")
EOF

echo "tools/freethreaded.sh: PYTHON_GIL=0 pytest $*"
PYTHON_GIL=0 "$work/venv/bin/pytest" -p no:cacheprovider "$@"
