"""Finding a Java 17+ to run Apache Pulsar with."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from .errors import ToolMissing

MIN_JAVA = 17


def find_java() -> str:
    """Path of a Java 17+ ``java`` (``$JAVA_HOME/bin/java``, else PATH), or ToolMissing."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        java = str(Path(java_home) / "bin" / "java")
        if not os.access(java, os.X_OK):
            raise ToolMissing(
                f"Java {MIN_JAVA}+ is needed to run Apache Pulsar standalone, and "
                f"JAVA_HOME={java_home!r} has no bin/java. Point JAVA_HOME at a JDK/JRE "
                f"{MIN_JAVA}+ (or unset it to use `java` from PATH), or deselect these tests "
                "with --no-standalone."
            )
    else:
        found = shutil.which("java")
        if found is None:
            raise ToolMissing(
                f"Java {MIN_JAVA}+ is needed to run Apache Pulsar standalone and no `java` is on "
                "PATH (nor JAVA_HOME set). Install a JDK/JRE 17 or newer (e.g. "
                "`apt-get install openjdk-17-jre-headless`), or deselect these tests with "
                "--no-standalone."
            )
        java = found
    major = java_major(java)
    if major < MIN_JAVA:
        raise ToolMissing(
            f"{java} is Java {major or '(unknown version)'}; Apache Pulsar needs Java "
            f"{MIN_JAVA}+. Set JAVA_HOME to a newer JDK, or deselect these tests with "
            "--no-standalone."
        )
    return java


def java_major(java: str) -> int:
    """The major version ``java -version`` reports (8 for 1.8), 0 if it cannot be read."""
    try:
        out = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=60, check=False
        ).stderr
    except (OSError, subprocess.TimeoutExpired):
        return 0
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if not m:
        return 0
    major = int(m.group(1))
    return int(m.group(2) or 0) if major == 1 else major


def java_home_of(java: str) -> Path:
    """The home directory of a ``java`` binary (``<home>/bin/java``, symlinks resolved)."""
    return Path(java).resolve().parent.parent
