"""Property-based tests (hypothesis): the strategies of hostile values, the one rule every
call must obey, and running each property in a child process.

The rule (issue 11, section 4): a call with any argument either succeeds or raises a
PulsarException, a TypeError or a ValueError; a TypeError or ValueError names the argument
it is about (its message contains the name). Anything else (OverflowError, SystemError,
UnicodeEncodeError with codec wording, AttributeError, a crash, a hang) is a bug.

Isolation: a segfault or an abort in a property would kill pytest with it, and a hang
would stop it at pytest-timeout without stacks. So the test functions pytest collects
(`isolated_properties`) run each property in a child interpreter that imports the test
module by path and calls the property (a hypothesis-decorated function, which runs all its
examples); the child arms a faulthandler watchdog and writes the example under way to
stderr before each risky call, so a crash names the input that caused it.

Determinism: every property uses the ``fastpulsar`` hypothesis profile (derandomize=True,
no deadline, no example database), so CI runs the same examples every time.
``FASTPULSAR_HYPOTHESIS_SCALE`` (default 1.0) multiplies every property's max_examples:
raise it for a longer local hunt.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from support.children import run_child, tail

F = TypeVar("F", bound=Callable[..., Any])

settings.register_profile(
    "fastpulsar",
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("fastpulsar")

SCALE = float(os.environ.get("FASTPULSAR_HYPOTHESIS_SCALE", "1.0"))
TRACE_ENV = "FASTPULSAR_PROPERTY_TRACE"


def examples(count: int) -> settings:
    """The settings of a property: ``count`` examples (times the scale), deterministic."""
    return settings(
        max_examples=max(1, int(count * SCALE)),
        deadline=None,
        derandomize=True,
        database=None,
    )


# ---- strategies ---------------------------------------------------------------------------

# Every character, lone surrogates (not encodable as UTF-8) included: hypothesis leaves them
# out unless asked for them alone.
ANY_CHAR = st.one_of(st.characters(), st.characters(categories=["Cs"]))
HUGE_INTS = st.sampled_from(
    [
        *(2**31 - 1, 2**31, 2**32 - 1, 2**32, 2**63 - 1, 2**63, 2**64, 2**100),
        *(-(2**31), -(2**31) - 1, -(2**63), -(2**63) - 1, -(2**100)),
    ]
)
INTS = st.one_of(st.integers(), st.integers(-3, 3), HUGE_INTS)
FLOATS = st.one_of(st.floats(), st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 1e308]))
TEXTS = st.one_of(
    st.text(ANY_CHAR, max_size=20),
    st.just(""),
    st.sampled_from(["\ud800", "a\udfffb", "\x00", "x" * 100_000, "é" * 5000, "\U0010ffff"]),
)
BYTES = st.one_of(
    st.binary(max_size=64),
    st.sampled_from([b"", b"\xff\xfe\x80", b"\x00" * 1000, bytes(range(256)) * 40]),
)


def as_memoryview(data: bytes) -> memoryview:
    return memoryview(data)


class Opaque:
    """An object of a class nothing expects."""

    def __repr__(self) -> str:
        return "Opaque()"


class Exploded(Exception):
    """What an Explodes raises: the caller's own error, which may go through any call."""


class Explodes:
    """An object whose every use raises Exploded (str(), len(), iteration, comparison...)."""

    def _raise(self, *args: object, **kwargs: object) -> Any:
        raise Exploded("Explodes was used")

    __str__ = __len__ = __iter__ = __index__ = __int__ = __float__ = __bool__ = _raise
    __eq__ = __lt__ = __getitem__ = __fspath__ = _raise
    __hash__ = None  # type: ignore[assignment]  # (hypothesis hashes what it samples)

    def __repr__(self) -> str:
        return "Explodes()"


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    INTS,
    FLOATS,
    TEXTS,
    BYTES,
    BYTES.map(bytearray),
    BYTES.map(as_memoryview),
    st.builds(timedelta, seconds=st.integers(-(10**9), 10**9)),
    st.sampled_from([Opaque(), Explodes(), object, type, len, lambda *a: None, ..., 1j]),
)


def _nest(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(children, max_size=4),
        st.tuples(children, children),
        st.dictionaries(st.one_of(TEXTS, INTS), children, max_size=4),
        st.frozensets(st.one_of(INTS, TEXTS), max_size=3),
    )


def _deep(depth: int) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = [value]
    return value


ANYTHING = st.one_of(
    SCALARS,
    st.recursive(SCALARS, _nest, max_leaves=12),
    # (deeper ones make hypothesis's own report of a failure overflow the stack)
    st.sampled_from([_deep(50), _deep(150), {"k": _deep(120)}]),
)


def str_dicts() -> st.SearchStrategy[Any]:
    """Dicts that look like properties: str to str mostly, hostile keys and values too."""
    return st.one_of(
        st.dictionaries(TEXTS, TEXTS, max_size=5),
        st.dictionaries(
            st.one_of(TEXTS, BYTES, INTS), st.one_of(TEXTS, BYTES, st.none()), max_size=3
        ),
        st.just({"k" * 70_000: "v" * 70_000}),
        ANYTHING,
    )


