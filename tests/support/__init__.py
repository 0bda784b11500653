"""Helpers for the test modules, one job per module (the brokers live in fastpulsar_testing,
the fixtures in tests/fixtures)."""
