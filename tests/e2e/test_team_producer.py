"""A team's own producer, end to end: its function from the code folder, invoked with an
event, calls `publish`, and exactly the consumers the routing selects receive each message."""

from __future__ import annotations

import json
import shutil
import textwrap

import pytest
from e2e_support import DEV_CONSUMERS, DEV_MESSAGES, DEV_SELECTORS, ROOT, STACK, Tamper, write_stack

import emulator

CHECKOUT = """
    from handlers.publisher import publish


    def place(event, context):
        return publish(event["orders"])
"""
PRODUCERS = [{"name": "checkout", "handler": "checkout:place"}]


@pytest.fixture
def team_project(tmp_path):
    """The real program (symlinked) with a code folder of the team's own; only the stack config names it."""
    for name in ("__main__.py", "Pulumi.yaml", "components", "handlers", "emulator"):
        (tmp_path / name).symlink_to(ROOT / name)
    team = tmp_path / "team"
    team.mkdir()
    (team / "checkout.py").write_text(textwrap.dedent(CHECKOUT))
    shutil.copy(ROOT / "app" / "orders.py", team / "orders.py")  # the consumers' default processor
    return tmp_path


def expected(messages: list[dict]) -> dict[str, list[str]]:
    """Who should receive what, by the routing written independently of the program; the invalid ones dead-letter."""
    valid = {m["id"] for m in messages if (m["data"] or {}).get("customerAddress")}
    routed = {name: sorted(m["id"] for m in messages if select(m)) for name, select in DEV_SELECTORS.items()}
    return {name: sorted(i for i in ids if i in valid) for name, ids in routed.items()}


@pytest.mark.parametrize(
    ("topology", "switch"),
    [("fanout", None), ("eventbridge", None), ("eventbridge", "fanout")],
    ids=["fanout", "eventbridge", "eventbridge while fanout drains"],
)
def test_a_team_producer_reaches_exactly_the_consumers_the_routing_selects(team_project, topology, switch):
    options = {"codePath": "team", "producers": PRODUCERS, **({"previousTopology": switch} if switch else {})}
    stack_file = write_stack(team_project, DEV_CONSUMERS, topology, **options)
    report = emulator.run(stack=STACK, project_dir=team_project, stack_file=stack_file, producer="checkout",
                          event={"orders": DEV_MESSAGES}, details=True)  # fmt: skip
    assert sorted(report["sent"]) == sorted(m["id"] for m in DEV_MESSAGES)
    processed = {name: sorted(entry["processed"]) for name, entry in report["consumers"].items()}
    assert processed == expected(DEV_MESSAGES)
    assert report["details"]["access_denied"] == []
    function = report["details"]["functions"]
    assert sorted(function.values()) == [
        "checkout.place",
        *["handlers.consumer.handler"] * 4,
        "handlers.producer.handler",
    ]


def test_the_team_producer_sends_with_its_own_role(team_project):
    """Without its send grant, the team producer is refused by the channel and nothing is delivered."""

    def without_send(inputs):
        policy = json.loads(inputs["policy"])
        kept = [s for s in policy["Statement"] if s["Sid"] != "SendToTarget"]
        return {**inputs, "policy": json.dumps({**policy, "Statement": kept})}

    tamper = Tamper("aws:iam/rolePolicy:RolePolicy", "checkout-role-policy", without_send)
    stack_file = write_stack(team_project, DEV_CONSUMERS, "fanout", codePath="team", producers=PRODUCERS)
    report = emulator.run(stack=STACK, project_dir=team_project, stack_file=stack_file, producer="checkout",
                          event={"orders": DEV_MESSAGES}, details=True, program_transform=tamper)  # fmt: skip
    tamper.assert_applied()
    assert report["sent"] == []
    assert {d["action"] for d in report["details"]["access_denied"]} == {"sns:Publish"}
    assert all(entry == {"processed": [], "dead_lettered": []} for entry in report["consumers"].values())


def test_the_example_checkout_producer_publishes_an_order_created_per_order(tmp_path):
    consumers = [{"name": "inventory", "match": {"type": ["OrderCreated"]}}, {"name": "shipping",
                 "match": {"type": ["OrderShipped"]}}]  # fmt: skip
    stack_file = write_stack(
        tmp_path, consumers, "fanout", producers=[{"name": "checkout", "handler": "checkout:handler"}]
    )
    orders = [{"orderId": f"o-{n}", "customerName": "Ada", "customerAddress": "1 Way"} for n in range(3)]
    report = emulator.run(stack=STACK, stack_file=stack_file, producer="checkout", event={"orders": orders})
    assert len(report["sent"]) == 3
    assert sorted(report["consumers"]["inventory"]["processed"]) == sorted(report["sent"])
    assert report["consumers"]["shipping"] == {"processed": [], "dead_lettered": []}


def test_an_unknown_producer_name_is_refused_naming_the_producers(team_project):
    stack_file = write_stack(team_project, DEV_CONSUMERS, "fanout", codePath="team", producers=PRODUCERS)
    with pytest.raises(
        emulator.EmulatorError, match=r"producer 'cart' is not in messaging:producers; producers: checkout"
    ):
        emulator.run(stack=STACK, project_dir=team_project, stack_file=stack_file, producer="cart", event={})
