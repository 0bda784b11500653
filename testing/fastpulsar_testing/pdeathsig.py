"""Child processes that the kernel stops when the process that started them dies.

A broker started by a test session must not outlive it, even when the session is killed
before its teardown runs.  On Linux, ``prctl(PR_SET_PDEATHSIG, SIGTERM)`` in the child asks
the kernel for that; note that the "parent" is the *thread* that started the child.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable

PR_SET_PDEATHSIG = 1


def die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` for ``subprocess.Popen`` that sets PR_SET_PDEATHSIG to SIGTERM, or
    None where that is not available (not Linux, no libc through ctypes).

    ``prctl`` is looked up here, in the parent: the child, forked from a process that may
    have threads, does nothing before exec but one call.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (ImportError, OSError, AttributeError):
        return None

    def set_pdeathsig() -> None:  # pragma: no cover - runs in the child
        prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)

    return set_pdeathsig
