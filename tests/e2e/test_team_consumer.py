"""A team's own consumer, end to end: its code folder is deployed beside the
runtime and the emulator runs it exactly as packaged."""

from __future__ import annotations

import textwrap

import pytest
from e2e_support import ROOT, STACK, order, write_stack

import emulator

SHIPPING = """
    import labels  # a helper module of the team's own


    class NotShippable(ValueError):
        pass


    def notify(envelope):
        address = (envelope.get("data") or {}).get("customerAddress")
        if not address:
            raise NotShippable(f"order {envelope['id']} has no address")
        labels.PRINTED.append(envelope["id"])
"""


@pytest.fixture
def team_project(tmp_path):
    """The real program (symlinked) with a code folder of the team's own; only the stack config names it."""
    for name in ("__main__.py", "Pulumi.yaml", "components", "handlers", "emulator"):
        (tmp_path / name).symlink_to(ROOT / name)
    team = tmp_path / "team"
    team.mkdir()
    (team / "shipping.py").write_text(textwrap.dedent(SHIPPING))
    (team / "labels.py").write_text("PRINTED = []\n")
    (team / "logs.py").write_text("raise RuntimeError('the runtime must never import a team module named logs')\n")
    (team / "test_shipping.py").write_text("raise RuntimeError('tests are not shipped')\n")
    return tmp_path


@pytest.mark.parametrize("topology", ["point-to-point", "fanout", "eventbridge"])
def test_a_team_consumer_gets_its_messages_and_dead_letters_exactly_the_bad_ones(team_project, topology):
    consumers = [{"name": "shipping", "processor": "shipping:notify"}]
    if topology != "point-to-point":
        consumers[0]["match"] = {"type": ["OrderShipped"]}
        consumers.append({"name": "analytics", "processor": "shipping:notify"})
    stack_file = write_stack(team_project, consumers, topology, codePath="team")
    messages = [
        order("s-1", "OrderShipped"),
        order("s-2", "OrderShipped", valid=False),
        order("s-3", "OrderShipped"),
        order("c-1", "OrderCreated"),
    ]
    report = emulator.run(stack=STACK, project_dir=team_project, stack_file=stack_file, messages=messages, details=True)
    shipping = report["consumers"]["shipping"]
    if topology == "point-to-point":
        assert sorted(shipping["processed"]) == ["c-1", "s-1", "s-3"]
    else:
        assert sorted(shipping["processed"]) == ["s-1", "s-3"]  # routed by its match, each processed once
        assert sorted(report["consumers"]["analytics"]["processed"]) == ["c-1", "s-1", "s-3"]
    assert shipping["dead_lettered"] == ["s-2"]
    assert report["details"]["functions"][report["details"]["consumers"]["shipping"]["function"]] == (
        "handlers.consumer.handler"
    )


STAMPED = """
    import tinypure


    def process(envelope):
        if tinypure.VERSION != envelope["data"]["layer"]:
            raise RuntimeError(f"tinypure {tinypure.VERSION} is loaded, not {envelope['data']['layer']}")
"""


def test_the_team_code_runs_with_the_stacks_one_layer_and_an_update_of_the_requirements_replaces_it(
    team_project, tmp_path_factory, monkeypatch
):
    from wheels import local_wheels, wheel

    folder = local_wheels(tmp_path_factory.mktemp("wheels"))
    wheel(folder, "tinypure", version="2.0")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(folder))
    requirements = team_project / "team" / "requirements.txt"
    requirements.write_text("tinypure==1.0\n")
    (team_project / "team" / "stamped.py").write_text(textwrap.dedent(STAMPED))
    consumers = [{"name": n, "processor": "stamped:process"} for n in ("stamped", "audited")]
    stack_file = write_stack(team_project, consumers, "fanout", codePath="team")
    with emulator.Stack(STACK, project_dir=team_project, stack_file=stack_file) as stack:
        (first,) = stack.mocks.layers
        assert first == "arn:aws:lambda:eu-west-1:123456789012:layer:messaging-e2e-dependencies:1"
        assert {tuple(fn.layers[1:]) for fn in stack.mocks.functions} == {(first,)}  # both consumers and producer
        stack.publish([order("v1", "X", layer="1.0")])

        unchanged = stack.redeploy(stack_file=stack_file)
        assert unchanged.summary().startswith("0 created, 0 updated, 0 deleted")
        assert list(stack.mocks.layers) == [first]

        requirements.write_text("tinypure==2.0\n")
        changed = stack.redeploy(stack_file=stack_file)
        assert changed.names("replaced") == ["LayerVersion dependencies"]
        assert sorted(changed.names("updated")) == [
            "Function audited-function",
            "Function producer-function",
            "Function stamped-function",
            "LayerVersion dependencies",
        ]
        (second,) = stack.mocks.layers
        assert second == first.removesuffix(":1") + ":2"  # a new version of the same layer
        stack.publish([order("v2", "X", layer="2.0")])
        stack.drain()
        for consumer in ("stamped", "audited"):
            assert (stack.processed(consumer), stack.dead_lettered(consumer)) == (["v1", "v2"], [])


