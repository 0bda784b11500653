"""No input may crash the interpreter: the probes that need no broker (message ids).

Each probe runs in its own child process (support.probes): a segfault or an abort fails the
probe instead of killing pytest, and every bad input must raise the exception class named
beside it (the probes that need a broker: tests/integration/test_robustness.py).
"""

import pytest
from support.probes import run_probe

PROBES = {
    "message-id-extreme-values": """
        for args, expect in [
            ((2**70, 0, 0, 0), ValueError),
            ((0, -2**70, 0, 0), ValueError),
            ((0, 0, 2**64, 0), ValueError),
            ((0.5, 1, 2, 3), pulsar.InvalidArgumentType),
            (("a", 1, 2, 3), pulsar.InvalidArgumentType),
            ((None, None, None, None), pulsar.InvalidArgumentType),
        ]:
            attempt(repr(args), lambda: str(pulsar.MessageId(*args)), expect)
    """,
    "message-id-deserialize-junk": """
        for junk in [None, "", "text", 5]:
            attempt(repr(junk), lambda: pulsar.MessageId.deserialize(junk),
                    pulsar.InvalidArgumentType)
        for junk in [b"", b"\\x00" * 1000, bytes(range(256)), bytearray(b"\\x08\\x01"),
                     b"\\x08\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x01" * 50]:
            attempt(repr(junk)[:30], lambda: pulsar.MessageId.deserialize(junk), ValueError)
    """,
    "message-id-comparisons-with-other-types": """
        m = pulsar.MessageId(1, 2, 3, 4)
        for other in [None, 3, "x", object(), b"\\x00"]:
            attempt("eq %r" % (other,), lambda: m == other, OK)
            attempt("ne %r" % (other,), lambda: m != other, OK)
            attempt("lt %r" % (other,), lambda: m < other, TypeError)
            attempt("ge %r" % (other,), lambda: m >= other, TypeError)
        attempt("wrap-none", lambda: pulsar.MessageId.wrap(None), pulsar.InvalidArgumentType)
        attempt("wrap-int", lambda: pulsar.MessageId.wrap(5), pulsar.InvalidArgumentType)
    """,
}


@pytest.mark.parametrize("name", sorted(PROBES))
def test_probe_does_not_crash_and_raises_the_expected_errors(tmp_path, name):
    run_probe(tmp_path, PROBES[name])
