#!/usr/bin/env python3
"""Rewrite the generated sections that list libpulsar's results, from src/abi/results.hpp.

The Result names and values are written by hand once, in the FASTPULSAR_RESULTS X-macro
of src/abi/results.hpp. This script derives the Python side from it: the members of
pulsar.Result (pulsar/_enums.py and pulsar/_enums.pyi) and the exception classes of
pulsar.exceptions with its __all__ (pulsar/exceptions.py). Each file holds its section
between the lines "# BEGIN GENERATED: results" and "# END GENERATED"; everything else in
those files is hand-written.

    python3 tools/update_results.py          # rewrite the sections
    python3 tools/update_results.py --check  # exit 1 (and say where) if one is stale
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
HEADER = ROOT / "src" / "abi" / "results.hpp"
BEGIN = "# BEGIN GENERATED: results"
END = "# END GENERATED"

# Results whose class is a ValueError too: none. pulsar-client 3.13 raises a plain
# ValueError (not a PulsarException) for a malformed service URL or batching together with
# chunking, and so does fastpulsar; its InvalidUrl and InvalidConfiguration are plain
# PulsarExceptions, so that `except ValueError` and `except PulsarException` see what they
# see with pulsar-client.
VALUE_ERROR_RESULTS: frozenset[str] = frozenset()
# A blocking call interrupted by Ctrl-C raises Interrupted, as pulsar-client does; it is a
# KeyboardInterrupt too, so that plain Python code (`except KeyboardInterrupt`) stops as well.
EXTRA_BASES = {
    name: f"PulsarException, {base}" for name, base in [("Interrupted", "KeyboardInterrupt")]
}
# Hand-written in pulsar/exceptions.py, above the generated section.
BASE_EXCEPTIONS = ("InvalidArgumentType", "PulsarException")

Results = list[tuple[str, int]]


def read_results(header: Path = HEADER) -> Results:
    """The (name, value) pairs of the FASTPULSAR_RESULTS X-macro, in order."""
    text = header.read_text()
    macro = re.search(r"#define FASTPULSAR_RESULTS\(X\)((?:.*\\\n)*.*\n)", text)
    if macro is None:
        raise SystemExit(f"{header}: no FASTPULSAR_RESULTS(X) macro")
    results = [
        (name, int(value)) for name, value in re.findall(r"X\((\w+),\s*(-?\d+)\)", macro.group(1))
    ]
    values = [value for _, value in results]
    if values != list(range(len(results))):
        raise SystemExit(f"{header}: results must be listed as 0, 1, 2, ... in order")
    return results


def enum_members(results: Results, indent: str) -> list[str]:
    return [f"{indent}{name} = {value}" for name, value in results]


def exception_classes(results: Results, indent: str) -> list[str]:
    lines: list[str] = []
    names = [name for name, _ in results if name != "Ok"]
    for name in names:
        bases = "PulsarException, ValueError" if name in VALUE_ERROR_RESULTS else "PulsarException"
        bases = EXTRA_BASES.get(name, bases)
        lines += [f"{indent}class {name}({bases}): ...", "", ""]
    lines.append(f"{indent}__all__ = [")
    lines += [f'{indent}    "{name}",' for name in sorted([*names, *BASE_EXCEPTIONS])]
    lines.append(f"{indent}]")
    return lines


Render = Callable[[Results, str], list[str]]
TARGETS: dict[str, Render] = {
    "pulsar/_enums.py": enum_members,
    "pulsar/_enums.pyi": enum_members,
    "pulsar/exceptions.py": exception_classes,
}


def regenerate(text: str, results: Results, render: Render, where: str) -> str:
    """`text` with its one generated section rendered anew."""
    lines = text.split("\n")
    begins = [i for i, line in enumerate(lines) if line.strip() == BEGIN]
    ends = [i for i, line in enumerate(lines) if line.strip() == END]
    if len(begins) != 1 or len(ends) != 1 or ends[0] < begins[0]:
        raise SystemExit(f"{where}: expected one '{BEGIN}' ... '{END}' section")
    begin, end = begins[0], ends[0]
    indent = lines[begin][: len(lines[begin]) - len(lines[begin].lstrip())]
    return "\n".join([*lines[: begin + 1], *render(results, indent), *lines[end:]])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if a section is stale"
    )
    args = parser.parse_args(argv)
    results = read_results()
    stale = []
    for relative, render in TARGETS.items():
        path = ROOT / relative
        text = path.read_text()
        new = regenerate(text, results, render, relative)
        if new == text:
            continue
        stale.append(relative)
        if not args.check:
            path.write_text(new)
    if args.check and stale:
        print(
            "stale generated results in "
            + ", ".join(stale)
            + ": run python3 tools/update_results.py",
            file=sys.stderr,
        )
        return 1
    for relative in [] if args.check else stale:
        print(f"updated {relative}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