# ---- the rule -----------------------------------------------------------------------------


def trace(label: str, value: Any = None) -> None:
    """Writes the call under way to stderr (flushed) when run isolated: a crash then
    shows the input that caused it in the child's output."""
    if os.environ.get(TRACE_ENV):
        try:
            text = repr(value)
        except Exception as exc:  # noqa: BLE001 - e.g. a nesting too deep for repr
            text = f"<unrepresentable: {type(exc).__name__}>"
        sys.stderr.write(f"PROPERTY {label}: {text[:300]}\n")
        sys.stderr.flush()


def names_one_of(message: str, names: Iterable[str]) -> bool:
    return any(name in message for name in names)


def call_checked(
    fn: Callable[[], Any],
    names: Iterable[str],
    label: str = "",
    value: Any = None,
    also: Callable[[BaseException], bool] | None = None,
) -> tuple[bool, BaseException | None]:
    """Calls ``fn()`` under the rule: returns (True, None) on success, (False, exc) for an
    allowed exception; raises AssertionError for any other outcome. ``names``: the
    arguments under test (a TypeError or ValueError must name one of them). ``also``:
    accepts the exceptions a property documents as exceptions to the rule (each with its
    reason, e.g. pulsar-client 3.13 raises the same)."""
    import pulsar

    names = list(names)
    trace(label, value)
    try:
        fn()
    except Exploded:
        return False, None  # the argument's own error, passed through
    except RecursionError:
        raise
    except Exception as exc:
        if also is not None and also(exc):
            return False, exc
        if isinstance(exc, pulsar.PulsarException):
            if isinstance(exc, (TypeError, ValueError)):
                _assert_names(exc, names, label)
            return False, exc
        if isinstance(exc, (UnicodeError, OverflowError)):
            raise AssertionError(  # noqa: TRY004 - a failed check, not a wrong type
                f"{label}: {type(exc).__name__} ({exc}) instead of an error naming "
                f"{' or '.join(names)}"
            ) from exc
        if isinstance(exc, (TypeError, ValueError)):
            _assert_names(exc, names, label)
            return False, exc
        raise AssertionError(
            f"{label}: {type(exc).__name__} ({exc}) is not a PulsarException, TypeError or "
            f"ValueError"
        ) from exc
    return True, None


def _assert_names(exc: BaseException, names: list[str], label: str) -> None:
    message = str(exc)
    assert names_one_of(message, names), (
        f"{label}: {type(exc).__name__}({message[:300]!r}) does not name {' or '.join(names)}"
    )


# ---- isolation ----------------------------------------------------------------------------

_CHILD = """
import faulthandler, importlib.util, sys
faulthandler.dump_traceback_later({watchdog}, exit=True)
sys.path.insert(0, {tests_dir!r})
spec = importlib.util.spec_from_file_location({module_name!r}, {module_path!r})
module = importlib.util.module_from_spec(spec)
sys.modules[{module_name!r}] = module
spec.loader.exec_module(module)
getattr(module, {name!r})()
print("PROPERTY-DONE")
"""


def run_isolated(
    module_file: str,
    name: str,
    directory: Path,
    *,
    service_url: str | None = None,
    timeout: float = 120.0,
    env: dict[str, str] | None = None,
) -> None:
    """Runs property ``name`` of the test module ``module_file`` in a child interpreter
    (cwd ``directory``); fails with the child's output unless it ran every example."""
    tests_dir = str(Path(__file__).resolve().parent.parent)
    module_path = str(Path(module_file).resolve())
    code = _CHILD.format(
        watchdog=max(10.0, timeout - 10),
        tests_dir=tests_dir,
        module_name="properties_" + Path(module_file).stem,
        module_path=module_path,
        name=name,
    )
    extra = {TRACE_ENV: "1", "PYTHONUNBUFFERED": "1", **(env or {})}
    proc = run_child(
        directory, code, service_url=service_url, timeout=timeout, env=extra, name=f"{name}.py"
    )
    if proc.returncode != 0 or "PROPERTY-DONE" not in proc.stdout:
        crashed = proc.returncode < 0
        last = [ln for ln in proc.stderr.splitlines() if ln.startswith("PROPERTY ")][-1:]
        errors = "\n".join(ln for ln in proc.stderr.splitlines() if not ln.startswith("PROPERTY "))
        raise AssertionError(
            f"property {name} {'crashed the interpreter' if crashed else 'failed'} "
            f"(exit code {proc.returncode}); last input: {last}\n"
            f"stdout:\n{tail(proc.stdout)}\nstderr:\n{tail(errors, lines=120, chars=12000)}"
        )


def collect_properties(namespace: dict[str, Any]) -> list[str]:
    """The properties of a test module: its functions named ``property_*``."""
    return sorted(n for n, v in namespace.items() if n.startswith("property_") and callable(v))
