"""fastpulsar's version, and the pulsar-client API it reproduces.

__version__ is the one version string: pyproject.toml reads it from here (a regex over
this file, so keep it a plain string literal) for the distribution's metadata.
"""

__version__ = "0.1.0"
#: The pulsar-client release whose Python API fastpulsar reproduces.
api_version = "3.13.0"
#: The libpulsar (Apache Pulsar C++ client) release fastpulsar is built on.
libpulsar_version = "4.2.0"