PICKUP = """
    import labels


    def notify(envelope):
        labels.PRINTED.append(labels.address(envelope))
"""
LABELS = """
    print("labels {version} loaded")
    PRINTED = []


    def address(envelope):
        return {body}
"""
BROKEN = 'envelope["data"]["customerAddress"]  # KeyError: an order collected at the counter has none'
FIXED = 'envelope["data"].get("customerAddress", "collect at the counter")'


def _redrive(stack, consumer: str) -> None:
    """Move the consumer's dead letters back to its queue (what `ops dlq redrive` has SQS do)."""
    sqs = stack.mocks.c["sqs"]
    queue, dlq = (stack.exports["consumers"][consumer][key] for key in ("queueUrl", "dlqUrl"))
    while found := sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10).get("Messages"):
        for message in found:
            sqs.send_message(QueueUrl=queue, MessageBody=message["Body"])
            sqs.delete_message(QueueUrl=dlq, ReceiptHandle=message["ReceiptHandle"])


def test_a_fix_in_the_team_code_is_deployed_by_an_update_and_the_redriven_dead_letters_are_processed(team_project):
    team = team_project / "team"
    (team / "shipping.py").write_text(textwrap.dedent(PICKUP))
    (team / "labels.py").write_text(textwrap.dedent(LABELS.format(version=1, body=BROKEN)))
    stack_file = write_stack(team_project, [{"name": "shipping", "processor": "shipping:notify"}], "point-to-point",
                             codePath="team")  # fmt: skip
    logged: list[tuple[str, str]] = []  # (function, line): the team's modules print a line when they are imported

    def sink(fn: str, line: str) -> None:
        logged.append((fn, line))

    with emulator.Stack(STACK, project_dir=team_project, stack_file=stack_file, log_sink=sink) as stack:
        function = stack.exports["consumers"]["shipping"]["function"]

        def loads() -> list[str]:
            return [line for fn, line in logged if fn == function and line.endswith(" loaded")]

        stack.publish([order("collect-1", "OrderShipped", valid=False), order("post-1", "OrderShipped")])
        stack.drain()
        assert (stack.processed("shipping"), stack.dead_lettered("shipping")) == (["post-1"], ["collect-1"])

        (team / "test_labels.py").write_text("def test_address(): pass\n")  # the functions do not ship tests
        assert stack.redeploy(stack_file=stack_file).summary().startswith("0 created, 0 updated, 0 deleted")

        (team / "labels.py").write_text(textwrap.dedent(LABELS.format(version=2, body=FIXED)))  # the fix
        changes = stack.redeploy(stack_file=stack_file)
        assert changes.summary().startswith("0 created, 2 updated (Function 2), 0 deleted, ")
        assert changes.names("updated") == ["Function producer-function", "Function shipping-function"]
        _redrive(stack, "shipping")
        stack.publish([order("collect-2", "OrderShipped", valid=False)])
        stack.drain()
        assert (stack.processed("shipping"), stack.dead_lettered("shipping")) == (
            ["post-1", "collect-1", "collect-2"],
            [],
        )
        assert loads() == ["labels 1 loaded", "labels 2 loaded"]  # the update's cold start imported the fix

        # Not deployed: an edit on disk. A new execution environment (serve's UpdateFunctionConfiguration)
        # imports the function's modules again, from the code the last update deployed.
        (team / "labels.py").write_text(textwrap.dedent(LABELS.format(version=3, body=BROKEN)))
        stack.service.sandbox.new_execution_environment(stack.service.sandbox.function(function))
        stack.publish([order("collect-3", "OrderShipped", valid=False)])
        stack.drain()
        assert stack.processed("shipping")[-1] == "collect-3"
        assert loads() == ["labels 1 loaded", "labels 2 loaded", "labels 2 loaded"]
