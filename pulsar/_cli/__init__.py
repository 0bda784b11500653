"""fastpulsar's command line (``python -m pulsar``, ``fastpulsar``): produce, consume, perf.

Not part of the library's API: import nothing from here."""

from pulsar._cli.main import main

__all__ = ["main"]
