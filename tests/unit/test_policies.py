"""The subscribe() policies: defaults, properties and argument checks as pulsar-client 3.13's
(the interop test at the end runs the same cases through the official client and compares)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

import pulsar

STICKY = pulsar.KeySharedMode.Sticky

# (policy, args, kwargs): each case builds a policy or raises; the outcome is compared
# with pulsar-client 3.13's in test_outcomes_match_the_official_client.
CASES: list[tuple[str, list[Any], dict[str, Any]]] = [
    ("key_shared", [], {}),
    ("key_shared", [], {"allow_out_of_order_delivery": True}),
    ("key_shared", [], {"sticky_ranges": [(0, 10)]}),
    ("key_shared", ["Sticky"], {}),
    ("key_shared", ["Sticky"], {"sticky_ranges": []}),
    ("key_shared", ["Sticky"], {"sticky_ranges": [(0, 65535)]}),
    ("key_shared", ["Sticky"], {"sticky_ranges": [(0, 65536)]}),
    ("key_shared", ["Sticky"], {"sticky_ranges": [(-1, 5)]}),
    ("key_shared", ["Sticky"], {"sticky_ranges": [(5, 2)]}),
    ("key_shared", ["Sticky"], {"sticky_ranges": [(0, 10), (10, 20)]}),
    ("key_shared", ["Sticky"], {"sticky_ranges": [(10, 20), (0, 10)]}),
    ("key_shared", ["Sticky"], {"sticky_ranges": [(0, 10), (11, 20)]}),
    ("key_shared", ["Sticky"], {"sticky_ranges": [(20, 30), (0, 25)]}),
    ("key_shared", ["Sticky"], {"sticky_ranges": [(5, 2), (3, 4)]}),
    ("dead_letter", [3], {}),
    ("dead_letter", [1], {"dead_letter_topic": "dlq", "initial_subscription_name": "init"}),
    ("dead_letter", [0], {}),
    ("dead_letter", [-1], {}),
    ("dead_letter", [None], {}),
    ("batch_receive", [10, -1, 100], {}),
    ("batch_receive", [1, 0, 0], {}),
    ("batch_receive", [0, 0, 0], {}),
    ("batch_receive", [-1, -1, -1], {}),
]


def build(kind: str, args: list[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """What a case gives with the `pulsar` imported here: the policy's properties, or the
    error's class (ValueError or not) and message."""
    if kind == "key_shared" and args:
        args = [getattr(pulsar.KeySharedMode, args[0])]
    try:
        if kind == "key_shared":
            p = pulsar.ConsumerKeySharedPolicy(*args, **kwargs)
            return {
                "mode": p.key_shared_mode.name,
                "ooo": p.allow_out_of_order_delivery,
                "ranges": [list(r) for r in p.sticky_ranges],
            }
        if kind == "dead_letter":
            d = pulsar.ConsumerDeadLetterPolicy(*args, **kwargs)
            return {
                "topic": d.dead_letter_topic,
                "max": d.max_redeliver_count,
                "initial": d.initial_subscription_name,
            }
        pulsar.ConsumerBatchReceivePolicy(*args, **kwargs)
        return {"ok": True}
    except ValueError as exc:
        return {"error": "ValueError", "message": str(exc).strip()}


def test_key_shared_defaults():
    policy = pulsar.ConsumerKeySharedPolicy()
    assert policy.key_shared_mode is pulsar.KeySharedMode.AutoSplit
    assert policy.allow_out_of_order_delivery is False
    assert policy.sticky_ranges == []


def test_key_shared_sticky_needs_ranges():
    with pytest.raises(ValueError, match="you must also provide sticky_ranges"):
        pulsar.ConsumerKeySharedPolicy(STICKY)


@pytest.mark.parametrize(
    ("ranges", "message"),
    [
        ([], "must not be empty"),
        ([(0, 65536)], r"Ranges must be \[0, 65535\]"),
        ([(-1, 3)], r"Ranges must be \[0, 65535\]"),
        ([(0, 10), (10, 20)], "with overlap"),
        ([(20, 30), (0, 25)], "with overlap"),
    ],
)
def test_key_shared_bad_ranges_are_value_errors(ranges, message):
    with pytest.raises(ValueError, match=message):
        pulsar.ConsumerKeySharedPolicy(STICKY, sticky_ranges=ranges)


