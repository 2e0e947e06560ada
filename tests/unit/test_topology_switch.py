"""Switching `messaging:topology` on the same consumers never replaces a queue.

Pulumi replaces a resource when its URN changes or a replace-forcing input
changes; for a queue that means its messages are deleted. This runs the whole
program under each topology and compares what would decide a replacement.
"""

import pytest
from pulumi_harness import deployed, stack_config

TOPOLOGIES = ["point-to-point", "fanout", "eventbridge"]
ONE_CONSUMER = [{"name": "inventory", "batchSize": 5, "maxReceiveCount": 7}]
# Inputs that force a new SQS queue (pulumi-aws marks `name`, `namePrefix` and `fifoQueue` ForceNew).
QUEUE_REPLACE_INPUTS = ("name", "namePrefix", "fifoQueue")


def queues(deployment):
    return {r.urn: r for r in deployment.of_type("aws:sqs/queue:Queue") if r.name.startswith("inventory-")}


@pytest.fixture
def per_topology():
    return {topology: deployed(stack_config(topology, ONE_CONSUMER)) for topology in TOPOLOGIES}


def test_consumer_queue_and_dlq_keep_their_urns_under_every_topology(per_topology):
    urns = {topology: set(queues(d)) for topology, d in per_topology.items()}
    assert urns["point-to-point"] == urns["fanout"] == urns["eventbridge"]
    assert {urn.rsplit("::", 1)[1] for urn in urns["fanout"]} == {"inventory-queue", "inventory-dlq"}


def test_consumer_queue_and_dlq_keep_every_replace_forcing_input_under_every_topology(per_topology):
    def forcing(d):
        return {urn: {k: r.inputs.get(k) for k in QUEUE_REPLACE_INPUTS} for urn, r in queues(d).items()}

    baseline = forcing(per_topology["point-to-point"])
    assert forcing(per_topology["fanout"]) == baseline
    assert forcing(per_topology["eventbridge"]) == baseline


def test_only_tags_differ_on_the_queues_across_topologies(per_topology):
    def without_tags(d):
        return {urn: {k: v for k, v in r.inputs.items() if k != "tags"} for urn, r in queues(d).items()}

    baseline = without_tags(per_topology["point-to-point"])
    assert without_tags(per_topology["fanout"]) == baseline
    assert without_tags(per_topology["eventbridge"]) == baseline


def test_consumer_function_mapping_policies_and_producer_keep_their_urns(per_topology):
    # Everything a consumer owns, and the producer, lives outside the topology component,
    # so a switch updates them in place; only ingress resources come and go.
    def stable(d):
        return {r.urn for r in d.registrations if "messaging:topology:" not in r.urn}

    assert (
        stable(per_topology["point-to-point"]) == stable(per_topology["fanout"]) == stable(per_topology["eventbridge"])
    )


def test_queue_policies_are_owned_by_the_consumer_not_the_topology(per_topology):
    for d in per_topology.values():
        for role in ("queue", "dlq"):
            policy = d.named(f"inventory-{role}-policy")
            assert policy.parent == d.named("inventory").urn


# --- the no-loss switch: the previous topology drains while the producer moves ---------


def route_urns(deployment):
    return {
        r.urn
        for r in deployment.registrations
        if r.typ in ("aws:sns/topicSubscription:TopicSubscription", "aws:cloudwatch/eventTarget:EventTarget")
    }


@pytest.mark.parametrize(("topology", "previous"), [("eventbridge", "fanout"), ("fanout", "eventbridge")])
def test_while_draining_both_ingresses_deliver_and_each_queue_accepts_both_sources(topology, previous):
    d = deployed(
        stack_config(topology, [{"name": "inventory", "match": {"type": ["OrderCreated"]}}], previousTopology=previous)
    )
    topic_arn = d.output("fanout-topic", "arn")
    rule_arn = d.output("eventbridge-inventory-rule", "arn")
    assert d.named("fanout-inventory-subscription").inputs["endpoint"] == d.output("inventory-queue", "arn")
    assert d.named("eventbridge-inventory-target").inputs["arn"] == d.output("inventory-queue", "arn")
    for role in ("queue", "dlq"):
        statements = d.named(f"inventory-{role}-policy").json_input("policy")["Statement"]
        sources = {
            s["Principal"]["Service"]: s["Condition"]["ArnEquals"]["aws:SourceArn"]
            for s in statements
            if s["Effect"] == "Allow"
        }
        assert sources == {"sns.amazonaws.com": [topic_arn], "events.amazonaws.com": [rule_arn]}
    channel = d.named("producer-function").inputs["environment"]["variables"]
    expected_target = d.output("eventbridge-bus", "name") if topology == "eventbridge" else topic_arn
    assert channel["MESSAGING_TARGET"] == expected_target


