"""The cache directory of the test helpers: downloaded brokers and the official client's venv.

``$FASTPULSAR_TEST_CACHE`` if set, else ``~/.cache/fastpulsar-tests``.  Other tools (the
benchmark) pass their own variable and default name.
"""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "FASTPULSAR_TEST_CACHE"
DEFAULT_NAME = "fastpulsar-tests"


def cache_dir(env_var: str = CACHE_ENV, default_name: str = DEFAULT_NAME) -> Path:
    """``$<env_var>`` (``~`` expanded) if set and not empty, else ``~/.cache/<default_name>``.

    Nothing is created: callers make the subdirectories they need.
    """
    configured = os.environ.get(env_var)
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / default_name
