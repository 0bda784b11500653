"""Brokers for fastpulsar's test suite, benchmark and examples (see README.md beside this
package): pulsar-lite (``lite``), Apache Pulsar standalone (``standalone``), a broker run by
someone else (``external``), and the official client's virtual environment
(``official_venv``).  Standard library only; no module imports ``pulsar``."""
