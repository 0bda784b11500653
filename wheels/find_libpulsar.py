"""Print the path of libpulsar inside the installed pulsar-client distribution.

Run by CMake with the build environment's Python: the pulsar-client wheel is a
build requirement only, the source of libpulsar 4.2.0's binary.
"""

from __future__ import annotations

import importlib.metadata
import sys


def main() -> int:
    dist = importlib.metadata.distribution("pulsar-client")
    if dist.version != "3.13.0":
        print(f"pulsar-client {dist.version} found, 3.13.0 required", file=sys.stderr)
        return 1
    candidates = [
        f for f in dist.files or [] if f.name.startswith("libpulsar") and ".so" in f.name
    ]
    if len(candidates) != 1:
        print(f"expected one libpulsar in pulsar-client, found {candidates}", file=sys.stderr)
        return 1
    print(candidates[0].locate())
    return 0


if __name__ == "__main__":
    sys.exit(main())
