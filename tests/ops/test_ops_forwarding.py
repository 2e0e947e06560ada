"""ops on a stack with a consumer that forwards to another event bus: status shows where it forwards and its
DLQ instead of queue figures, dlq peek and purge read its DLQ, redrive says it does not apply.

In-process: ops' main() against an emulator.Stack (the embedded AWS answers boto3 inside the `with` block)."""

from __future__ import annotations

import json

import pytest

import emulator
from ops.__main__ import main

# One deployed stack for the module, on one worker (the embedded AWS is one per process).
pytestmark = pytest.mark.xdist_group("ops-forwarding")

REGION = "eu-west-1"
MISSING_BUS = f"arn:aws:events:{REGION}:123456789012:event-bus/not-created"  # every put fails: dead-lettered
CONFIG = {
    "aws:region": REGION,
    "topology": "eventbridge",
    "consumers": [
        {"name": "inventory", "match": {"type": ["OrderCreated"]}},
        {"name": "partner", "match": {"type": ["OrderShipped"]}, "bus": MISSING_BUS},
    ],
}
SHIPPED = {
    "id": "s-1",
    "type": "OrderShipped",
    "source": "com.example.orders",
    "data": {"orderId": "o-1", "customerName": "Ada", "customerAddress": "1 Analytical Way"},
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with emulator.Stack(config=CONFIG) as deployed:
        deployed.publish([SHIPPED])
        deployed.drain()
        outputs = tmp_path_factory.mktemp("ops-forwarding") / "outputs.json"
        outputs.write_text(json.dumps(deployed.exports), encoding="utf-8")
        yield deployed, str(outputs)


def ops(outputs, capsys, *args):
    code = main(["--outputs", outputs, *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_status_shows_what_the_consumer_forwards_to_and_its_dlq(stack, capsys):
    _, outputs = stack
    code, out, err = ops(outputs, capsys, "status", "--json")
    assert code == 0, err
    status = json.loads(out)
    assert set(status["consumers"]) == {"inventory"}
    partner = status["forwards"]["partner"]
    assert (partner["forwards_to"], partner["dlq_depth"]) == (MISSING_BUS, 1)
    assert partner["dlq"].startswith("partner-dlq-")
    # This in-process stack publishes no CloudWatch metrics: no datapoint, so no age (`-`), rather than 0.
    assert status["consumers"]["inventory"]["oldest_age_seconds"] is None
    code, out, _ = ops(outputs, capsys, "status")
    assert code == 0 and f"forwards to {MISSING_BUS}" in out
    (row,) = [line for line in out.splitlines() if line.startswith("│ inventory")]
    assert row.split("│")[4].strip() == "-"  # the oldest (s) column


def test_dlq_peek_lists_what_could_not_be_put_on_the_other_bus(stack, capsys):
    _, outputs = stack
    code, out, err = ops(outputs, capsys, "dlq", "peek", "partner", "--json")
    assert code == 0, err
    peeked = json.loads(out)
    assert [(m["id"], m["type"]) for m in peeked["messages"]] == [("s-1", "OrderShipped")]


@pytest.mark.parametrize("command", [["dlq", "redrive", "partner"], ["dlq", "tasks", "partner"]])
def test_redrive_and_tasks_say_they_do_not_apply_in_one_line(stack, capsys, command):
    _, outputs = stack
    code, out, err = ops(outputs, capsys, *command)
    assert (code, out) == (2, "")
    assert err.strip() == (
        f"ops: error: consumer 'partner' forwards to event bus {MISSING_BUS}: it has no queue and no function of "
        "this stack, so this command does not apply (its DLQ: dlq peek and dlq purge)"
    )


def test_an_unknown_consumer_lists_the_forwarding_ones_too(stack, capsys):
    _, outputs = stack
    code, _, err = ops(outputs, capsys, "dlq", "peek", "nope")
    assert code == 2
    assert "this stack's consumers are: inventory, partner (forwards)" in err


def test_dlq_purge_empties_the_forwarding_dlq(stack, capsys):
    deployed, outputs = stack
    code, out, err = ops(outputs, capsys, "dlq", "purge", "partner", "--yes", "--json")
    assert code == 0, err
    assert json.loads(out)["purged"] == 1
    assert deployed.dead_lettered("partner") == []
