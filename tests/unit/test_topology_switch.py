"""Switching `messaging:topology` on the same consumers never replaces a queue.

Pulumi replaces a resource when its URN changes or a replace-forcing input
changes; for a queue that means its messages are deleted. This runs the whole
program under each topology and compares what would decide a replacement.
"""

import pytest

from pulumi_harness import run_program, stack_config

TOPOLOGIES = ["point-to-point", "fanout", "eventbridge"]
ONE_CONSUMER = [{"name": "inventory", "batchSize": 5, "maxReceiveCount": 7}]
# Inputs that force a new SQS queue (pulumi-aws marks `name`, `namePrefix` and `fifoQueue` ForceNew).
QUEUE_REPLACE_INPUTS = ("name", "namePrefix", "fifoQueue")


def queues(deployment):
    return {r.urn: r for r in deployment.of_type("aws:sqs/queue:Queue") if r.name.startswith("inventory-")}


@pytest.fixture
def per_topology():
    return {topology: run_program(stack_config(topology, ONE_CONSUMER)) for topology in TOPOLOGIES}


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
    assert stable(per_topology["point-to-point"]) == stable(per_topology["fanout"]) == stable(per_topology["eventbridge"])


def test_queue_policies_are_owned_by_the_consumer_not_the_topology(per_topology):
    for d in per_topology.values():
        for role in ("queue", "dlq"):
            policy = d.named(f"inventory-{role}-policy")
            assert policy.parent == d.named("inventory").urn