def test_key_shared_ranges_are_kept():
    policy = pulsar.ConsumerKeySharedPolicy(STICKY, True, [(0, 99), (100, 65535)])
    assert policy.key_shared_mode is STICKY
    assert policy.allow_out_of_order_delivery is True
    assert policy.sticky_ranges == [(0, 99), (100, 65535)]


@pytest.mark.parametrize("ranges", ["0-10", [(0,)], [(0, "1")], [1, 2]])
def test_key_shared_ranges_of_the_wrong_type(ranges):
    with pytest.raises(pulsar.InvalidArgumentType, match="sticky_ranges"):
        pulsar.ConsumerKeySharedPolicy(STICKY, sticky_ranges=ranges)


def test_key_shared_mode_of_the_wrong_type():
    with pytest.raises(pulsar.InvalidArgumentType, match="key_shared_mode"):
        pulsar.ConsumerKeySharedPolicy(1)  # type: ignore[arg-type]


def test_dead_letter_defaults_and_checks():
    policy = pulsar.ConsumerDeadLetterPolicy(5)
    assert (policy.max_redeliver_count, policy.dead_letter_topic) == (5, "")
    assert policy.initial_subscription_name == ""
    for bad in (0, -3, None):
        with pytest.raises(ValueError, match="max_redeliver_count must be greater than 0"):
            pulsar.ConsumerDeadLetterPolicy(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        pulsar.ConsumerDeadLetterPolicy("3")  # type: ignore[arg-type]
    with pytest.raises(pulsar.InvalidArgumentType, match="dead_letter_topic"):
        pulsar.ConsumerDeadLetterPolicy(1, dead_letter_topic=5)  # type: ignore[arg-type]


def test_batch_receive_needs_one_limit():
    policy = pulsar.ConsumerBatchReceivePolicy(10, -1, 100)
    assert (policy.max_num_message, policy.max_num_bytes, policy.timeout_ms) == (10, -1, 100)
    with pytest.raises(ValueError, match="At least one of maxNumMessages"):
        pulsar.ConsumerBatchReceivePolicy(0, 0, 0)
    with pytest.raises(pulsar.InvalidArgumentType, match="timeout_ms"):
        pulsar.ConsumerBatchReceivePolicy(1, 1, "1")  # type: ignore[arg-type]


_OFFICIAL_SCRIPT = """
import json, sys
import pulsar
cases = json.loads(sys.argv[1])
out = []
for kind, args, kwargs in cases:
    if kind == "key_shared" and args:
        args = [getattr(pulsar.KeySharedMode, args[0])]
    if "sticky_ranges" in kwargs:
        kwargs["sticky_ranges"] = [tuple(r) for r in kwargs["sticky_ranges"]]
    try:
        if kind == "key_shared":
            p = pulsar.ConsumerKeySharedPolicy(*args, **kwargs)
            out.append({"mode": p.key_shared_mode.name, "ooo": p.allow_out_of_order_delivery,
                        "ranges": [list(r) for r in p.sticky_ranges]})
        elif kind == "dead_letter":
            d = pulsar.ConsumerDeadLetterPolicy(*args, **kwargs)
            out.append({"topic": d.dead_letter_topic, "max": d.max_redeliver_count,
                        "initial": d.initial_subscription_name})
        else:
            pulsar.ConsumerBatchReceivePolicy(*args, **kwargs)
            out.append({"ok": True})
    except ValueError as exc:
        out.append({"error": "ValueError", "message": str(exc).strip()})
print(json.dumps(out))
"""


@pytest.mark.interop
def test_outcomes_match_the_official_client(official_python: Path, tmp_path: Path):
    ours = [build(kind, args, dict(kwargs)) for kind, args, kwargs in CASES]
    done = subprocess.run(
        [str(official_python), "-c", _OFFICIAL_SCRIPT, json.dumps(CASES)],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,  # not the repository, whose pulsar/ would shadow the official one
    )
    theirs = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(theirs) == len(CASES)
    for case, mine, official in zip(CASES, ours, theirs):
        assert mine == official, case


# ---- policy(): the policy's _pulsar object (BatchReceivePolicy, DeadLetterPolicy,
# KeySharedPolicy, whose setters change the policy), compared with 3.13's below.

_POLICY_SCRIPT = """
import json
import pulsar
def mode(m):
    return m.name
out = []
b = pulsar.ConsumerBatchReceivePolicy(10, 2048, 100).policy()
out.append([b.getMaxNumMessages(), b.getMaxNumBytes(), b.getTimeoutMs()])
d = pulsar.ConsumerDeadLetterPolicy(3, "dlq", "init")
out.append([d.policy().getMaxRedeliverCount(), d.policy().getDeadLetterTopic(),
            d.policy().getInitialSubscriptionName(), d.policy() is d.policy()])
d = pulsar.ConsumerDeadLetterPolicy(4).policy()
out.append([d.getMaxRedeliverCount(), d.getDeadLetterTopic(), d.getInitialSubscriptionName()])
k = pulsar.ConsumerKeySharedPolicy(pulsar.KeySharedMode.Sticky, True, [(0, 10), (20, 30)])
p = k.policy()
out.append([mode(p.get_key_shared_mode()), p.is_allow_out_of_order_delivery(),
            [list(r) for r in p.get_sticky_ranges()]])
same = p.set_allow_out_of_order_delivery(False) is p
p.set_sticky_ranges([(100, 200)])
out.append([same, k.allow_out_of_order_delivery, [list(r) for r in k.sticky_ranges],
            mode(k.key_shared_mode)])
print(json.dumps(out))
"""


def policy_outcomes() -> list[Any]:
    out: list[Any] = []
    b = pulsar.ConsumerBatchReceivePolicy(10, 2048, 100).policy()
    out.append([b.getMaxNumMessages(), b.getMaxNumBytes(), b.getTimeoutMs()])
    d = pulsar.ConsumerDeadLetterPolicy(3, "dlq", "init")
    out.append(
        [
            d.policy().getMaxRedeliverCount(),
            d.policy().getDeadLetterTopic(),
            d.policy().getInitialSubscriptionName(),
            d.policy() is d.policy(),
        ]
    )
    d4 = pulsar.ConsumerDeadLetterPolicy(4).policy()
    out.append(
        [d4.getMaxRedeliverCount(), d4.getDeadLetterTopic(), d4.getInitialSubscriptionName()]
    )
    k = pulsar.ConsumerKeySharedPolicy(STICKY, True, [(0, 10), (20, 30)])
    p = k.policy()
    out.append(
        [
            p.get_key_shared_mode().name,
            p.is_allow_out_of_order_delivery(),
            [list(r) for r in p.get_sticky_ranges()],
        ]
    )
    same = p.set_allow_out_of_order_delivery(False) is p
    p.set_sticky_ranges([(100, 200)])
    out.append(
        [
            same,
            k.allow_out_of_order_delivery,
            [list(r) for r in k.sticky_ranges],
            k.key_shared_mode.name,
        ]
    )
    return out


def test_policy_getters_read_the_policy():
    assert policy_outcomes() == [
        [10, 2048, 100],
        [3, "dlq", "init", True],
        [4, "", ""],
        ["Sticky", True, [[0, 10], [20, 30]]],
        [True, False, [[0, 10], [20, 30], [100, 200]], "Sticky"],
    ]


def test_key_shared_policy_setters_check_as_the_constructor():
    policy = pulsar.ConsumerKeySharedPolicy()
    view = policy.policy()
    assert view is policy.policy()
    assert view.set_key_shared_mode(STICKY) is view
    assert policy.key_shared_mode is STICKY
    with pytest.raises(ValueError, match="with overlap"):
        view.set_sticky_ranges([(0, 10), (5, 20)])
    with pytest.raises(ValueError, match="must not be empty"):
        view.set_sticky_ranges([])
    with pytest.raises(ValueError, match=r"Ranges must be \[0, 65535\]"):
        view.set_sticky_ranges([(0, 65536)])
    with pytest.raises(pulsar.InvalidArgumentType, match="key_shared_mode"):
        view.set_key_shared_mode(1)  # type: ignore[arg-type]
    with pytest.raises(pulsar.InvalidArgumentType, match="allow_out_of_order_delivery"):
        view.set_allow_out_of_order_delivery("yes")  # type: ignore[arg-type]
    assert policy.sticky_ranges == []  # a failed setter changes nothing
    view.set_sticky_ranges([(0, 10)]).set_sticky_ranges([(11, 20)])  # adds, as 3.13
    assert policy.sticky_ranges == [(0, 10), (11, 20)]
    with pytest.raises(ValueError, match="with overlap"):  # 3.13 would keep both
        view.set_sticky_ranges([(5, 15)])
    assert policy.sticky_ranges == [(0, 10), (11, 20)]


@pytest.mark.interop
def test_policy_outcomes_match_the_official_client(official_python: Path, tmp_path: Path):
    done = subprocess.run(
        [str(official_python), "-c", _POLICY_SCRIPT],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == policy_outcomes()
