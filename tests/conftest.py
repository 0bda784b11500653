"""The fastpulsar test suite: unit tests (tests/unit, no broker) and integration tests
(tests/integration, on pulsar-lite and Apache Pulsar standalone).  See tests/README.md.

The fixtures and hooks are plugins in tests/fixtures, one job per module; the brokers they
start come from the fastpulsar_testing package (testing/ in the repository).
"""

pytest_plugins = [
    "fixtures.session",  # first: the installed-package guard runs before anything imports pulsar
    "fixtures.lite",
    "fixtures.standalone",
    "fixtures.cluster",
    "fixtures.official",
    "fixtures.common",
    "fixtures.order",  # --shuffle-seed
    "fixtures.leaks",  # a test that leaves a thread or a child process fails at its teardown
]
