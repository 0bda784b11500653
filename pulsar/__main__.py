"""``python -m pulsar``: fastpulsar's command line (``python -m pulsar --help``)."""

import sys

from pulsar._cli import main

if __name__ == "__main__":
    sys.exit(main())