def test_draining_keeps_the_previous_topology_resources_under_their_urns():
    before = deployed(stack_config("fanout", ONE_CONSUMER))
    during = deployed(stack_config("eventbridge", ONE_CONSUMER, previousTopology="fanout"))
    fanout_urns = {r.urn for r in before.registrations if "messaging:topology:Fanout" in r.urn}
    assert fanout_urns and fanout_urns <= {r.urn for r in during.registrations}


def test_the_producer_moves_only_after_every_route_of_both_topologies_exists():
    d = deployed(stack_config("eventbridge", ONE_CONSUMER, previousTopology="fanout"))
    routes = route_urns(d)
    assert len(routes) == 2
    for name in ("producer-function", "producer-role-policy"):
        assert routes <= set(d.named(name).dependencies), name


@pytest.mark.parametrize("topology", ["fanout", "eventbridge"])
def test_routes_wait_for_the_queue_policies_and_the_key_policy(topology):
    d = deployed(stack_config(topology, ONE_CONSUMER, encryption="kms"))
    (key_policy,) = d.of_type("aws:kms/keyPolicy:KeyPolicy")
    (route,) = [d.by_urn(urn) for urn in route_urns(d)]
    assert {d.named("inventory-queue-policy").urn, d.named("inventory-dlq-policy").urn, key_policy.urn} <= set(
        route.dependencies
    )


@pytest.mark.parametrize(("topology", "previous"), [("eventbridge", "fanout"), ("fanout", "eventbridge")])
def test_while_draining_the_producer_may_still_send_to_the_old_channel_and_waits_for_its_policy(topology, previous):
    d = deployed(stack_config(topology, ONE_CONSUMER, previousTopology=previous))
    statements = d.named("producer-role-policy").json_input("policy")["Statement"]
    targets = {
        "fanout": ("sns:Publish", d.output("fanout-topic", "arn")),
        "eventbridge": ("events:PutEvents", d.output("eventbridge-bus", "arn")),
    }
    action, arn = targets[topology]
    assert statements[0] == {"Sid": "SendToTarget", "Effect": "Allow", "Action": [action], "Resource": [arn]}
    action, arn = targets[previous]
    assert statements[1] == {"Sid": "SendToDrainingTarget1", "Effect": "Allow", "Action": [action], "Resource": [arn]}
    # New code never runs with old permissions: the function waits for its role policy.
    assert d.named("producer-role-policy").urn in d.named("producer-function").dependencies


@pytest.mark.parametrize(("topology", "previous"), [("eventbridge", "fanout"), ("fanout", "eventbridge")])
def test_ending_the_drain_only_removes_the_old_ingress(topology, previous):
    during = deployed(stack_config(topology, ONE_CONSUMER, previousTopology=previous))
    after = deployed(stack_config(topology, ONE_CONSUMER))
    kept, before_urns = {r.urn for r in after.registrations}, {r.urn for r in during.registrations}
    assert kept <= before_urns, f"step 2 creates {sorted(kept - before_urns)}"
    removed = before_urns - kept
    old_kind = {"fanout": "messaging:topology:Fanout", "eventbridge": "messaging:topology:EventBridge"}[previous]
    assert removed and all(old_kind in urn for urn in removed)


def test_every_function_waits_for_its_role_policy():
    d = deployed(stack_config("fanout"))
    for function in d.of_type("aws:lambda/function:Function"):
        prefix = function.name.removesuffix("-function")
        assert d.named(f"{prefix}-role-policy").urn in function.dependencies, function.name
